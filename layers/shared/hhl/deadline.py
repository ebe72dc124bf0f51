"""The invocation's deadline: every call to a dependency takes its timeout and retry budget from it.

Lambda stops a function at its Timeout and API Gateway then answers for it with a bare 503, not the
service's JSON, so a dependency that hangs must fail the request *before* the Timeout. `invocation()`
(entered by hhl.http.endpoint and crm_sync's handler) starts the clock from the context's
get_remaining_time_in_millis(), keeping a margin to log and answer. Each outbound attempt then asks
`attempt_timeout()` for its socket timeout (its own default, cut to the time left) and each retry asks
`allows_wait()` before sleeping (hhl.retry, the clients' one retry loop); with no time left for another
attempt, DeadlineExceeded ends the call.

DeadlineExceeded is a TimeoutError (an OSError), so the clients' existing "unreachable" handling
applies to it unchanged. Outside an invocation (tools, tests calling the core directly) there is no
deadline and every client keeps its own timeouts.

The deadline lives in a ContextVar: the local stack serves concurrent requests on threads of one
process, each of which must see its own invocation's clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# Kept back from the invocation's remaining time to log, serialise and return the answer.
MARGIN_SECONDS = 1.0
# An attempt with less time than this cannot complete a round trip: give up instead of starting it.
MIN_ATTEMPT_SECONDS = 0.05

_deadline: ContextVar[float | None] = ContextVar("hhl_invocation_deadline", default=None)


class DeadlineExceeded(TimeoutError):
    """No time is left in the invocation for another attempt at a dependency."""


@contextmanager
def invocation(context: Any, margin: float = MARGIN_SECONDS) -> Iterator[None]:
    """The deadline of one Lambda invocation: its remaining time, less `margin`, from now (time.monotonic())."""
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else None
    deadline = None if remaining is None else time.monotonic() + remaining - margin
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline() -> float | None:
    """The current invocation's deadline as a time.monotonic() value; None outside an invocation."""
    return _deadline.get()


def remaining() -> float | None:
    """Seconds left before the deadline (negative once past it); None outside an invocation."""
    current = _deadline.get()
    return None if current is None else current - time.monotonic()


def attempt_timeout(default: float, dependency: str) -> float:
    """The socket timeout for one attempt: `default`, cut to the time left. Raises DeadlineExceeded."""
    left = remaining()
    if left is None:
        return default
    if left < MIN_ATTEMPT_SECONDS:
        raise DeadlineExceeded(f"{dependency}: no time left in the invocation for another attempt")
    return min(default, left)


def allows_wait(seconds: float, until: float | None = None) -> bool:
    """Whether sleeping `seconds` before a retry still leaves time for the attempt after it.

    `until` is a caller's own deadline (time.monotonic()), the invocation's when None.
    """
    current = _deadline.get() if until is None else until
    return current is None or seconds + MIN_ATTEMPT_SECONDS < current - time.monotonic()
