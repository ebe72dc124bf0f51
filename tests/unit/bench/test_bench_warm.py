"""bench/warm.py's call counting: what a counted request makes is the warm container's common case."""

from __future__ import annotations

from hhl.auth import revocation

from bench.warm import api_event, run_counting_calls
from tests.support.in_process_api import USER_A


def test_a_count_made_after_the_session_recheck_window_counts_only_the_routes_own_calls(
    learning_env, tokens, counted_routes
):
    """A sweep (1 / 10 / 100 modules) can run past the 30-s session re-check: its count must not grow by it."""
    handlers, _ = counted_routes(("GET /enrollments",))
    handler = handlers["GET /enrollments"]
    event = api_event("GET /enrollments", headers={"authorization": f"Bearer {tokens.access(sub=USER_A)}"})
    sessions = revocation.ended_sessions()
    real_clock = sessions._clock
    _, first = run_counting_calls(handler, event)
    try:
        sessions._clock = lambda: real_clock() + revocation.RECHECK_SECONDS + 1  # the window has passed
        _, later = run_counting_calls(handler, event)
    finally:
        sessions._clock = real_clock
    assert (first, later) == (1, 1)  # the Query: the session re-check is not the route's
