"""bench/warm.py: a counted request makes the warm container's common case; a timed call pays only for itself."""

from __future__ import annotations

import gc

from hhl.auth import revocation

from bench.warm import api_event, run_counting_calls, timed_call
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


def test_a_timed_call_does_not_collect_the_garbage_its_untimed_setup_left():
    """Building a callback's event signs in through the hosted UI; the cycles it leaves were collected on the clock
    of the next timed call, mostly the handler's. Here the timed call itself asks the collector what is pending."""

    class Node:
        def __init__(self) -> None:
            self.peer = self

    for _ in range(5000):  # setup garbage: reference cycles only the cyclic collector frees
        Node()

    pending, _ = timed_call(gc.collect)

    assert pending == 0
