"""The erasure's last sweep waits until no session trusted before the request can still write (hhl.crm.erasure):
long enough for every container's revocation check and every request it accepted, never longer than the
invocation allows (the stream then delivers the request again)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hhl.auth.revocation import RECHECK_SECONDS
from hhl.config import settings
from hhl.crm import erasure
from hhl.crm.erasure import ErasureSettling, settle_seconds, wait_until_settled
from hhl.timestamps import utc_timestamp

from kit.template import http_routes, load_template


def requested(seconds_ago: float) -> str:
    return utc_timestamp(datetime.now(UTC) - timedelta(seconds=seconds_ago))


def test_the_wait_covers_the_revocation_window_and_the_longest_request_it_lets_through():
    longest_request = max(route.timeout for route in http_routes(load_template()))
    assert longest_request == erasure.API_FUNCTION_TIMEOUT_SECONDS
    assert RECHECK_SECONDS + longest_request <= erasure.SETTLE_SECONDS


def test_a_deployed_stage_waits_the_full_window_whatever_the_environment_says(service_env, monkeypatch):
    monkeypatch.setenv("HHL_ERASURE_SETTLE_SECONDS", "1")
    assert settle_seconds() == 1  # the local stack's tests may shorten it
    monkeypatch.setenv("APP_STAGE", "dev")
    settings.cache_clear()
    try:
        assert settle_seconds() == erasure.SETTLE_SECONDS
    finally:
        settings.cache_clear()


def test_a_settled_request_is_swept_at_once(service_env, monkeypatch):
    monkeypatch.delenv("HHL_ERASURE_SETTLE_SECONDS", raising=False)
    started = time.monotonic()
    wait_until_settled(requested(erasure.SETTLE_SECONDS + 1), deadline=time.monotonic() + 1)
    assert time.monotonic() - started < 0.5


def test_a_recent_request_waits_until_the_window_has_closed(service_env, monkeypatch):
    monkeypatch.setenv("HHL_ERASURE_SETTLE_SECONDS", "2")  # the local stack's shortened window
    started = time.monotonic()
    wait_until_settled(requested(0.5), deadline=None)  # an operator's tool has no invocation deadline
    assert 1.3 < time.monotonic() - started < 2.5


def test_an_invocation_too_short_to_wait_leaves_the_request_for_the_next_delivery(service_env, monkeypatch):
    monkeypatch.delenv("HHL_ERASURE_SETTLE_SECONDS", raising=False)
    started = time.monotonic()
    with pytest.raises(ErasureSettling):
        wait_until_settled(requested(1), deadline=time.monotonic() + 20)  # 44 s to wait, 20 s left
    assert time.monotonic() - started < 0.5  # refused at once, not after sleeping
    assert ErasureSettling in erasure.RETRYABLE
