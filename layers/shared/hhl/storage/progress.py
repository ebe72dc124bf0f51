"""Progress table: one item per (learner, module).

Key: userId (partition), moduleKey = "<courseSlug>#<moduleSlug>" (sort), so one Query reads every
course a learner touched and `begins_with(moduleKey, "<courseSlug>#")` reads one course.
Attributes: startedAt, completedAt (absent until it happens), updatedAt. Started/completed are the
presence of their timestamps, and if_not_exists keeps the first one: a module can never go back
from completed to started, and a replayed event changes nothing but updatedAt. startedAt is never
later than completedAt: a first completion dated before the recorded start moves the start back.
"""

from __future__ import annotations

from dataclasses import dataclass

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call, is_conditional_check_failure, query_learner_items
from hhl.storage.dynamodb_client import DynamoDBError

KEY_SEPARATOR = "#"

_START = "SET startedAt = if_not_exists(startedAt, :at), updatedAt = :now"
_COMPLETE = _START + ", completedAt = if_not_exists(completedAt, :at)"


@dataclass(frozen=True)
class ModuleProgressRecord:
    course_slug: str
    module_slug: str
    started_at: str | None  # ISO-8601 UTC
    completed_at: str | None
    updated_at: str

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


def module_key(course_slug: str, module_slug: str) -> str:
    return f"{course_slug}{KEY_SEPARATOR}{module_slug}"


def still_stored(user_id: str, key: str) -> dict:
    """A ConditionCheck that the learner's progress row `key` exists: a write made in one transaction with it is
    refused once an erasure (which deletes progress before the rows that stand on it) has removed the row."""
    return {
        "TableName": settings().tables.progress,
        "Key": {"userId": {"S": user_id}, "moduleKey": {"S": key}},
        "ConditionExpression": "attribute_exists(moduleKey)",
    }


def _optional(item: dict, name: str) -> str | None:
    return item[name]["S"] if name in item else None


def _record(item: dict) -> ModuleProgressRecord:
    course_slug, _, module_slug = item["moduleKey"]["S"].partition(KEY_SEPARATOR)
    return ModuleProgressRecord(
        course_slug, module_slug, _optional(item, "startedAt"), _optional(item, "completedAt"), item["updatedAt"]["S"]
    )


def record_module_event(
    user_id: str, course_slug: str, module_slug: str, completed: bool, occurred_at: str, now: str
) -> bool:
    """Record that the module was started (or completed); True when this completed it for the first time.

    One UpdateItem returning the item as it was before (ALL_OLD: a few hundred bytes; UPDATED_OLD
    would be smaller but whether an unchanged if_not_exists counts as "updated" is not specified).
    DynamoDB serialises writes to one item, so exactly one of many racing completions sees no
    completedAt in the old item.
    """
    key = {"userId": {"S": user_id}, "moduleKey": {"S": module_key(course_slug, module_slug)}}
    with dynamodb_call("UpdateItem progress"):
        response = client().update_item(
            TableName=settings().tables.progress,
            Key=key,
            UpdateExpression=_COMPLETE if completed else _START,
            ExpressionAttributeValues={":at": {"S": occurred_at}, ":now": {"S": now}},
            ReturnValues="ALL_OLD",
        )
    before = response.get("Attributes", {})
    first_completion = completed and "completedAt" not in before
    if first_completion and _optional(before, "startedAt") is not None and before["startedAt"]["S"] > occurred_at:
        _start_no_later_than(key, occurred_at)
    return first_completion


def _start_no_later_than(key: dict, completed_at: str) -> None:
    """A completion reported with an earlier time than the start (queued offline, backdated occurredAt): the
    module was started by then, so startedAt moves back to it and completedAt >= startedAt holds.

    A second write only in this rare case, conditional so that it can only ever move startedAt earlier.
    Timestamps share one fixed-width UTC format (utc_timestamp), so string order is time order.
    """
    try:
        with dynamodb_call("UpdateItem progress"):
            client().update_item(
                TableName=settings().tables.progress,
                Key=key,
                UpdateExpression="SET startedAt = :at",
                ConditionExpression="startedAt > :at",
                ExpressionAttributeValues={":at": {"S": completed_at}},
            )
    except DynamoDBError as exc:
        if not is_conditional_check_failure(exc):  # failed: a racing write already moved it at least as far
            raise


def list_course_progress(user_id: str, course_slug: str) -> list[ModuleProgressRecord]:
    """The learner's module items of one course: one Query."""
    prefix = ("moduleKey", f"{course_slug}{KEY_SEPARATOR}")
    return [_record(item) for item in query_learner_items(settings().tables.progress, user_id, prefix)]


def list_progress(user_id: str) -> list[ModuleProgressRecord]:
    """Every module item of the learner, all courses, ordered by course: one Query per 1 MB page."""
    return [_record(item) for item in query_learner_items(settings().tables.progress, user_id)]
