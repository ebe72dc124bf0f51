"""CRM sends table: what the CRM sync sent to HubSpot about a learner, and when (their export shows it).

Key: userId (one item per learner). Attributes: sends (a list of {sentAt, properties}, oldest first, only the
newest KEEP_SENDS), version (a counter: a concurrent sync's read-modify-write cannot lose a send). The HubSpot
contact id is not here: the export shows what was sent, never HubSpot's internal id.

Bounded by count rather than by age: every progress write can cause a send, so an active learner may send many
a day; the newest 50 show what HubSpot holds and how it got there, keep the item small (50 sends of under 1 KB,
far below DynamoDB's 400 KB item limit) and keep an erasure at one DeleteItem.

A send is recorded only while the learner's users row exists (one transaction with a ConditionCheck on it), and
the erasure deletes this item after the users row (hhl.storage.learner_records): a sync that finishes while an
erasure runs either lands before the users row goes, and is erased with the rest, or records nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call, failed_conditions
from hhl.storage.dynamodb_client import DynamoDBError
from hhl.storage.errors import StorageUnavailable

KEEP_SENDS = 50
ATTEMPTS = 3  # concurrent syncs of one learner are rare (two at most); each retry re-reads the item


def _send_item(sent_at: str, properties: Mapping[str, str]) -> dict[str, Any]:
    return {
        "M": {
            "sentAt": {"S": sent_at},
            "properties": {"M": {name: {"S": value} for name, value in properties.items()}},
        }
    }


def _stored(user_id: str) -> tuple[list[dict], int | None]:
    with dynamodb_call("GetItem crm-sends"):
        found = client().get_item(
            TableName=settings().tables.crm_sends, Key={"userId": {"S": user_id}}, ConsistentRead=True
        )
    item = found.get("Item")
    if item is None:
        return [], None
    return item["sends"]["L"], int(item["version"]["N"])


def record_send(user_id: str, sent_at: str, properties: Mapping[str, str]) -> bool:
    """Append one send (dropping the oldest beyond KEEP_SENDS); False when the learner's users row is gone.

    One GetItem and one TransactWriteItems (the Put, conditioned on the version read, and the users row's
    ConditionCheck); a lost race with another sync of the same learner reads again.
    """
    for _ in range(ATTEMPTS):
        sends, version = _stored(user_id)
        sends = [*sends, _send_item(sent_at, properties)][-KEEP_SENDS:]
        put: dict[str, Any] = {
            "TableName": settings().tables.crm_sends,
            "Item": {
                "userId": {"S": user_id},
                "sends": {"L": sends},
                "version": {"N": str((version or 0) + 1)},
            },
        }
        if version is None:
            put["ConditionExpression"] = "attribute_not_exists(userId)"
        else:
            put["ConditionExpression"] = "version = :version"
            put["ExpressionAttributeValues"] = {":version": {"N": str(version)}}
        learner_exists = {
            "TableName": settings().tables.users,
            "Key": {"userId": {"S": user_id}},
            "ConditionExpression": "attribute_exists(userId)",
        }
        try:
            with dynamodb_call("TransactWriteItems crm-sends"):
                client().call(
                    "TransactWriteItems", {"TransactItems": [{"Put": put}, {"ConditionCheck": learner_exists}]}
                )
        except DynamoDBError as exc:  # only a transaction cancelled by its conditions gets here
            _, learner_gone = failed_conditions(exc)
            if learner_gone:
                return False
            continue  # another sync recorded a send meanwhile: read it and append after it
        return True
    raise StorageUnavailable("TransactWriteItems crm-sends", "concurrent sends kept winning")
