"""CRM sync end to end from the site's own writes: the theme's POST /events/track (enrollment, module started
and completed, as action-runner.js sends them) and the task routes (POST /tasks/quiz/submit and
/tasks/lab/attest, graded on the server), called over real HTTP with the session cookie and the site's Origin,
reach the fake HubSpot through the tables' streams like POST /enrollments and /progress do
(tests/integration/test_crm_sync.py), and nothing of a quiz (answers, answer keys) is ever sent there.

The shipped catalog has no quiz or lab, so this module runs `crm_content_stack` (tests/integration/conftest.py):
CRM sync on, the shared fake HubSpot, the test content tree. Its garden-care course: watering-schedules (a
required quiz and a required lab), pest-spotting (an optional knowledge check) and garden-tools-tour (no task).
"""

from __future__ import annotations

import json
import secrets
import time

import pytest
import requests
from hhl.crm import properties

from kit.sign_in import TIMEOUT, sign_in
from local.fake_hubspot import UPSERT_PATH, FakeHubSpot
from tests.support.content_quizzes import content_quiz, right_answers, wrong_answers

pytestmark = pytest.mark.integration

COURSE = "garden-care"
MODULE = "watering-schedules"
WATERING = content_quiz(MODULE)
RIGHT, WRONG = right_answers(WATERING), wrong_answers(WATERING)
SYNC_TIMEOUT_SECONDS = 15
# Nothing of the quiz may reach HubSpot: its stems, option texts (right or wrong), or answer-shaped fields.
QUIZ_TEXTS = {q["stem"] for q in WATERING["questions"]} | {
    o["text"] for q in WATERING["questions"] for o in q["options"]
}
ANSWER_WORDS = ("answer", "correct", "quiz", "score")


class ThemePage:
    """A learner's browser on the theme's pages, as in tests/integration/test_theme_http.py."""

    def __init__(self, stack, create_user):
        self.email, password = f"crm-theme-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
        self.user_id = create_user(stack, self.email, password, "Theo", "Theme")
        self.signed = sign_in(stack, self.email, password)
        self.base = stack["api_url"]

    def post(self, path: str, body: dict) -> requests.Response:
        headers = {"origin": self.signed.origin, "content-type": "application/json"}
        return requests.post(
            self.base + path, data=json.dumps(body), cookies=self.signed.cookies, headers=headers, timeout=TIMEOUT
        )

    def track(self, name: str, payload: dict) -> requests.Response:
        body = {"eventName": name, "payload": payload, "contactIdentifier": {"email": self.email}}
        response = self.post("/events/track", body)
        assert response.status_code == 200, response.text
        return response

    def module(self, slug: str, status: str) -> requests.Response:
        payload = {"module_slug": slug, "pathway_slug": None, "course_slug": COURSE, "ts": "2026-01-01T00:00:00Z"}
        return self.track(f"learning_module_{status}", payload)

    def submit(self, answers: list[dict]) -> dict:
        response = self.post("/tasks/quiz/submit", {"module_slug": MODULE, "quiz_ref": "quiz-1", "answers": answers})
        assert response.status_code == 200, response.text
        return response.json()


def wait_for_contact(fake: FakeHubSpot, email: str, check=lambda props: True, **expected: str) -> dict:
    """The contact once it has every `expected` value and `check(properties)` holds; fails after the timeout."""
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while True:
        contact = fake.contact(email)
        properties_now = contact["properties"] if contact else {}
        if contact and all(properties_now.get(k) == v for k, v in expected.items()) and check(properties_now):
            return contact
        if time.monotonic() > deadline:
            pytest.fail(f"HubSpot never showed {expected}; it has {contact}")
        time.sleep(0.1)


def stored_contact_id(stack, user_id: str) -> str | None:
    item = stack.dynamodb().get_item(
        TableName="hedgehog-learn-local-users", Key={"userId": {"S": user_id}}, ConsistentRead=True
    )["Item"]
    return item.get("hubspotContactId", {}).get("S")


def test_theme_events_and_graded_tasks_reach_hubspot_and_no_answer_does(crm_content_stack, fake_hubspot, create_user):
    page = ThemePage(crm_content_stack, create_user)
    sent_before = len(fake_hubspot.bodies)

    # 1. The action runner's enrollment.
    assert page.track("learning_course_enrolled", {"course_slug": COURSE, "pathway_slug": None}).json() == {
        "status": "persisted",
        "mode": "authenticated",
    }
    enrolled = wait_for_contact(
        fake_hubspot,
        page.email,
        hhl_enrolled_courses=COURSE,
        hhl_completed_courses="",
        hhl_total_progress="0",
        hhl_progress_summary=f"{COURSE}: 0/3 modules (enrolled)",
    )["properties"]
    assert enrolled[properties.LAST_ACTIVITY]

    # The module page opens: its start reaches HubSpot as the learner's latest activity.
    page.module(MODULE, "started")
    started = wait_for_contact(
        fake_hubspot, page.email, lambda p: p[properties.LAST_ACTIVITY] > enrolled[properties.LAST_ACTIVITY]
    )["properties"]
    assert started[properties.TOTAL_PROGRESS] == "0"

    # 2. The quiz failed, then passed; the module needs its lab too, which completes it.
    assert (failed := page.submit(WRONG))["pass"] is False and failed["module_complete"] is False
    assert (passed := page.submit(RIGHT))["pass"] is True and passed["module_complete"] is False
    lab = page.post("/tasks/lab/attest", {"module_slug": MODULE, "task_slug": "lab-main"})
    assert lab.status_code == 200, lab.text
    assert lab.json()["module_complete"] is True
    completed = wait_for_contact(
        fake_hubspot,
        page.email,
        hhl_total_progress="33",
        hhl_progress_summary=f"{COURSE}: 1/3 modules (enrolled)",
        hhl_certificates="1",  # watering-schedules awards one
    )["properties"]
    assert completed[properties.LATEST_CERTIFICATE] and completed[properties.COMPLETED_COURSES] == ""

    # The theme's completions of the two modules without required tasks finish the course.
    page.module("pest-spotting", "completed")
    page.module("garden-tools-tour", "completed")
    finished = wait_for_contact(
        fake_hubspot, page.email, hhl_enrolled_courses=COURSE, hhl_completed_courses=COURSE, hhl_total_progress="100"
    )
    assert finished["properties"][properties.PROGRESS_SUMMARY].startswith(f"{COURSE}: 3/3 modules (completed)")
    assert f"badges: course:{COURSE}" in finished["properties"][properties.PROGRESS_SUMMARY]
    assert stored_contact_id(crm_content_stack, page.user_id) == finished["id"]

    # 3. What was sent: only the declared properties (and the email key), never anything of the quiz.
    sent = fake_hubspot.bodies[sent_before:]
    upserts = [json.loads(raw) for path, raw in sent if path == UPSERT_PATH]
    records = [r for body in upserts for r in body["inputs"] if r["id"] == page.email]
    assert len(records) >= 4  # enrollment, start, lab, completion: at least one push each
    for record in records:
        assert set(record["properties"]) <= {*properties.NAMES, "email"}, record
    for path, raw in sent:
        text = raw.decode()
        assert not [t for t in QUIZ_TEXTS if t in text], path
        assert not [w for w in ANSWER_WORDS if w in text.lower()], path
