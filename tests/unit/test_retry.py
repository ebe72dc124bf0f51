"""hhl.retry, the loop DynamoDB and HubSpot share: attempts counted, backoff bounds, server waits capped,
no sleep past the deadline. The clients' own behaviour is in tests/unit/storage and tests/unit/crm."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from hhl import deadline, retry

FAST = retry.Backoff(max_attempts=4, base=0.01, cap=0.04)


@pytest.fixture
def sleeps(monkeypatch):
    """The seconds each retry slept, without sleeping them."""
    slept: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    return slept


def failing(times: int, failure: retry.Failure | None = None, result: str = "done"):
    """An attempt that fails `times` times, then returns `result`; it records the attempt numbers it saw."""
    seen: list[int] = []

    def attempt(number: int):
        seen.append(number)
        return (failure or retry.Failure(f"failure {number}")) if len(seen) <= times else result

    attempt.seen = seen
    return attempt


def test_attempts_are_numbered_and_the_result_returned_after_failures(sleeps):
    attempt = failing(2)
    assert retry.run(attempt, FAST) == "done"
    assert attempt.seen == [1, 2, 3]
    assert len(sleeps) == 2


def test_max_attempts_ends_with_the_last_failure(sleeps):
    attempt = failing(10)
    with pytest.raises(retry.GaveUp) as raised:
        retry.run(attempt, FAST)
    assert attempt.seen == [1, 2, 3, 4]
    assert (raised.value.why, raised.value.attempts, raised.value.failure.detail) == ("attempts", 4, "failure 4")
    assert len(sleeps) == 3  # none after the last attempt


def test_a_failure_that_is_not_retryable_stops_at_once(sleeps):
    attempt = failing(10, retry.Failure("bad request", retryable=False))
    with pytest.raises(retry.GaveUp) as raised:
        retry.run(attempt, FAST)
    assert attempt.seen == [1] and raised.value.why == "not retryable" and sleeps == []


def test_an_exception_from_an_attempt_is_not_retried():
    def attempt(number: int):
        raise deadline.DeadlineExceeded("no time")

    with pytest.raises(deadline.DeadlineExceeded):
        retry.run(attempt, FAST)


def test_may_retry_can_refuse_a_retry_the_policy_allows(sleeps):
    asked: list[retry.Failure] = []
    attempt = failing(10)
    with pytest.raises(retry.GaveUp) as raised:
        retry.run(attempt, FAST, may_retry=lambda failure: asked.append(failure) or len(asked) < 2)
    assert attempt.seen == [1, 2] and raised.value.why == "declined" and len(sleeps) == 1


@pytest.mark.parametrize("attempt_number, ceiling", [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (9, 0.5)])
def test_backoff_doubles_up_to_the_cap_with_full_or_equal_jitter(attempt_number, ceiling):
    full = retry.Backoff(max_attempts=10, base=0.1, cap=0.5, jitter=retry.FULL)
    equal = retry.Backoff(max_attempts=10, base=0.1, cap=0.5, jitter=retry.EQUAL)
    full_delays = [full.delay(attempt_number) for _ in range(400)]
    equal_delays = [equal.delay(attempt_number) for _ in range(400)]
    assert all(0 <= d <= ceiling for d in full_delays) and min(full_delays) < ceiling / 2 < max(full_delays)
    assert all(ceiling / 2 <= d <= ceiling for d in equal_delays)
    assert len(set(full_delays)) > 300  # jittered, not one delay for every caller


def test_a_throttled_failure_backs_off_from_its_own_base():
    backoff = retry.Backoff(max_attempts=3, base=0.025, cap=20, throttled_base=1.0)
    assert max(backoff.delay(2) for _ in range(200)) <= 0.05
    assert max(backoff.delay(2, throttled=True) for _ in range(200)) > 1.0


def test_a_server_wait_is_slept_when_longer_than_the_backoff(sleeps):
    retry.run(failing(1, retry.Failure(server_wait=0.3)), FAST)
    assert sleeps == [0.3]


def test_a_server_wait_beyond_max_server_wait_gives_up_instead_of_sleeping(sleeps):
    backoff = retry.Backoff(max_attempts=5, base=0.01, cap=0.04, max_server_wait=2.0)
    with pytest.raises(retry.GaveUp) as raised:
        retry.run(failing(1, retry.Failure("429", server_wait=60)), backoff)
    assert raised.value.why == "server wait" and raised.value.failure.server_wait == 60 and sleeps == []


def test_a_server_wait_is_cut_to_the_backoff_plus_its_margin(sleeps):
    backoff = retry.Backoff(max_attempts=5, base=0.01, cap=0.04, server_wait_over_backoff=0.5)
    assert retry.run(failing(1, retry.Failure(server_wait=30)), backoff) == "done"
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.51


def test_the_invocations_deadline_stops_a_sleep_it_has_no_time_for():
    slow = retry.Backoff(max_attempts=5, base=1.0, cap=1.0, jitter=retry.EQUAL)  # every sleep is >= 0.5 s
    attempt = failing(10)
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 1300)  # 0.3 s left after the margin
    started = time.monotonic()
    with deadline.invocation(context), pytest.raises(retry.GaveUp) as raised:
        retry.run(attempt, slow)
    assert (raised.value.why, raised.value.failure.detail) == ("deadline", "failure 1")
    assert attempt.seen == [1] and time.monotonic() - started < 0.3


def test_an_explicit_deadline_bounds_the_retries_in_real_time():
    backoff = retry.Backoff(max_attempts=50, base=0.05, cap=0.05, jitter=retry.EQUAL)
    attempt = failing(50)
    started = time.monotonic()
    with pytest.raises(retry.GaveUp) as raised:
        retry.run(attempt, backoff, deadline=started + 0.4)
    elapsed = time.monotonic() - started
    assert raised.value.why == "deadline" and elapsed < 0.45  # the last sleep ended 50 ms before it, less OS lag
    assert 3 <= len(attempt.seen) <= 15  # sleeps of 25-50 ms until less than one sleep and an attempt is left


def test_before_sleep_sees_each_failure_its_attempt_and_the_delay(sleeps):
    seen = []
    retry.run(
        failing(2), FAST, before_sleep=lambda failure, number, delay: seen.append((failure.detail, number, delay))
    )
    assert [(detail, number) for detail, number, _ in seen] == [("failure 1", 1), ("failure 2", 2)]
    assert [delay for _, _, delay in seen] == sleeps
