"""The erasures table as the CRM sync reads it: which of a batch of learners asked to be erased."""

from __future__ import annotations

from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import erasures

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
