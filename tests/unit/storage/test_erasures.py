"""The erasures table as the CRM sync reads it: which of a batch of learners asked to be erased."""

from __future__ import annotations

import pytest
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import erasures
from hhl.storage.errors import StorageUnavailable

from kit.dynamodb_calls import DynamoDBCallCounter


def test_erased_among_names_pending_and_complete_requests_over_more_than_one_batch(dynamodb):
    learners = [f"user-{i:03d}" for i in range(150)]  # BatchGetItem takes 100 keys: two calls
    erasures.record_request("user-007", "2026-01-01T00:00:00Z", "1234")
    erasures.record_request("user-120", "2026-01-01T00:00:00Z", None)
    assert erasures.mark_complete("user-120", "2026-01-01T00:01:00Z", hubspot_contact_deleted=False)

    with DynamoDBCallCounter(dynamodb_module.client()) as calls:
        assert erasures.erased_among(learners) == {"user-007", "user-120"}
    assert calls.operations == ["BatchGetItem", "BatchGetItem"]
    assert erasures.erased_among([]) == set()
    assert erasures.erased_among(["user-001", "user-001"]) == set()


class _UnderLoad:
    """DynamoDB under load: the first `busy_answers` BatchGetItem answers leave their last key unprocessed."""

    def __init__(self, real, busy_answers: int):
        self.real = real
        self.busy_answers = busy_answers
        self.asked: list[int] = []  # keys asked for, per call

    def __call__(self, RequestItems):
        (table, request), *_ = RequestItems.items()
        self.asked.append(len(request["Keys"]))
        if not self.busy_answers:
            return self.real(RequestItems=RequestItems)
        self.busy_answers -= 1
        *served, left = request["Keys"]
        response = self.real(RequestItems={table: {**request, "Keys": served}}) if served else {"Responses": {}}
        return {**response, "UnprocessedKeys": {table: {**request, "Keys": [left]}}}


def test_erased_among_asks_again_for_only_the_keys_dynamodb_left_unprocessed(dynamodb, monkeypatch):
    erasures.record_request("user-2", "2026-01-01T00:00:00Z", None)
    client = dynamodb_module.client()
    under_load = _UnderLoad(client.batch_get_item, busy_answers=2)
    monkeypatch.setattr(client, "batch_get_item", under_load)

    assert erasures.erased_among(["user-0", "user-1", "user-2"]) == {"user-2"}
    assert under_load.asked == [3, 1, 1]  # "user-2" left twice, found on the third ask


def test_erased_among_fails_loudly_when_keys_stay_unprocessed(dynamodb, monkeypatch):
    erasures.record_request("user-2", "2026-01-01T00:00:00Z", None)
    client = dynamodb_module.client()
    under_load = _UnderLoad(client.batch_get_item, busy_answers=99)
    monkeypatch.setattr(client, "batch_get_item", under_load)

    with pytest.raises(StorageUnavailable):  # never "not erased": the sync retries the batch instead
        erasures.erased_among(["user-0", "user-1", "user-2"])
    assert len(under_load.asked) == dynamodb_module.UNPROCESSED_BACKOFF.max_attempts
