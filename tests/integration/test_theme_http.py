"""The site theme's routes over real HTTP on the local stack serving the test content tree, called as the theme's
scripts call them: session cookie, the site's Origin, JSON, and the identity fields they add (which are ignored).
Every event type, the course-context rules, two learners kept apart, anonymous callers, bad input that changes
nothing, and the roll-ups after quizzes and labs graded by the tasks routes.
"""

from __future__ import annotations

import json
import secrets

import pytest
import requests

from kit.sign_in import TIMEOUT, sign_in
from tests.catalog_dirs import FIXTURE_CONTENT

pytestmark = pytest.mark.integration

SOIL = json.loads((FIXTURE_CONTENT / "modules" / "soil-and-compost" / "quiz.json").read_text())
RIGHT = [{"id": q["id"], "value": q["correct_answer"]} for q in SOIL["questions"]]


class ThemePage:
    """A learner's browser on the theme's pages: the action runner's POSTs, the dashboard's GETs."""

    def __init__(self, stack, create_user):
        self.email, password = f"theme-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
        create_user(stack, self.email, password, "Theo", "Theme")
        self.signed = sign_in(stack, self.email, password)
        self.base = stack["api_url"]

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, cookies=self.signed.cookies, timeout=TIMEOUT)

    def post(self, path: str, body: dict | str, origin: str | None = None) -> requests.Response:
        headers = {"origin": origin or self.signed.origin, "content-type": "application/json"}
        data = body if isinstance(body, str) else json.dumps(body)
        return requests.post(self.base + path, data=data, cookies=self.signed.cookies, headers=headers, timeout=TIMEOUT)

    def track(self, name: str, payload: dict, **top) -> requests.Response:
        """What action-runner.js sends: the event, its payload, and the learner's email as contactIdentifier."""
        body = {"eventName": name, "payload": payload, "contactIdentifier": {"email": self.email}, **top}
        return self.post("/events/track", body)

    def module(self, slug: str, status: str, course_slug: str | None = None) -> requests.Response:
        payload = {"module_slug": slug, "pathway_slug": None, "course_slug": course_slug, "ts": "2026-01-01T00:00:00Z"}
        return self.track(f"learning_module_{status}", payload)

    def state(self) -> dict:
        """Everything this learner has, through this service's own API."""
        return {
            "enrollments": self.get("/enrollments").json(),
            "progress": self.get("/progress").json(),
            "badges": self.get("/badges").json(),
        }


@pytest.fixture
def page(content_stack, create_user) -> ThemePage:
    return ThemePage(content_stack, create_user)


@pytest.fixture
def other(content_stack, create_user) -> ThemePage:
    return ThemePage(content_stack, create_user)


PERSISTED = {"status": "persisted", "mode": "authenticated"}


def test_an_action_runner_enrollment_is_this_services_enrollment(page, other):
    enrolled = page.track(
        "learning_pathway_enrolled", {"pathway_slug": "home-gardener"}, enrollment_source="pathway_page"
    )
    assert (enrolled.status_code, enrolled.json()) == (200, PERSISTED)
    assert enrolled.headers["access-control-allow-origin"] == page.signed.origin
    assert enrolled.headers["access-control-allow-credentials"] == "true"

    own = {(e["type"], e["slug"]) for e in page.get("/enrollments").json()["enrollments"]}
    assert own == {("pathway", "home-gardener"), ("course", "garden-basics"), ("course", "garden-care")}
    listed = page.get(f"/enrollments/list?email={other.email}").json()
    assert listed["mode"] == "authenticated"
    assert [(p["slug"], p["enrollment_source"]) for p in listed["enrollments"]["pathways"]] == [
        ("home-gardener", "pathway_page")
    ]
    assert [(c["slug"], c["pathway_slug"]) for c in listed["enrollments"]["courses"]] == [
        ("garden-basics", "home-gardener"),
        ("garden-care", "home-gardener"),
    ]
    # the other learner, even naming this one, sees only their own (nothing)
    assert other.get(f"/enrollments/list?email={page.email}").json()["enrollments"] == {"pathways": [], "courses": []}


def test_every_event_type_and_the_course_context_rules(page):
    assert (
        page.track("learning_course_enrolled", {"course_slug": "garden-care", "pathway_slug": None}).json() == PERSISTED
    )
    # the tools tour is in both courses: without context it is recorded under each
    assert page.module("garden-tools-tour", "started").json()["course_slugs"] == ["garden-basics", "garden-care"]
    # with a course that contains it, only there; stale context falls back to the catalog
    assert page.module("pest-spotting", "completed", "garden-care").json()["course_slugs"] == ["garden-care"]
    assert page.module("planting-lab", "started", "garden-care").json()["course_slugs"] == ["garden-basics"]
    # a module completed only by its tasks: 409, its start kept
    refused = page.module("watering-schedules", "completed", "garden-care")
    assert refused.status_code == 409
    assert "required tasks" in refused.json()["error"]
    viewed = page.track("learning_page_viewed", {"content_type": "module", "slug": "pest-spotting"})
    assert viewed.json() == {"status": "logged", "mode": "authenticated"}
    assert page.track("learning_course_completed", {"course_slug": "garden-care"}).status_code == 400
    assert page.track("learning_pathway_completed", {"pathway_slug": "home-gardener"}).status_code == 400

    care = page.get("/progress/garden-care").json()["modules"]
    assert {slug for slug, m in care.items() if m["started"]} == {
        "garden-tools-tour",
        "pest-spotting",
        "watering-schedules",
    }
    assert {slug for slug, m in care.items() if m["completed"]} == {"pest-spotting"}
    basics = page.get("/progress/garden-basics").json()["modules"]
    assert {slug for slug, m in basics.items() if m["started"]} == {"garden-tools-tour", "planting-lab"}

    aggregate = page.get("/progress/aggregate?type=course&slug=garden-care").json()
    assert (aggregate["started"], aggregate["completed"], aggregate["total"], aggregate["enrolled"]) == (3, 1, 3, True)
    read = page.get("/progress/read").json()
    assert set(read["progress"]["courses"]) == {"garden-basics", "garden-care"}
    assert read["last_viewed"]["type"] == "module"


def test_roll_ups_follow_tasks_graded_on_the_server_and_marked_modules(page):
    page.track("learning_course_enrolled", {"course_slug": "garden-basics"})
    page.module("garden-tools-tour", "completed", "garden-basics")
    status = page.get("/course/status?course_slug=garden-basics").json()
    assert (status["course_status"], status["modules_completed"], status["modules_total"]) == ("in_progress", 1, 3)

    quiz = {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": RIGHT}
    assert page.post("/tasks/quiz/submit", quiz).json()["module_complete"] is True
    lab = page.post("/tasks/lab/attest", {"module_slug": "planting-lab", "task_slug": "lab-main"})
    assert lab.json()["module_complete"] is True

    status = page.get("/course/status?course_slug=garden-basics").json()
    assert (status["course_title"], status["course_status"], status["modules_completed"]) == (
        "Garden Basics",
        "complete",
        3,
    )
    rows = {m["module_slug"]: m for m in status["modules"]}
    assert rows["soil-and-compost"]["module_title"] == "Soil and Compost"
    assert rows["soil-and-compost"]["tasks"] == {"quiz-1": {"status": "passed"}}
    assert rows["planting-lab"]["tasks"] == {"lab-main": {"status": "attested"}}
    assert rows["garden-tools-tour"]["has_required_tasks"] is False
    assert len(status["course_cert_id"]) == 36  # issued in-request by the lab attestation that completed the course

    pathway = page.get("/pathway/status?pathway_slug=home-gardener").json()
    assert (pathway["pathway_title"], pathway["pathway_status"]) == ("Home Gardener", "in_progress")
    assert [(c["course_slug"], c["course_status"]) for c in pathway["courses"]] == [
        ("garden-basics", "complete"),
        ("garden-care", "in_progress"),  # the tools tour counts there too
    ]
    assert page.track("learning_course_completed", {"course_slug": "garden-basics"}).json() == PERSISTED


def test_without_a_session_nothing_is_stored_and_reads_answer_anonymously(content_stack, page):
    before = page.state()
    base = content_stack["api_url"]
    body = {
        "eventName": "learning_course_enrolled",
        "payload": {"course_slug": "garden-basics"},
        "contactIdentifier": {"email": page.email},
    }
    answer = requests.post(f"{base}/events/track", json=body, headers={"origin": page.signed.origin}, timeout=TIMEOUT)
    assert (answer.status_code, answer.json()) == (200, {"status": "logged", "mode": "anonymous"})
    assert requests.get(f"{base}/progress/read?email={page.email}", timeout=TIMEOUT).json() == {"mode": "anonymous"}
    # courses.js and pathways.js name the learner in the query and omit credentials: that names nobody here.
    aggregate = f"{base}/progress/aggregate?type=course&slug=garden-basics&email={page.email}"
    aggregate = requests.get(aggregate, timeout=TIMEOUT)
    assert aggregate.json() == {"mode": "anonymous"}
    for path in (f"/enrollments/list?email={page.email}", "/course/status?course_slug=garden-basics"):
        assert requests.get(base + path, timeout=TIMEOUT).status_code == 401
    assert page.state() == before


def test_the_originals_unsafe_routes_are_not_served(content_stack, page):
    """POST /quiz/grade passed any answers and POST /auth/login {email} signed in anyone: no theme script calls
    either at its HEAD, and here neither exists, with or without a session."""
    base = content_stack["api_url"]
    headers = {"origin": page.signed.origin, "content-type": "application/json"}
    grade = {"module_slug": "garden-soil", "answers": [{"id": "q1", "value": "a"}]}
    for path, body in (("/quiz/grade", grade), ("/auth/login", {"email": page.email})):
        answer = requests.post(base + path, json=body, headers=headers, timeout=TIMEOUT)
        assert answer.status_code == 404, path
        assert "token" not in answer.text and "score" not in answer.text
        assert page.post(path, body).status_code == 404, path


BAD_BODIES = [
    '{"eventName": "learning_module_started", "payload": {"module_slug": "not-a-module"}}',
    '{"eventName": "learning_course_enrolled", "payload": {"course_slug": "Garden Basics"}}',
    '{"eventName": "learning_pathway_enrolled"}',
    '{"eventName": "learning_launched_rocket", "payload": {}}',
    '{"eventName": "learning_page_viewed", "payload": {"content_type": "video", "slug": "x"}}',
    '{"eventName": "learning_module_started", "payload": ["soil-and-compost"]}',
    '{"eventName": "learning_course_enrolled", "course_slug": "garden-basics", "enrollment_source": {"a": 1}}',
    '["learning_module_started"]',
    '{"eventName": ',
    '{"eventName": "learning_module_started", "payload": {"module_slug": "soil-and-compost", "pad": "'
    + "x" * 10_000
    + '"}}',
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_bad_input_is_a_4xx_json_error_that_changes_nothing(page, body):
    before = page.state()
    answer = page.post("/events/track", body)
    assert 400 <= answer.status_code < 500
    assert set(answer.json()) <= {"error", "details"}
    assert page.state() == before


def test_a_cookie_write_from_another_origin_is_refused(page):
    before = page.state()
    answer = page.post(
        "/events/track",
        {"eventName": "learning_course_enrolled", "course_slug": "garden-basics"},
        origin="https://evil.example",
    )
    assert answer.status_code == 403
    assert page.state() == before
