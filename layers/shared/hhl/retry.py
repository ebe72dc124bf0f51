"""Retry with backoff: the one loop the dependency clients share (DynamoDB and its AWS kin, HubSpot).

A client makes one attempt and classifies its outcome (a Failure: retryable? throttled? a server-asked
wait?); run() numbers the attempts, stops at max_attempts, sleeps an exponential backoff with full or equal
jitter (longer when the server asked, within a cap) and never sleeps past the deadline (hhl.deadline).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from hhl.deadline import allows_wait

T = TypeVar("T")

# Jitter from the OS CSPRNG: containers restored from one SnapStart snapshot share `random`'s state and would
# otherwise all draw the same delays and retry in step.
_JITTER = random.SystemRandom()

FULL = "full"  # uniform(0, ceiling): botocore's standard mode
EQUAL = "equal"  # uniform(ceiling / 2, ceiling): never retries at once


@dataclass(frozen=True)
class Backoff:
    """How often and how long to retry. A ceiling starts at `base` and doubles per attempt, up to `cap`."""

    max_attempts: int
    base: float
    cap: float
    jitter: Literal["full", "equal"] = FULL
    throttled_base: float | None = None  # the base after a throttling answer (botocore: 1 s); None: `base`
    max_server_wait: float | None = None  # a longer server-asked wait gives up at once instead of sleeping
    server_wait_over_backoff: float | None = None  # a server-asked wait is cut to the backoff plus this

    def delay(self, attempt: int, throttled: bool = False) -> float:
        """The jittered backoff after failed attempt 1, 2, ..."""
        base = self.throttled_base if throttled and self.throttled_base is not None else self.base
        ceiling = min(self.cap, base * 2 ** (attempt - 1))
        return _JITTER.uniform(ceiling / 2, ceiling) if self.jitter == EQUAL else _JITTER.random() * ceiling


@dataclass(frozen=True)
class Failure:
    """One failed attempt as its client classified it; `detail` is whatever the client builds its error from."""

    detail: Any = None
    retryable: bool = True
    throttled: bool = False
    server_wait: float | None = None  # seconds the server asked to wait (Retry-After, x-amz-retry-after)


Stop = Literal["not retryable", "attempts", "declined", "server wait", "deadline"]


class GaveUp(Exception):
    """No further attempt: `why` it stopped, after `attempts` attempts, the last ending in `failure`."""

    def __init__(self, failure: Failure, why: Stop, attempts: int):
        super().__init__(f"gave up after {attempts} attempt(s): {why}")
        self.failure = failure
        self.why = why
        self.attempts = attempts


def run(
    attempt: Callable[[int], T | Failure],
    backoff: Backoff,
    *,
    deadline: float | None = None,
    may_retry: Callable[[Failure], bool] | None = None,
    before_sleep: Callable[[Failure, int, float], None] | None = None,
) -> T:
    """`attempt(1)`, `attempt(2)`, ... until one returns a result (not a Failure); raises GaveUp.

    `deadline` (time.monotonic()) defaults to the invocation's; `may_retry` may refuse a retry the policy
    allows (botocore's retry quota); `before_sleep(failure, attempt, seconds)` runs before each sleep.
    Exceptions from `attempt` propagate as they are.
    """
    number = 0
    while True:
        number += 1
        outcome = attempt(number)
        if not isinstance(outcome, Failure):
            return outcome
        if not outcome.retryable:
            raise GaveUp(outcome, "not retryable", number)
        if number >= backoff.max_attempts:
            raise GaveUp(outcome, "attempts", number)
        if may_retry is not None and not may_retry(outcome):
            raise GaveUp(outcome, "declined", number)
        delay = backoff.delay(number, outcome.throttled)
        server_wait = outcome.server_wait
        if server_wait is not None:
            if backoff.max_server_wait is not None and server_wait > backoff.max_server_wait:
                raise GaveUp(outcome, "server wait", number)
            if backoff.server_wait_over_backoff is not None:
                server_wait = min(server_wait, delay + backoff.server_wait_over_backoff)
            delay = max(delay, server_wait)
        if not allows_wait(delay, deadline):
            raise GaveUp(outcome, "deadline", number)
        if before_sleep is not None:
            before_sleep(outcome, number, delay)
        time.sleep(delay)
