"""The session check's read: signed out, or the learner erased, from one BatchGetItem of both tables; keys DynamoDB
leaves unprocessed are asked for again, and never taken for "not there"."""

from __future__ import annotations

import pytest
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import ended_sessions, erasures
from hhl.storage.errors import StorageUnavailable
from hhl.storage.refused_sessions import ended_or_erased

from kit.dynamodb_calls import DynamoDBCallCounter

LEARNER, SESSION = "user-sub-1", "origin-jti-1"


@pytest.fixture
def tables(dynamodb, service_env):
    dynamodb_module.client.cache_clear()
    yield service_env
    dynamodb_module.client.cache_clear()


def erase(learner: str) -> None:
    erasures.record_request(learner, "2026-01-01T00:00:00Z", None)


@pytest.mark.parametrize(
    ("signed_out", "erased", "refused"),
    [(True, True, True), (True, False, True), (False, True, True), (False, False, False)],
    ids=["both", "signed-out-only", "erased-only", "neither"],
)
def test_one_consistent_keys_only_batch_get_answers_both_questions(tables, signed_out, erased, refused):
    if signed_out:
        ended_sessions.record_ended(LEARNER, SESSION)
    if erased:
        erase(LEARNER)
    with DynamoDBCallCounter(dynamodb_module.client()) as calls:
        assert ended_or_erased(LEARNER, SESSION) is refused
    [(operation, request)] = calls.requests
    assert operation == "BatchGetItem"
    assert request["RequestItems"] == {
        tables["DYNAMODB_ENDED_SESSIONS_TABLE"]: {
            "Keys": [{"userId": {"S": LEARNER}, "sessionId": {"S": SESSION}}],
            "ConsistentRead": True,
            "ProjectionExpression": "userId",
        },
        tables["DYNAMODB_ERASURES_TABLE"]: {
            "Keys": [{"learnerId": {"S": LEARNER}}],
            "ConsistentRead": True,
            "ProjectionExpression": "learnerId",
        },
    }


def test_another_session_or_another_learners_erasure_does_not_count(tables):
    ended_sessions.record_ended(LEARNER, "another-sign-in")
    erase("user-sub-2")
    assert ended_or_erased(LEARNER, SESSION) is False


class LeavesKeysUnprocessed:
    """DynamoDB under load: the first `times` BatchGetItems read nothing and hand every key back unprocessed."""

    def __init__(self, client, times: int):
        self.real, self.times, self.requests = client.batch_get_item, times, []

    def __call__(self, **request):
        self.requests.append(request["RequestItems"])
        if len(self.requests) <= self.times:
            unprocessed = {table: {"Keys": asked["Keys"]} for table, asked in request["RequestItems"].items()}
            return {"Responses": {}, "UnprocessedKeys": unprocessed}
        return self.real(**request)


def test_unprocessed_keys_are_asked_for_again_with_the_same_read_options(tables, monkeypatch):
    erase(LEARNER)
    client = dynamodb_module.client()
    flaky = LeavesKeysUnprocessed(client, times=2)
    monkeypatch.setattr(client, "batch_get_item", flaky)
    assert ended_or_erased(LEARNER, SESSION) is True
    assert len(flaky.requests) == 3
    assert flaky.requests[2] == flaky.requests[0]  # ConsistentRead and the projection kept on the retry


def test_keys_still_unprocessed_after_the_retries_are_unavailable_never_live(tables, monkeypatch):
    erase(LEARNER)
    client = dynamodb_module.client()
    flaky = LeavesKeysUnprocessed(client, times=dynamodb_module.UNPROCESSED_BACKOFF.max_attempts)
    monkeypatch.setattr(client, "batch_get_item", flaky)
    with pytest.raises(StorageUnavailable):
        ended_or_erased(LEARNER, SESSION)
    assert len(flaky.requests) == dynamodb_module.UNPROCESSED_BACKOFF.max_attempts
