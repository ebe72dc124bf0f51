"""Erasures table: one item per learner who asked to be erased, until every step of the erasure is done.

Key: learnerId (the erased learner's userId, the Cognito `sub`: opaque, no email). Not keyed by userId on
purpose: this item outlives the learner's rows, as the record that their erasure was asked for and finished.
Attributes: status ("pending" | "complete"), requestedAt, lastRequestedAt, completedAt (UTC ISO-8601),
hubspotContactId (the CRM contact still to delete; removed once deleted), hubspotContact ("deleted" once
it is), expiresAt (epoch seconds, the table's TTL, set when complete).

The CRM sync reads it too (`erased_among`, one BatchGetItem per 100 learners) and pushes no learner it names,
pending or complete: a state read before the erasure must not re-create the contact after its GDPR delete.

Its stream (KEYS_ONLY) drives the erasure function (functions/erasure), which finishes what the DELETE
request could not, with retries and a dead-letter queue (docs/runbook.md#erasure).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from hhl.config import settings
from hhl.storage.dynamodb import batch_get, client, dynamodb_call, is_conditional_check_failure
from hhl.storage.dynamodb_client import DynamoDBError

PENDING = "pending"
COMPLETE = "complete"
MAX_BATCH_KEYS = 100  # BatchGetItem's limit
# The record of a finished erasure is kept this long (accountability: it was asked for, and done), then TTL'd.
KEEP_COMPLETE_SECONDS = 90 * 24 * 3600


def _plain(item: dict) -> dict[str, Any]:
    return {name: next(iter(value.values())) for name, value in item.items()}


def record_request(learner_id: str, requested_at: str, hubspot_contact_id: str | None) -> dict[str, Any]:
    """Record (or renew) the learner's erasure request as pending; returns the stored request.

    A repeated request keeps the first requestedAt and any contact id an earlier request stored (the users
    row that named it may already be gone).
    """
    names = {"#status": "status"}
    values: dict[str, Any] = {":pending": {"S": PENDING}, ":now": {"S": requested_at}}
    assignments = ["#status = :pending", "requestedAt = if_not_exists(requestedAt, :now)", "lastRequestedAt = :now"]
    if hubspot_contact_id:
        values[":contact"] = {"S": hubspot_contact_id}
        assignments.append("hubspotContactId = :contact")
    with dynamodb_call("UpdateItem erasures"):
        response = client().update_item(
            TableName=settings().tables.erasures,
            Key={"learnerId": {"S": learner_id}},
            UpdateExpression="SET " + ", ".join(assignments) + " REMOVE expiresAt",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    return _plain(response["Attributes"])


def get_request(learner_id: str) -> dict[str, Any] | None:
    with dynamodb_call("GetItem erasures"):
        response = client().get_item(
            TableName=settings().tables.erasures, Key={"learnerId": {"S": learner_id}}, ConsistentRead=True
        )
    return _plain(response["Item"]) if "Item" in response else None


def erased_among(learner_ids: Iterable[str]) -> set[str]:
    """Those of `learner_ids` with an erasure request, pending or complete (strongly consistent reads).

    One BatchGetItem per 100 learners, projecting the key only; keys DynamoDB leaves unprocessed are asked for
    again, and still unprocessed after a few attempts raise StorageUnavailable (hhl.storage.dynamodb.batch_get;
    the caller retries).
    """
    ids = sorted(set(learner_ids))
    table = settings().tables.erasures
    found: set[str] = set()
    for start in range(0, len(ids), MAX_BATCH_KEYS):
        keys = [{"learnerId": {"S": learner_id}} for learner_id in ids[start : start + MAX_BATCH_KEYS]]
        request = {table: {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": "learnerId"}}
        found |= {item["learnerId"]["S"] for item in batch_get("BatchGetItem erasures", request)[table]}
    return found


def mark_complete(learner_id: str, completed_at: str, hubspot_contact_deleted: bool) -> bool:
    """Mark the request complete unless it was renewed meanwhile (a newer lastRequestedAt); False then."""
    request = get_request(learner_id)
    if request is None:
        return False
    values: dict[str, Any] = {
        ":complete": {"S": COMPLETE},
        ":done": {"S": completed_at},
        ":expires": {"N": str(int(time.time()) + KEEP_COMPLETE_SECONDS)},
        ":seen": {"S": request["lastRequestedAt"]},
    }
    assignments = ["#status = :complete", "completedAt = :done", "expiresAt = :expires"]
    if hubspot_contact_deleted:
        values[":deleted"] = {"S": "deleted"}
        assignments.append("hubspotContact = :deleted")
    try:
        with dynamodb_call("UpdateItem erasures"):
            client().update_item(
                TableName=settings().tables.erasures,
                Key={"learnerId": {"S": learner_id}},
                UpdateExpression="SET " + ", ".join(assignments) + " REMOVE hubspotContactId",
                ConditionExpression="lastRequestedAt = :seen",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
    except DynamoDBError as exc:
        if is_conditional_check_failure(exc):
            return False
        raise
    return True


def pending_requests() -> Iterator[dict[str, Any]]:
    """Every erasure not finished yet (an operator's scan; the table holds one small item per erased learner)."""
    start = None
    while True:
        args: dict[str, Any] = {
            "TableName": settings().tables.erasures,
            "FilterExpression": "#status = :pending",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":pending": {"S": PENDING}},
            "ConsistentRead": True,
        }
        if start:
            args["ExclusiveStartKey"] = start
        with dynamodb_call("Scan erasures"):
            page = client().call("Scan", args)
        yield from (_plain(item) for item in page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return
