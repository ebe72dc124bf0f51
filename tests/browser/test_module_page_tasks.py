"""A module page with the theme's completion hooks, on the site's own origin, graded by the real stack in Chromium.

The page is written here from the contract (never the theme's script): #hhl-module-context, the quiz form
(#hhl-quiz-form .hhl-quiz-question[data-q-id] with radio inputs, #hhl-quiz-submit, #hhl-quiz-feedback), the
lab (#hhl-lab-attest-btn, #hhl-lab-feedback) and the completion banner. It is served by the browser tests'
page site (`page_site_and_stack`, tests/browser/conftest.py) at http://www.hedgehog.localhost:<port>
(same-site with the API, as hedgehog.cloud is with api.hedgehog.cloud) to a stack serving the test content
tree that allows that origin. The learner answers the watering quiz wrongly, retakes it and passes, attests
the lab, and sees what the theme's page shows; a reload restores it all from GET /tasks/status.
"""

from __future__ import annotations

import html
import json

import pytest

from tests.catalog_dirs import FIXTURE_CONTENT
from tests.support.content_quizzes import answer_on_the_page, options_html

pytestmark = [pytest.mark.browser, pytest.mark.integration]

MODULE = "watering-schedules"
QUIZ = json.loads((FIXTURE_CONTENT / "modules" / MODULE / "quiz.json").read_text())

SCRIPT = """
(function () {
  var api = document.getElementById('hhl-module-context').dataset.api;
  var slug = document.getElementById('hhl-module-context').dataset.moduleSlug;
  var quizRef = document.getElementById('hhl-quiz-section').dataset.quizRef;
  function $(id) { return document.getElementById(id); }
  function call(method, path, body) {
    var init = {method: method, credentials: 'include'};
    if (body) { init.headers = {'Content-Type': 'application/json'}; init.body = JSON.stringify(body); }
    return fetch(api + path, init).then(function (r) {
      return r.json().then(function (data) { return {status: r.status, data: data}; });
    });
  }
  function quizPassed(score) {
    $('hhl-quiz-form').hidden = true; $('hhl-quiz-submit').hidden = true;
    $('hhl-quiz-feedback').textContent = 'Quiz Passed \\u2713 \\u2014 Score: ' + score + '%';
  }
  function quizFailed(score, attempts) {
    $('hhl-quiz-submit').hidden = true; $('hhl-quiz-retake').hidden = false;
    $('hhl-quiz-feedback').textContent = 'Score: ' + score + '% (Attempt ' + attempts + ') \\u2014 Not passed yet.';
  }
  function labDone() {
    $('hhl-lab-attest-btn').hidden = true;
    $('hhl-lab-feedback').textContent = 'Lab Completed \\u2713';
  }
  function moduleComplete(certId) {
    var banner = $('hhl-module-complete-banner');
    banner.hidden = false;
    if (certId) { var a = $('hhl-certificate-link'); a.href = '/learn/certificate?id=' + certId; a.hidden = false; }
  }
  $('hhl-quiz-submit').addEventListener('click', function () {
    var answers = [], missing = false;
    document.querySelectorAll('#hhl-quiz-form .hhl-quiz-question').forEach(function (q) {
      var chosen = q.querySelector('input[type=radio]:checked');
      if (chosen) answers.push({id: q.dataset.qId, value: chosen.value}); else missing = true;
    });
    if (missing) { $('hhl-quiz-feedback').textContent = 'Please answer all questions before submitting.'; return; }
    $('hhl-quiz-submit').disabled = true;
    call('POST', '/tasks/quiz/submit', {module_slug: slug, quiz_ref: quizRef, answers: answers}).then(function (r) {
      $('hhl-quiz-submit').disabled = false;
      if (r.status !== 200) { $('hhl-quiz-feedback').textContent = r.data.error; return; }
      if (r.data.pass) quizPassed(r.data.score); else quizFailed(r.data.score, r.data.attempts);
      if (r.data.module_complete) moduleComplete(r.data.cert_id);
    });
  });
  $('hhl-quiz-retake').addEventListener('click', function () {
    document.querySelectorAll('#hhl-quiz-form input').forEach(function (i) { i.checked = false; });
    $('hhl-quiz-retake').hidden = true; $('hhl-quiz-submit').hidden = false; $('hhl-quiz-feedback').textContent = '';
  });
  $('hhl-lab-attest-btn').addEventListener('click', function () {
    $('hhl-lab-attest-btn').disabled = true;
    call('POST', '/tasks/lab/attest', {module_slug: slug, task_slug: 'lab-main'}).then(function (r) {
      if (r.status !== 200) {
        $('hhl-lab-feedback').textContent = r.data.error;
        $('hhl-lab-attest-btn').disabled = false;
        return;
      }
      labDone();
      if (r.data.module_complete) moduleComplete(r.data.cert_id);
    });
  });
  call('GET', '/tasks/status?module_slug=' + encodeURIComponent(slug)).then(function (r) {
    if (r.status !== 200) return;
    var quiz = r.data.tasks['quiz-1'] || {}, lab = r.data.tasks['lab-main'] || {};
    if (quiz.status === 'passed') quizPassed(quiz.score);
    else if (quiz.status === 'failed') quizFailed(quiz.score, quiz.attempts);
    if (lab.status === 'attested') labDone();
    if (r.data.module_status === 'complete') moduleComplete(r.data.cert_id);
    document.body.dataset.restored = 'yes';
  });
})();
"""


def module_page(api: str) -> bytes:
    questions = "".join(
        f'<fieldset class="hhl-quiz-question" data-q-id="{html.escape(q["id"])}">'
        f"<legend>{html.escape(q['stem'])}</legend>" + options_html(q) + "</fieldset>"
        for q in QUIZ["questions"]
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Watering Schedules</title>
<meta name="hhl:module_slug" content="{MODULE}"></head><body><div class="module-detail">
<div id="hhl-module-complete-banner" hidden>Module complete!
  <a id="hhl-certificate-link" hidden>View Certificate</a></div>
<div id="hhl-module-context" data-module-slug="{MODULE}" data-api="{api}"></div>
<section id="hhl-quiz-section" data-quiz-ref="quiz-1"><form id="hhl-quiz-form">{questions}</form>
  <button type="button" id="hhl-quiz-submit">Submit answers</button>
  <button type="button" id="hhl-quiz-retake" hidden>Retake Quiz</button>
  <div id="hhl-quiz-feedback"></div></section>
<section id="hhl-lab-section"><button type="button" id="hhl-lab-attest-btn">I completed the lab</button>
  <div id="hhl-lab-feedback"></div></section>
</div><script>{SCRIPT}</script></body></html>""".encode()


def site_pages(path: str, api: str) -> bytes:
    return module_page(api)  # the one module page, whatever the path


def test_a_learner_fails_retakes_passes_and_attests_on_the_module_page(site_and_stack, signed_in_page):
    site, _ = site_and_stack
    page = signed_in_page
    page.goto(f"{site.origin}/learn/modules/{MODULE}")
    page.wait_for_selector("body[data-restored=yes]")

    page.click("#hhl-quiz-submit")
    assert page.inner_text("#hhl-quiz-feedback") == "Please answer all questions before submitting."

    right = {q["id"]: q["correct_answer"] for q in QUIZ["questions"]}
    wrong = {q["id"]: next(o["id"] for o in q["options"] if o["id"] != q["correct_answer"]) for q in QUIZ["questions"]}
    answer_on_the_page(page, wrong)
    page.locator("#hhl-quiz-feedback").filter(has_text="Score: 0% (Attempt 1)").wait_for()
    assert page.is_visible("#hhl-quiz-retake") and not page.is_visible("#hhl-module-complete-banner")

    page.click("#hhl-quiz-retake")
    answer_on_the_page(page, right)
    page.locator("#hhl-quiz-feedback").filter(has_text="Quiz Passed ✓ — Score: 100%").wait_for()
    assert not page.is_visible("#hhl-quiz-form")
    assert not page.is_visible("#hhl-module-complete-banner")  # the lab is still to do

    page.click("#hhl-lab-attest-btn")
    page.locator("#hhl-lab-feedback").filter(has_text="Lab Completed ✓").wait_for()
    page.locator("#hhl-module-complete-banner").wait_for()
    certificate = page.get_attribute("#hhl-certificate-link", "href")
    assert certificate.startswith("/learn/certificate?id=") and len(certificate.split("=")[1]) == 36

    page.reload()
    page.wait_for_selector("body[data-restored=yes]")
    assert page.inner_text("#hhl-quiz-feedback") == "Quiz Passed ✓ — Score: 100%"
    assert page.inner_text("#hhl-lab-feedback") == "Lab Completed ✓"
    assert page.get_attribute("#hhl-certificate-link", "href") == certificate
    assert "correct" not in page.content().lower()
