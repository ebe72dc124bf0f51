"""site/hhl.js's task calls against the real local stack serving the test content tree (content_stack): a
learner on the demo page fails and then passes a quiz graded on the server, attests a lab, and sees both
modules completed in the page's own progress, as the theme's module pages would drive them."""

from __future__ import annotations

import uuid

import pytest

from local.stack import create_user
from tests.browser.site_page import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUIZ_MODULE, LAB_MODULE, COURSE = "soil-and-compost", "planting-lab", "garden-basics"


@pytest.fixture
def learner(content_stack) -> dict:
    email = f"tasks-{uuid.uuid4().hex[:12]}@example.com"
    password = "Site-client-2026!"
    create_user(content_stack.cognito(), content_stack["user_pool_id"], email, password, "Tess", "Tasks")
    return {"email": email, "password": password}


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
