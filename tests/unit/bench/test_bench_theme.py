"""The bench's status rows take the path their floors replay, against moto in-process.

`make bench` is too heavy to run here; this runs the rows' own code (bench/theme.py: the sized courses added to the
bench catalog, the 3 / 30 / 300-module sweep, the warm rows' events) through the real handlers and checks that each
status request makes exactly the two Queries its floor replays, however large the course.
"""

from __future__ import annotations

from bench import theme as bench_theme
from bench.warm import Scenario, api_event
from tests.support.in_process_api import USER_A

ROUTES = ("GET /course/status", "GET /pathway/status")


def test_every_status_row_makes_its_floors_calls_whatever_the_course_size(
    learning_env, tokens, bench_catalog, serve_catalog, counted_routes
):
    bench_theme.add_sized_courses(bench_catalog)
    serve_catalog(bench_catalog)
    handlers, run = counted_routes(ROUTES)

    bearer = {"authorization": f"Bearer {tokens.access(sub=USER_A)}"}
    results = bench_theme.calls_as_course_grows(bearer, handlers, api_event, run)
    assert set(results) == set(ROUTES)
    for by_size in results.values():
        assert list(by_size) == [str(size) for size in bench_theme.COURSE_SIZES]
        for entry in by_size.values():
            assert entry == {"status": 200, "dynamodb_calls": list(bench_theme.STATUS_CALLS)}

    for row in bench_theme.scenarios(bearer, api_event, Scenario):
        response, operations = run(handlers[row.route_key], row.event())
        assert (response["statusCode"], tuple(operations)) == (row.expect, row.must_make), row.route_key
