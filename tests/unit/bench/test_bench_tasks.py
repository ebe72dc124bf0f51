"""The bench's completion-task rows take the path their floors replay, against moto in-process.

`make bench` is too heavy to run here; this runs the rows' own code (bench/tasks.py: its catalog, the untimed
reset, the 1 / 10 / 100 touched-modules sweep) through the real handlers and checks that every quiz submit
makes exactly the calls its floor replays, in order, however many other modules the learner touched.
"""

from __future__ import annotations

from hhl.storage import dynamodb as dynamodb_module

from bench import tasks as bench_tasks
from bench.warm import api_event
from local.lambda_context import LambdaContext
from tests.support.in_process_api import USER_A

ROUTES = ("POST /tasks/quiz/submit", "GET /tasks/status", "GET /module/progress")


def test_every_task_row_makes_its_floors_calls_however_many_modules_were_touched(
    learning_env, tokens, bench_catalog, serve_catalog, service_env, counted_routes
):
    serve_catalog(bench_catalog)
    handlers, run = counted_routes(ROUTES)
    dynamodb = dynamodb_module.client()

    bearer = {"authorization": f"Bearer {tokens.access(sub=USER_A)}"}
    # A warm container has checked this sign-in's session within the revocation window (hhl.auth.revocation),
    # as bench/warm.py's keep_session_checked arranges: the counted requests are that common case.
    handlers["GET /tasks/status"](
        api_event("GET /tasks/status", headers=bearer, query={"module_slug": "x"}), LambdaContext()
    )
    results = bench_tasks.calls_as_modules_grow(service_env, USER_A, bearer, dynamodb, handlers, api_event, run)
    assert set(results) == set(ROUTES)
    touched = [str(n) for n in bench_tasks.TOUCHED_MODULES]
    expected = {"POST /tasks/quiz/submit": list(bench_tasks.QUIZ_SUBMIT_CALLS), "GET /tasks/status": ["Query"]}
    expected["GET /module/progress"] = ["Query"]
    for route, by_modules in results.items():
        assert list(by_modules) == touched
        for entry in by_modules.values():
            assert entry == {"status": 200, "dynamodb_calls": expected[route]}, route
