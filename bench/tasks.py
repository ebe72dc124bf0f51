"""The completion-task rows of make bench: quiz submit, /tasks/status and /module/progress beside their floors,
and their DynamoDB calls per request as the learner's other modules grow (1, 10, 100 touched).

The shipped catalog has no quizzes, so the bench serves its own compiled copy of it (HHL_CATALOG_DIR, honoured
at APP_STAGE=local as in the local stack) in which one module of the bench's course carries a required quiz.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from bench.runtime import ROOT

CATALOG_DIR = ROOT / ".local" / "bench-catalog"
COURSE = "network-like-hyperscaler-foundations"
QUIZ_MODULE = "fabric-operations-how-it-works"
# Two of four points: a failed retake that still raises the best score the reset removed.
ANSWERS = [{"id": "q1", "value": "a"}, {"id": "q2", "value": "b"}]
QUIZ = {
    "quiz_ref": "quiz-1",
    "passing_score": 75,
    "questions": [
        {
            "id": f"q{number}",
            "stem": f"Bench question {number}",
            "options": [{"id": "a", "text": "First"}, {"id": "b", "text": "Second"}],
            "correct_option_id": "a",
            "points": number,
        }
        for number in (1, 2)
    ],
}
# A retake in an open window that raises the best score, in a module of one course that it does not complete:
# count the attempt, store it, raise the best score, read the module's records, then POST /progress's three.
QUIZ_SUBMIT_CALLS = ("UpdateItem", "PutItem", "UpdateItem", "Query", "PutItem", "UpdateItem", "Query")
TOUCHED_MODULES = (1, 10, 100)


def bench_catalog(shipped: dict, directory: Path = CATALOG_DIR) -> Path:
    """The shipped catalog with every module listed and QUIZ_MODULE carrying a quiz, compiled into `directory`."""
    from hhl.learning.catalog import title_from_slug

    slugs = list(dict.fromkeys(slug for course in shipped["courses"] for slug in course["modules"]))
    modules = [
        {
            "slug": slug,
            "title": title_from_slug(slug),
            "order": order,
            "tasks": [{"slug": "quiz-1", "type": "quiz", "quiz_ref": "quiz-1"}] if slug == QUIZ_MODULE else [],
        }
        for order, slug in enumerate(slugs, 1)
    ]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "catalog.json").write_text(json.dumps({**shipped, "modules": modules}))
    (directory / "answer_keys.json").write_text(json.dumps({"quizzes": {QUIZ_MODULE: QUIZ}}))
    return directory


def use_bench_catalog() -> None:
    """Serve the bench catalog to this process's handlers (call before they first read the catalog)."""
    from hhl.learning import catalog as catalog_module

    shipped = json.loads(catalog_module.SHIPPED_CATALOG_PATH.read_text(encoding="utf-8"))
    os.environ[catalog_module.CATALOG_DIR_VARIABLE] = str(bench_catalog(shipped))
    for cached in (catalog_module.catalog, catalog_module.answer_keys, catalog_module.published_catalog):
        cached.cache_clear()


def reopen_window(dynamodb, table: str, user_id: str) -> Callable[[], None]:
    """Untimed reset: the quiz's window open with room and no best score, so every round takes the common path."""
    from hhl.storage.tasks import task_key
    from hhl.timestamps import utc_now, utc_timestamp

    def reset() -> None:
        dynamodb.update_item(
            TableName=table,
            Key={"userId": {"S": user_id}, "taskKey": {"S": task_key(QUIZ_MODULE, "quiz-1")}},
            UpdateExpression="REMOVE bestScore SET windowCount = :zero, windowStart = :now",
            ExpressionAttributeValues={":zero": {"N": "0"}, ":now": {"S": utc_timestamp(utc_now())}},
        )

    return reset


def scenarios(env: dict, user_id: str, bearer: dict, dynamodb, api_event, scenario_type) -> list:
    """The warm rows (bench.warm.Scenario) of the tasks function."""
    submit = {"module_slug": QUIZ_MODULE, "quiz_ref": "quiz-1", "answers": ANSWERS}
    query = {"module_slug": QUIZ_MODULE}
    return [
        scenario_type(
            "POST /tasks/quiz/submit",
            lambda: api_event(
                "POST /tasks/quiz/submit", headers={**bearer, "content-type": "application/json"}, body=submit
            ),
            200,
            QUIZ_SUBMIT_CALLS,
            reset=reopen_window(dynamodb, env["DYNAMODB_TASKS_TABLE"], user_id),
            floor_note="a retake that raises the best score, module not completed",
        ),
        scenario_type(
            "GET /tasks/status", lambda: api_event("GET /tasks/status", query=query, headers=bearer), 200, ("Query",)
        ),
        scenario_type(
            "GET /module/progress",
            lambda: api_event("GET /module/progress", query=query, headers=bearer),
            200,
            ("Query",),
        ),
    ]


def touch_modules(dynamodb, table: str, user_id: str, first: int, last: int) -> None:
    """Task records and an attempt each for the learner's other modules `first` .. `last - 1`."""
    from hhl.storage.tasks import attempt_key, task_key

    for number in range(first, last):
        module = f"bench-module-{number:03d}"
        for key, extra in (
            (task_key(module, "quiz-1"), {"status": {"S": "failed"}, "attemptCount": {"N": "1"}}),
            (attempt_key(module, "2026-01-01T00:00:00.000Z", "quiz-1", 1), {"outcome": {"S": "failed"}}),
        ):
            item = {"userId": {"S": user_id}, "taskKey": {"S": key}, "taskType": {"S": "quiz"}, **extra}
            item.update({"taskSlug": {"S": "quiz-1"}, "attemptedAt": {"S": "2026-01-01T00:00:00.000Z"}})
            dynamodb.put_item(TableName=table, Item=item)


def calls_as_modules_grow(env: dict, user_id: str, bearer: dict, dynamodb, handlers: dict, api_event, run) -> dict:
    """{route: {touched: {status, dynamodb_calls}}} for 1, 10 and 100 other modules the learner touched.

    `run(handler, event)` invokes a handler and returns (response, DynamoDB calls it made).
    """
    table = env["DYNAMODB_TASKS_TABLE"]
    reset = reopen_window(dynamodb, table, user_id)
    rows = scenarios(env, user_id, bearer, dynamodb, api_event, _Row)
    events = {row.route_key: row.event for row in rows}
    results: dict[str, dict] = {route: {} for route in events}
    touched = 0
    for modules in TOUCHED_MODULES:
        touch_modules(dynamodb, table, user_id, touched, modules)
        touched = modules
        for route, event in events.items():
            reset()
            response, calls = run(handlers[route], event())
            results[route][str(modules)] = {"status": response["statusCode"], "dynamodb_calls": calls}
    return results


class _Row:
    """What calls_as_modules_grow needs of a scenario: its route and event."""

    def __init__(self, route_key: str, event: Callable[[], dict], *args, **kwargs):
        self.route_key = route_key
        self.event = event
