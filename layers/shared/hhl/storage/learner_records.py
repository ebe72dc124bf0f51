"""Every row a learner owns, in every table: the one list the export and the erasure walk.

Each table keyed by userId is named here with its sort key (None for the users table's single item).
tests/unit/test_template.py fails when template.yaml gains a table keyed by userId that is not listed,
or a listed sort key differs from the template's, so a table added later cannot be left out of either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call, query_learner_items


@dataclass(frozen=True)
class LearnerTable:
    name: str  # the Tables field, as DYNAMODB_<NAME>_TABLE spells it
    table_name: Callable[[], str]
    sort_key: str | None


# The users item goes after the learning rows: its email is what an erasure's HubSpot step needs until the rest
# is gone. The CRM sends go after the users item: a send is recorded only while that item exists
# (hhl.storage.crm_sends), so none recorded during an erasure can outlive it.
LEARNER_TABLES = (
    LearnerTable("enrollments", lambda: settings().tables.enrollments, "enrollmentKey"),
    LearnerTable("progress", lambda: settings().tables.progress, "moduleKey"),
    LearnerTable("tasks", lambda: settings().tables.tasks, "taskKey"),
    LearnerTable("badges", lambda: settings().tables.badges, "badgeId"),
    LearnerTable("certificates", lambda: settings().tables.certificates, "certKey"),
    LearnerTable("ended_sessions", lambda: settings().tables.ended_sessions, "sessionId"),
    LearnerTable("users", lambda: settings().tables.users, None),
    LearnerTable("crm_sends", lambda: settings().tables.crm_sends, None),
)


def _items(table: LearnerTable, user_id: str) -> Iterator[dict]:
    if table.sort_key is not None:
        yield from query_learner_items(table.table_name(), user_id)
        return
    with dynamodb_call(f"GetItem {table.name}"):
        found = client().get_item(TableName=table.table_name(), Key={"userId": {"S": user_id}}, ConsistentRead=True)
    if "Item" in found:
        yield found["Item"]


def plain(value: dict):
    """One DynamoDB attribute value as JSON (numbers as int when whole)."""
    ((kind, inner),) = value.items()
    if kind == "S" or kind == "BOOL":
        return inner
    if kind == "N":
        number = float(inner)
        return int(number) if number.is_integer() else number
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: plain(v) for k, v in inner.items()}
    if kind == "L":
        return [plain(v) for v in inner]
    if kind in ("SS", "NS"):
        return sorted(inner)
    raise ValueError(f"unsupported attribute type {kind}")


def learner_rows(user_id: str) -> dict[str, list[dict]]:
    """table name -> the learner's items as plain JSON objects (userId left out: it is the learner's own)."""
    return {
        table.name: [{k: plain(v) for k, v in item.items() if k != "userId"} for item in _items(table, user_id)]
        for table in LEARNER_TABLES
    }


def delete_learner_rows(user_id: str) -> dict[str, int]:
    """Delete every item of the learner in every table; table name -> items deleted (0 when none were left).

    Deleting a missing item is a no-op in DynamoDB, so a repeated or interrupted erasure just finishes.
    """
    deleted = {}
    for table in LEARNER_TABLES:
        count = 0
        for item in list(_items(table, user_id)):
            key = {"userId": item["userId"]}
            if table.sort_key is not None:
                key[table.sort_key] = item[table.sort_key]
            with dynamodb_call(f"DeleteItem {table.name}"):
                client().delete_item(TableName=table.table_name(), Key=key)
            count += 1
        deleted[table.name] = count
    return deleted
