"""Ending a session writes its marker, except for a learner who asked to be erased: sign-out, or a refused refresh
token, after an erasure must not re-create a row of theirs."""

from __future__ import annotations

import pytest
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import ended_sessions, erasures

from tests.support.in_process_api import table_items


@pytest.fixture
def tables(dynamodb, service_env):
    dynamodb_module.client.cache_clear()
    yield service_env
    dynamodb_module.client.cache_clear()


def markers(dynamodb, service_env) -> list[tuple[str, str]]:
    items = table_items(dynamodb, service_env["DYNAMODB_ENDED_SESSIONS_TABLE"])
    return sorted((item["userId"]["S"], item["sessionId"]["S"]) for item in items)


def test_a_sign_out_writes_the_marker_and_a_second_one_keeps_one(tables, dynamodb):
    assert ended_sessions.record_ended("user-sub-1", "session-1") is True
    assert ended_sessions.record_ended("user-sub-1", "session-1") is True
    assert markers(dynamodb, tables) == [("user-sub-1", "session-1")]


@pytest.mark.parametrize("complete", [False, True], ids=["pending", "complete"])
def test_no_marker_is_written_for_an_erased_learner(tables, dynamodb, complete):
    erasures.record_request("user-sub-1", "2026-01-01T00:00:00Z", None)
    if complete:
        assert erasures.mark_complete("user-sub-1", "2026-01-01T00:01:00Z", hubspot_contact_deleted=False)
    assert ended_sessions.record_ended("user-sub-1", "session-1") is False
    assert ended_sessions.record_ended("user-sub-2", "session-2") is True  # another learner is not affected
    assert markers(dynamodb, tables) == [("user-sub-2", "session-2")]
