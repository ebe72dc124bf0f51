"""No route ever answers with a quiz's answer key, and no log line holds one.

A learner of its own, on the stack serving the test content tree, first answers every question of the
soil quiz wrongly (through POST /tasks/quiz/submit, as the theme's module page does), then calls every
route the template declares (GET and POST; path and query parameters filled with the tree's slugs). No
answer may carry a `correct...` field (only the review's `is_correct` of the learner's own answer) or the
text of a correct option the learner did not choose; neither may anything the stack printed.
"""

from __future__ import annotations

import json
import secrets
import uuid
from pathlib import Path

import pytest
import requests

from kit.sign_in import TIMEOUT, sign_in
from kit.template import http_routes
from tests.catalog_dirs import FIXTURE_CONTENT

pytestmark = pytest.mark.integration

QUIZZES = {p.parent.name: json.loads(p.read_text()) for p in FIXTURE_CONTENT.glob("modules/*/quiz.json")}
SOIL = QUIZZES["soil-and-compost"]
WRONG_ANSWERS = [
    {"id": q["id"], "value": next(o["id"] for o in q["options"] if o["id"] != q["correct_answer"])}
    for q in SOIL["questions"]
]
CORRECT_TEXTS = {
    option["text"]
    for quiz in QUIZZES.values()
    for question in quiz["questions"]
    for option in question["options"]
    if option["id"] == question["correct_answer"]
}
PATH_VALUES = {"courseSlug": "garden-basics", "certId": str(uuid.uuid4())}
QUERY = {
    "module_slug": "soil-and-compost",
    "course_slug": "garden-basics",
    "pathway_slug": "home-gardener",
    "module_slugs": "soil-and-compost,watering-schedules",
}
BODY = {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": WRONG_ANSWERS, "task_slug": "lab-main"}
# The task routes refuse fields they do not take (400, nothing stored): each gets exactly its own, so the
# wrong attempt is really graded and stored, and the history routes have its answer review to show.
BODIES = {
    "/tasks/quiz/submit": {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": WRONG_ANSWERS},
    "/tasks/lab/attest": {"module_slug": "soil-and-compost", "task_slug": "lab-main"},
}
# Navigations and session ends: nothing about quizzes, and they would end the learner's session.
NOT_CALLED = {"/auth/login", "/auth/callback", "/auth/logout", "/auth/refresh"}


def keys_named_correct(value) -> list[str]:
    if isinstance(value, dict):
        found = [k for k in value if "correct" in k.lower() and k not in ("is_correct", "isCorrect")]
        return found + [k for v in value.values() for k in keys_named_correct(v)]
    if isinstance(value, list):
        return [k for v in value for k in keys_named_correct(v)]
    return []


def test_no_answer_or_log_line_holds_an_answer_key(content_stack, create_user):
    email, password = f"keys-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
    create_user(content_stack, email, password, "Kay", "Keys")
    learner = sign_in(content_stack, email, password)
    api = content_stack["api_url"]
    headers = {**learner.write_headers, **learner.bearer}
    routes = [r for r in http_routes() if r.method in ("GET", "POST") and r.path not in NOT_CALLED]
    # Grade first (where the route exists), so the status and history routes have an attempt to review.
    routes.sort(key=lambda r: r.path != "/tasks/quiz/submit")
    answers = {}
    for route in routes:
        url = api + route.path.format(**PATH_VALUES)
        if route.method == "GET":
            response = requests.get(url, params=QUERY, headers=headers, timeout=TIMEOUT)
        else:
            response = requests.post(url, json=BODIES.get(route.path, BODY), headers=headers, timeout=TIMEOUT)
        answers[route.route_key] = response
    assert answers["GET /catalog"].status_code == 200
    if "POST /tasks/quiz/submit" in answers:
        assert answers["POST /tasks/quiz/submit"].json()["pass"] is False
        assert len(answers["GET /module/progress"].json()["attempts"][0]["answer_review"]) == len(WRONG_ANSWERS)
    for route_key, response in answers.items():
        assert response.status_code < 500, (route_key, response.status_code, response.text[:300])
        body = response.json() if response.content else None
        assert keys_named_correct(body) == [], (route_key, body)
        leaked = [text for text in CORRECT_TEXTS if text in response.text]
        assert leaked == [], (route_key, leaked)
    log = Path(content_stack["log_file"]).read_text(encoding="utf-8", errors="replace")
    assert "correct_option_id" not in log and "correct_answer" not in log
    assert [text for text in CORRECT_TEXTS if text in log] == []
