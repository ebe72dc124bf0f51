"""Completion tasks over the in-process router: quiz grading, attempt limits, lab attestation, module progress.

The catalog here is a small invented one (compiled form): an orchard course whose pruning module has a
required quiz and a required lab, a grafting module with a quiz only, and a module without tasks; the
grafting module is also listed by a second course, so its completion lands under both.
"""

from __future__ import annotations

import json

import pytest
from hhl.learning import tasks as learning_tasks
from hhl.learning.catalog import Option, Question, Quiz
from hhl.learning.validation import TASKS_COMPLETE_IT

from tests.support.in_process_api import ALLOWED_ORIGIN, USER_A, USER_B
from tests.support.orchard_catalog import (
    ALL_RIGHT,
    ALL_WRONG,
    HALF_RIGHT,
)


def submit(client, answers, module="pruning", quiz_ref="quiz-1"):
    return client.post("/tasks/quiz/submit", {"module_slug": module, "quiz_ref": quiz_ref, "answers": answers})


def attest(client, module="pruning", task="lab-main"):
    return client.post("/tasks/lab/attest", {"module_slug": module, "task_slug": task})


def progress_rows(stored, user_id=USER_A) -> dict[str, dict]:
    return {
        item["moduleKey"]["S"]: {name: value["S"] for name, value in item.items() if name.endswith("At")}
        for item in stored("progress")
        if item["userId"]["S"] == user_id
    }


# ------------------------------------------------------------------ grading (no storage)
def quiz_of(*points: int) -> Quiz:
    options = (Option("r", "right"), Option("w", "wrong"))
    return Quiz("q", 75, tuple(Question(f"q{i}", f"stem {i}", options, "r", p) for i, p in enumerate(points)))


@pytest.mark.parametrize(
    ("points", "right", "score"),
    [
        ((1, 1, 2), {"q0", "q1", "q2"}, 100),
        ((1, 1, 2), {"q2"}, 50),
        ((1, 1, 2), {"q0"}, 25),
        ((1, 1, 1), {"q0", "q1"}, 67),
        ((1,) * 8, {"q0"}, 13),  # 12.5 rounds half up, as the site's original grader did
        ((1, 1), set(), 0),
    ],
)
def test_a_score_is_points_earned_over_all_points_rounded_half_up(points, right, score):
    the_quiz = quiz_of(*points)
    answers = {q.id: ("r" if q.id in right else "w") for q in the_quiz.questions}
    assert learning_tasks.grade(the_quiz, answers) == score


# ------------------------------------------------------------------ status
def test_status_before_anything_lists_every_declared_task_not_started(orchard, api):
    response = api.get("/tasks/status?module_slug=pruning")
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store, private"
    assert response.body == {
        "module_slug": "pruning",
        "module_status": "not_started",
        "tasks": {
            "quiz-1": {"status": "not_started"},
            "lab-main": {"status": "not_started"},
            "check-1": {"status": "not_started"},
        },
    }


def test_status_of_a_module_without_tasks_follows_what_the_learner_marked(orchard, api):
    def status() -> str:
        return api.get("/tasks/status?module_slug=orchard-walk").body["module_status"]

    assert status() == "not_started"
    api.post("/progress", {"courseSlug": "orchard-care", "moduleSlug": "orchard-walk", "event": "started"})
    assert status() == "in_progress"
    api.post("/progress", {"courseSlug": "orchard-care", "moduleSlug": "orchard-walk", "event": "completed"})
    assert status() == "complete"


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("", 400, "module_slug query parameter is required"),
        ("module_slug=", 400, "module_slug query parameter is required"),
        ("module_slug=Not%20A%20Slug", 400, "Invalid request"),
        ("module_slug=no-such-module", 404, "module not found"),
    ],
)
def test_status_of_a_missing_or_unknown_module_is_a_clear_error(orchard, api, query, status, error):
    response = api.get(f"/tasks/status?{query}")
    assert (response.status, response.body["error"]) == (status, error)


def test_every_task_route_needs_a_session(orchard, anonymous, stored):
    assert anonymous.get("/tasks/status?module_slug=pruning").status == 401
    assert anonymous.get("/module/progress?module_slug=pruning").status == 401
    assert submit(anonymous, ALL_RIGHT).status == 401
    assert attest(anonymous).status == 401
    assert stored("tasks") == [] and stored("progress") == []


# ------------------------------------------------------------------ quiz
def test_a_failed_then_passed_quiz_keeps_the_best_score_and_counts_every_attempt(orchard, api, stored):
    failed = submit(api, ALL_WRONG)
    assert failed.status == 200
    assert failed.body == {"score": 0, "pass": False, "attempts": 1, "module_complete": False}
    assert submit(api, HALF_RIGHT).body == {"score": 50, "pass": False, "attempts": 2, "module_complete": False}
    assert submit(api, ALL_RIGHT).body == {"score": 100, "pass": True, "attempts": 3, "module_complete": False}
    # a worse attempt after passing: counted and stored, but the task stays passed at its best score
    assert submit(api, ALL_WRONG).body["attempts"] == 4
    status = api.get("/tasks/status?module_slug=pruning").body
    assert status["module_status"] == "in_progress"
    assert status["tasks"]["quiz-1"] == {"status": "passed", "score": 100, "attempts": 4}
    attempts = [i for i in stored("tasks") if "#attempt#" in i["taskKey"]["S"]]
    assert sorted(int(i["score"]["N"]) for i in attempts) == [0, 0, 50, 100]
    assert {json.dumps(json.loads(i["answers"]["S"])) for i in attempts} >= {
        json.dumps(ALL_RIGHT),
        json.dumps(ALL_WRONG),
    }


def test_an_attempt_starts_the_module_in_its_course_and_a_learner_is_enrolled(orchard, api, stored):
    submit(api, ALL_WRONG)
    rows = progress_rows(stored)
    assert set(rows) == {"orchard-care#pruning"}
    assert "startedAt" in rows["orchard-care#pruning"] and "completedAt" not in rows["orchard-care#pruning"]
    assert api.get("/progress/orchard-care").body["modules"]["pruning"]["started"] is True
    assert [e["slug"] for e in api.get("/enrollments").body["enrollments"]] == ["orchard-care"]


def test_passing_every_required_task_completes_the_module_on_its_progress_row(orchard, api, stored):
    assert attest(api).body == {"attested": True, "task_slug": "lab-main", "module_complete": False}
    passed = submit(api, ALL_RIGHT)
    assert passed.body["module_complete"] is True
    assert api.get("/tasks/status?module_slug=pruning").body["module_status"] == "complete"
    course = api.get("/progress/orchard-care").body
    assert course["modules"]["pruning"]["completed"] is True
    assert course["modules"]["grafting"]["completed"] is False


def test_a_module_in_two_courses_is_completed_under_each(orchard, api, stored):
    response = submit(api, [{"id": "g1", "value": "x"}], module="grafting", quiz_ref="graft-quiz")
    assert response.body == {"score": 100, "pass": True, "attempts": 1, "module_complete": True}
    rows = progress_rows(stored)
    assert set(rows) == {"orchard-care#grafting", "tree-propagation#grafting"}
    assert all("completedAt" in row for row in rows.values())
    assert api.get("/progress/tree-propagation").body["courseCompleted"] is True
    assert [b["slug"] for b in api.get("/badges").body["badges"]] == ["tree-propagation"]


def test_no_answer_ever_names_a_correct_option(orchard, api):
    answers = [
        submit(api, ALL_WRONG).body,
        submit(api, HALF_RIGHT).body,
        api.get("/tasks/status?module_slug=pruning").body,
        api.get("/module/progress?module_slug=pruning").body,
    ]
    text = json.dumps(answers)
    assert "correct_option" not in text and "correct_answer" not in text
    for attempt in answers[-1]["attempts"]:
        assert all(item["is_correct"] is None for item in attempt["answer_review"])


# ------------------------------------------------------------------ attempt limit
def test_attempts_beyond_the_hourly_limit_are_refused_with_retry_after_and_not_stored(orchard, api, stored):
    limit = learning_tasks.ATTEMPTS_PER_WINDOW
    for number in range(1, limit + 1):
        assert submit(api, ALL_WRONG).body["attempts"] == number
    refused = submit(api, ALL_RIGHT)
    assert refused.status == 429
    assert refused.body == {"error": "Too many attempts at this quiz: try again in 60 minutes"}
    assert 3500 < int(refused.headers["retry-after"]) <= 3600
    assert len([i for i in stored("tasks") if "#attempt#" in i["taskKey"]["S"]]) == limit
    assert api.get("/tasks/status?module_slug=pruning").body["tasks"]["quiz-1"] == {
        "status": "failed",
        "score": 0,
        "attempts": limit,
    }


def test_the_limit_is_per_learner_and_per_module(orchard, api, api_as):
    for _ in range(learning_tasks.ATTEMPTS_PER_WINDOW):
        submit(api, ALL_WRONG)
    assert submit(api, ALL_RIGHT).status == 429
    assert submit(api, [{"id": "g1", "value": "x"}], module="grafting", quiz_ref="graft-quiz").status == 200
    assert submit(api_as(USER_B), ALL_RIGHT).status == 200


def test_a_new_window_opens_an_hour_after_the_first_attempt_of_the_last(
    orchard, api, stored, learning_env, service_env
):
    for _ in range(learning_tasks.ATTEMPTS_PER_WINDOW):
        submit(api, ALL_WRONG)
    learning_env.update_item(  # the window opened more than an hour ago
        TableName=service_env["DYNAMODB_TASKS_TABLE"],
        Key={"userId": {"S": USER_A}, "taskKey": {"S": "pruning#task#quiz-1"}},
        UpdateExpression="SET windowStart = :old",
        ExpressionAttributeValues={":old": {"S": "2020-01-01T00:00:00.000Z"}},
    )
    assert submit(api, ALL_RIGHT).body == {"score": 100, "pass": True, "attempts": 6, "module_complete": False}


# ------------------------------------------------------------------ lab
def test_attesting_twice_changes_nothing(orchard, api, stored):
    first = attest(api)
    before = sorted(json.dumps(i, sort_keys=True) for i in stored("tasks"))
    second = attest(api)
    assert first.body == second.body == {"attested": True, "task_slug": "lab-main", "module_complete": False}
    assert sorted(json.dumps(i, sort_keys=True) for i in stored("tasks")) == before
    assert api.get("/tasks/status?module_slug=pruning").body["tasks"]["lab-main"] == {
        "status": "attested",
        "attempts": 1,
    }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"module_slug": "pruning", "task_slug": "quiz-1"}, "task is not a lab_attestation type"),
        ({"module_slug": "pruning", "task_slug": "lab-other"}, "task not found for module"),
        ({"module_slug": "no-such-module", "task_slug": "lab-main"}, "task not found for module"),
        ({"module_slug": "pruning"}, "Invalid request"),
        ({"module_slug": "pruning", "task_slug": "lab-main", "extra": 1}, "Invalid request"),
    ],
)
def test_a_bad_attestation_is_a_400_that_stores_nothing(orchard, api, stored, body, error):
    response = api.post("/tasks/lab/attest", body)
    assert (response.status, response.body["error"]) == (400, error)
    assert stored("tasks") == [] and stored("progress") == []


# ------------------------------------------------------------------ bad submissions
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"module_slug": "orchard-walk", "quiz_ref": "quiz-1", "answers": ALL_RIGHT}, "no quiz schema for module"),
        ({"module_slug": "no-such-module", "quiz_ref": "quiz-1", "answers": ALL_RIGHT}, "no quiz schema for module"),
        ({"module_slug": "pruning", "quiz_ref": "quiz-2", "answers": ALL_RIGHT}, "quiz_ref not found"),
        ({"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": []}, "Invalid request"),
        ({"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": "a,b,a"}, "Invalid request"),
        ({"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": [{"id": "q1"}]}, "Invalid request"),
        ({"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": [{"id": "q9", "value": "a"}]}, "Invalid request"),
        ({"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": [{"id": "q1", "value": "z"}]}, "Invalid request"),
        ({"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": ALL_RIGHT + ALL_RIGHT[:1]}, "Invalid request"),
        ({"module_slug": "pruning", "quiz_ref": "", "answers": ALL_RIGHT}, "Invalid request"),
        ({"module_slug": 7, "quiz_ref": "quiz-1", "answers": ALL_RIGHT}, "Invalid request"),
        ({"quiz_ref": "quiz-1", "answers": ALL_RIGHT}, "Invalid request"),
    ],
)
def test_a_bad_submission_is_a_400_that_stores_and_counts_nothing(orchard, api, stored, body, error):
    response = api.post("/tasks/quiz/submit", body)
    assert (response.status, response.body["error"]) == (400, error)
    assert stored("tasks") == [] and stored("progress") == []


def test_a_cookie_session_write_from_another_origin_is_refused(orchard, router, tokens, stored):
    from tests.support.in_process_api import ApiClient

    cookie = f"__Host-hhl_access_token={tokens.access(sub=USER_A)}"
    browser = ApiClient(router, None)
    refused = submit_with(browser, cookie, "https://evil.example")
    assert refused.status == 403
    assert stored("tasks") == []
    assert submit_with(browser, cookie, ALLOWED_ORIGIN).status == 200


def submit_with(client, cookie, origin):
    body = {"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": ALL_RIGHT}
    return client.post("/tasks/quiz/submit", body, headers={"origin": origin}, cookies=[cookie])


# ------------------------------------------------------------------ isolation
def test_one_learners_tasks_never_reach_another(orchard, api, api_as):
    submit(api, ALL_RIGHT)
    attest(api)
    other = api_as(USER_B)
    assert other.get("/tasks/status?module_slug=pruning").body["module_status"] == "not_started"
    assert other.get("/module/progress?module_slug=pruning").body["attempts"] == []
    assert other.get("/progress/orchard-care").body["modules"]["pruning"]["started"] is False


# ------------------------------------------------------------------ module progress
def test_module_progress_reviews_each_attempt_with_question_and_chosen_option_text(orchard, api):
    submit(api, HALF_RIGHT)
    attest(api)
    submit(api, ALL_RIGHT)
    body = api.get("/module/progress?module_slug=pruning").body
    assert body["module_title"] == "Pruning Fruit Trees"
    assert body["module_status"] == "complete" and body["has_required_tasks"] is True
    assert body["module_cert_id"] == api.get("/tasks/status?module_slug=pruning").body["cert_id"]
    assert body["breadcrumbs"] == {
        "parent_course_slug": "orchard-care",
        "parent_course_title": "Orchard Care",
        "parent_pathway_slug": "fruit-grower",
        "parent_pathway_title": "Fruit Grower",
    }
    tasks = {task["task_slug"]: task for task in body["tasks"]}
    assert tasks["quiz-1"]["task_title"] == "Pruning Quiz"
    assert (tasks["quiz-1"]["best_score"], tasks["quiz-1"]["attempt_count"], tasks["quiz-1"]["passing_score"]) == (
        100,
        2,
        75,
    )
    assert tasks["check-1"] == {
        "task_slug": "check-1",
        "task_type": "knowledge_check",
        "task_title": "check-1",
        "required": False,
        "status": "not_started",
    }
    newest, lab, oldest = body["attempts"]
    assert [newest["outcome"], lab["outcome"], oldest["outcome"]] == ["passed", "attested", "failed"]
    assert (newest["score"], oldest["score"]) == (100, 50)
    assert "answer_review" not in lab
    assert oldest["answer_review"][2] == {
        "question_id": "q3",
        "question_text": "What does a clean cut protect against?",
        "submitted_answer_id": "b",
        "submitted_answer_text": "Birds",
        "is_correct": None,
        "schema_drift": False,
    }


def test_module_progress_limits_or_omits_the_attempts(orchard, api):
    for answers in (ALL_WRONG, HALF_RIGHT, ALL_RIGHT):
        submit(api, answers)
    limited = api.get("/module/progress?module_slug=pruning&attempts_limit=2").body
    assert [a["score"] for a in limited["attempts"]] == [100, 50]
    omitted = api.get("/module/progress?module_slug=pruning&include_attempts=false").body
    assert "attempts" not in omitted and omitted["tasks"][0]["attempt_count"] == 3


def test_a_module_without_tasks_reports_no_tasks(orchard, api):
    body = api.get("/module/progress?module_slug=orchard-walk").body
    assert (body["module_status"], body["has_required_tasks"], body["tasks"]) == ("no_tasks", False, [])


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("module_slug=pruning&attempts_limit=0", "attempts_limit must be between 1 and 50"),
        ("module_slug=pruning&attempts_limit=51", "attempts_limit must be between 1 and 50"),
        ("module_slug=pruning&attempts_limit=two", "attempts_limit must be between 1 and 50"),
        ("module_slug=no-such-module", "module not found"),
        ("", "module_slug query parameter is required"),
    ],
)
def test_module_progress_bad_queries_are_400(orchard, api, query, error):
    response = api.get(f"/module/progress?{query}")
    assert (response.status, response.body["error"]) == (400, error)


# ------------------------------------------------------------------ cost
def test_a_quiz_attempt_costs_the_same_calls_however_many_modules_the_course_has(orchard, api, ddb_calls):
    submit(api, ALL_WRONG)  # first attempt: opens the window
    ddb_calls.reset()
    submit(api, HALF_RIGHT)
    # count the attempt, store it, raise the best score, read the module's records, then POST /progress's three
    assert ddb_calls.operations == ["UpdateItem", "PutItem", "UpdateItem", "Query", "PutItem", "UpdateItem", "Query"]


def test_module_progress_is_one_query(orchard, api, ddb_calls):
    for answers in (ALL_WRONG, HALF_RIGHT):
        submit(api, answers)
    ddb_calls.reset()
    api.get("/module/progress?module_slug=pruning")
    api.get("/tasks/status?module_slug=pruning")
    assert ddb_calls.operations == ["Query", "Query"]


# ------------------------------------------------------------------ the document
def test_every_answer_matches_docs_openapi(orchard, api, anonymous):
    from tests.support.openapi import check_against_spec

    responses = [
        api.get("/tasks/status?module_slug=pruning"),
        submit(api, HALF_RIGHT),
        attest(api),
        attest(api, task="quiz-1"),
        *[submit(api, ALL_RIGHT) for _ in range(learning_tasks.ATTEMPTS_PER_WINDOW)],
        api.get("/tasks/status?module_slug=pruning"),
        api.get("/tasks/status?module_slug=no-such-module"),
        api.get("/tasks/status"),
        api.get("/module/progress?module_slug=pruning"),
        api.get("/module/progress?module_slug=orchard-walk&include_attempts=false"),
        api.get("/module/progress?module_slug=pruning&attempts_limit=99"),
        submit(api, [{"id": "q1"}]),
        anonymous.get("/tasks/status?module_slug=pruning"),
        api.post("/tasks/quiz/submit", body="answers=a", headers={"content-type": "text/plain"}),
    ]
    assert 429 in {response.status for response in responses}
    for response in responses:
        check_against_spec(response)


def test_completing_a_module_that_awards_a_certificate_reports_its_id_everywhere(orchard, api, stored):
    attest(api)
    passed = submit(api, ALL_RIGHT).body
    cert_id = passed["cert_id"]
    assert [item["certId"]["S"] for item in stored("certificates") if item["certKey"]["S"] == "module#pruning"] == [
        cert_id
    ]
    assert api.get("/tasks/status?module_slug=pruning").body["cert_id"] == cert_id
    assert api.get("/module/progress?module_slug=pruning").body["module_cert_id"] == cert_id
    assert attest(api).body == {"attested": True, "task_slug": "lab-main", "module_complete": True, "cert_id": cert_id}


def test_a_module_with_required_tasks_cannot_be_marked_complete_by_hand(orchard, api, stored):
    marked = api.post("/progress", {"courseSlug": "orchard-care", "moduleSlug": "pruning", "event": "completed"})
    assert marked.status == 400
    assert marked.body["details"] == {"event": TASKS_COMPLETE_IT}
    assert stored("progress") == [] and stored("enrollments") == []
    started = api.post("/progress", {"courseSlug": "orchard-care", "moduleSlug": "pruning", "event": "started"})
    assert started.status == 200 and started.body["modules"]["pruning"]["completed"] is False
    walk = api.post("/progress", {"courseSlug": "orchard-care", "moduleSlug": "orchard-walk", "event": "completed"})
    assert walk.body["modules"]["orchard-walk"]["completed"] is True  # no tasks: complete when marked
