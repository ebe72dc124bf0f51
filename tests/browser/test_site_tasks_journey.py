"""site/hhl.js's task and certificate calls against the real local stack serving the test content tree
(content_stack): a learner on the demo page fails and then passes a quiz graded on the server, attests a
lab, and sees both modules completed in the page's own progress; the module certificate the quiz earned is
on the learner's list and on the public certificate page, which a stranger opens and which names nobody."""

from __future__ import annotations

import urllib.parse
import uuid

import pytest

from tests.browser.site_page import new_learner, sign_in, site_url

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUIZ_MODULE, LAB_MODULE, COURSE = "soil-and-compost", "planting-lab", "garden-basics"


@pytest.fixture
def learner(content_stack) -> dict:
    return new_learner(content_stack, "tasks", "Tess", "Tasks")


def site_origin(stack) -> str:
    site = urllib.parse.urlsplit(site_url(stack))
    return f"{site.scheme}://{site.netloc}"


def module_box(page, module: str):
    return page.locator(f'.course[data-course="{COURSE}"] li[data-module="{module}"]')


def test_quiz_and_lab_graded_on_the_server_complete_their_modules(content_stack, context, learner):
    page = context.new_page()
    sign_in(page, content_stack, learner)

    failed = page.evaluate(f"hhl.submitQuiz('{QUIZ_MODULE}', {{q1: 'a', q2: 'a', q3: 'a'}})")
    assert (failed["pass"], failed["attempts"], failed["module_complete"]) == (False, 1, False)
    passed = page.evaluate(f"hhl.submitQuiz('{QUIZ_MODULE}', {{q1: 'a', q2: 'b', q3: 'c'}})")
    assert (passed["score"], passed["pass"], passed["attempts"], passed["module_complete"]) == (100, True, 2, True)
    assert "correct" not in str(passed).lower()

    status = page.evaluate(f"hhl.taskStatus('{QUIZ_MODULE}')")
    assert (status["module_status"], status["tasks"]["quiz-1"]["status"]) == ("complete", "passed")
    record = page.evaluate(f"hhl.moduleProgress('{QUIZ_MODULE}')")
    assert [a["outcome"] for a in record["attempts"]] == ["passed", "failed"]  # newest first
    review = record["attempts"][0]["answer_review"][0]
    assert (review["question_id"], review["submitted_answer_text"]) == ("q1", "Vegetable peelings")
    assert page.evaluate(f"hhl.moduleProgress('{QUIZ_MODULE}', {{includeAttempts: false}})").get("attempts") in (
        None,
        [],
    )

    attested = page.evaluate(f"hhl.attestLab('{LAB_MODULE}')")
    assert (attested["attested"], attested["task_slug"], attested["module_complete"]) == (True, "lab-main", True)
    assert uuid.UUID(attested["cert_id"]).version == 4  # planting-lab awards a certificate
    assert page.evaluate("hhl.pending()") == 0

    # The demo page's own progress (GET /progress) shows both modules completed by their tasks.
    page.reload()
    for module in (QUIZ_MODULE, LAB_MODULE):
        module_box(page, module).locator(".module-status").filter(has_text="Completed").wait_for()
        assert module_box(page, module).locator("input").is_checked()
    assert module_box(page, "garden-tools-tour").locator(".module-status").inner_text() == ""


def test_a_module_certificate_is_listed_and_its_public_page_names_no_learner(content_stack, context, learner):
    page = context.new_page()
    sign_in(page, content_stack, learner)
    passed = page.evaluate(f"hhl.submitQuiz('{QUIZ_MODULE}', {{q1: 'a', q2: 'b', q3: 'c'}})")
    cert_id = passed["cert_id"]
    modules = [m for c in page.evaluate("hhl.catalog()")["courses"] for m in c["modules"]]
    title = next(m["title"] for m in modules if m["slug"] == QUIZ_MODULE)

    # The request that completed the module stored its certificate before answering: the list has it now.
    listed = page.evaluate("id => hhl.certificates().then(a => a.certificates.find(c => c.certId === id))", cert_id)
    assert (listed["entityType"], listed["entitySlug"], listed["entityTitle"]) == ("module", QUIZ_MODULE, title)

    # The public page, opened by someone else (a fresh browser context: no session, no storage).
    stranger = context.browser.new_context()
    try:
        public = stranger.new_page()
        public.goto(f"{site_origin(content_stack)}/learn/certificate?id={cert_id}")
        public.locator("#certificate").wait_for()
        assert public.locator("#title").inner_text() == title
        shown = public.locator("body").inner_text()
        assert learner["email"] not in shown and "Tess" not in shown
        linkedin = urllib.parse.parse_qs(urllib.parse.urlsplit(public.locator("#linkedin").get_attribute("href")).query)
        assert (linkedin["name"], linkedin["certId"]) == ([title], [cert_id])
        assert linkedin["certUrl"] == [public.url]
    finally:
        stranger.close()
