"""Quizzes and labs over real HTTP on the local stack serving the test content tree, as the theme's module page
calls them: session cookie, the site's Origin, JSON. Grading, the attempt limit (429 + Retry-After), lab
attestation, completion reaching this service's own progress API, and two learners kept apart.
"""

from __future__ import annotations

import secrets

import pytest
import requests

from kit.sign_in import TIMEOUT, sign_in
from tests.support.content_quizzes import content_quiz, right_answers, wrong_answers

pytestmark = pytest.mark.integration

SOIL = content_quiz("soil-and-compost")
RIGHT, WRONG = right_answers(SOIL), wrong_answers(SOIL)


class ModulePage:
    """The theme's module page as a learner's browser: session cookies, the site's Origin on writes."""

    def __init__(self, stack, create_user):
        email, password = f"quiz-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
        create_user(stack, email, password, "Quinn", "Quiz")
        self.signed = sign_in(stack, email, password)
        self.base = stack["api_url"]

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, cookies=self.signed.cookies, timeout=TIMEOUT)

    def post(self, path: str, body: dict, origin: str | None = None) -> requests.Response:
        headers = {"origin": origin or self.signed.origin}
        return requests.post(self.base + path, json=body, cookies=self.signed.cookies, headers=headers, timeout=TIMEOUT)

    def submit(self, answers: list[dict]) -> requests.Response:
        return self.post(
            "/tasks/quiz/submit", {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": answers}
        )


@pytest.fixture
def page(content_stack, create_user) -> ModulePage:
    return ModulePage(content_stack, create_user)


def test_a_quiz_failed_then_passed_completes_the_module_in_the_learners_progress(page):
    assert page.get("/tasks/status?module_slug=soil-and-compost").json()["module_status"] == "not_started"
    failed = page.submit(WRONG)
    assert failed.status_code == 200
    assert failed.headers["cache-control"] == "no-store, private"
    assert failed.json() == {"score": 0, "pass": False, "attempts": 1, "module_complete": False}
    assert page.get("/progress/garden-basics").json()["modules"]["soil-and-compost"]["started"] is True

    passed = page.submit(RIGHT).json()
    assert (passed["score"], passed["pass"], passed["attempts"], passed["module_complete"]) == (100, True, 2, True)
    assert len(passed["cert_id"]) == 36  # the module awards a certificate
    status = page.get("/tasks/status?module_slug=soil-and-compost").json()
    assert status["module_status"] == "complete"
    assert status["tasks"]["quiz-1"] == {"status": "passed", "score": 100, "attempts": 2}
    assert page.get("/progress/garden-basics").json()["modules"]["soil-and-compost"]["completed"] is True

    history = page.get("/module/progress?module_slug=soil-and-compost").json()
    assert [a["outcome"] for a in history["attempts"]] == ["passed", "failed"]
    first_review = history["attempts"][1]["answer_review"][0]
    question = SOIL["questions"][0]
    assert first_review["question_text"] == question["stem"]
    chosen = next(o for o in question["options"] if o["id"] == WRONG[0]["value"])
    assert first_review["submitted_answer_text"] == chosen["text"]
    assert first_review["is_correct"] is None


def test_the_attempt_limit_answers_429_with_retry_after_and_stores_nothing(page):
    for _ in range(5):
        assert page.submit(WRONG).status_code == 200
    refused = page.submit(RIGHT)
    assert refused.status_code == 429
    assert 3500 < int(refused.headers["retry-after"]) <= 3600
    assert refused.json() == {"error": "Too many attempts at this quiz: try again in 60 minutes"}
    quiz = page.get("/tasks/status?module_slug=soil-and-compost").json()["tasks"]["quiz-1"]
    assert quiz == {"status": "failed", "score": 0, "attempts": 5}
    assert len(page.get("/module/progress?module_slug=soil-and-compost").json()["attempts"]) == 5


def test_a_lab_attested_twice_is_one_attestation_and_completes_its_module(page):
    body = {"module_slug": "planting-lab", "task_slug": "lab-main"}
    first = page.post("/tasks/lab/attest", body).json()
    again = page.post("/tasks/lab/attest", body).json()
    assert first == again
    assert first["attested"] is True and first["module_complete"] is True
    history = page.get("/module/progress?module_slug=planting-lab").json()
    assert [a["outcome"] for a in history["attempts"]] == ["attested"]
    assert page.get("/progress/garden-basics").json()["modules"]["planting-lab"]["completed"] is True


def test_a_write_from_another_origin_changes_nothing(page):
    refused = page.post(
        "/tasks/lab/attest", {"module_slug": "planting-lab", "task_slug": "lab-main"}, "https://evil.example"
    )
    assert refused.status_code == 403
    assert page.get("/tasks/status?module_slug=planting-lab").json()["module_status"] == "not_started"


@pytest.mark.parametrize(
    "body",
    [
        {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": [{"id": "q1", "value": "zz"}]},
        {"module_slug": "soil-and-compost", "quiz_ref": "quiz-9", "answers": RIGHT},
        {"module_slug": "garden-tools-tour", "quiz_ref": "quiz-1", "answers": RIGHT},
        {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": RIGHT, "email": "other@example.com"},
        {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1"},
    ],
)
def test_a_bad_submission_is_a_400_that_changes_nothing(page, body):
    response = page.post("/tasks/quiz/submit", body)
    assert response.status_code == 400
    assert "error" in response.json()
    assert page.get("/tasks/status?module_slug=soil-and-compost").json()["module_status"] == "not_started"
    assert page.get("/progress").json() == {"courses": []}


def test_two_learners_never_see_each_others_tasks(content_stack, create_user):
    ada, bob = ModulePage(content_stack, create_user), ModulePage(content_stack, create_user)
    ada.submit(RIGHT)
    ada.post("/tasks/lab/attest", {"module_slug": "planting-lab", "task_slug": "lab-main"})
    assert bob.get("/tasks/status?module_slug=soil-and-compost").json()["module_status"] == "not_started"
    assert bob.get("/module/progress?module_slug=planting-lab").json()["attempts"] == []
    assert bob.get("/progress").json() == {"courses": []}
    anonymous = requests.get(f"{content_stack['api_url']}/tasks/status?module_slug=soil-and-compost", timeout=TIMEOUT)
    assert anonymous.status_code == 401
