"""Progress table: one item per (learner, module).

Key: userId (partition), moduleKey = "<courseSlug>#<moduleSlug>" (sort), so one Query reads every
course a learner touched and `begins_with(moduleKey, "<courseSlug>#")` reads one course.
Attributes: startedAt, completedAt (absent until it happens), updatedAt. Started/completed are the
presence of their timestamps, and if_not_exists keeps the first one: a module can never go back
from completed to started, and a replayed event changes nothing but updatedAt.
"""

from __future__ import annotations

from dataclasses import dataclass

from hhl.config import settings
from hhl.storage.dynamodb import client
from hhl.storage.operations import dynamodb_call, query_learner_items

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
    with dynamodb_call("UpdateItem progress"):
        response = client().update_item(
            TableName=settings().tables.progress,
            Key={"userId": {"S": user_id}, "moduleKey": {"S": module_key(course_slug, module_slug)}},
            UpdateExpression=_COMPLETE if completed else _START,
            ExpressionAttributeValues={":at": {"S": occurred_at}, ":now": {"S": now}},
            ReturnValues="ALL_OLD",
        )
    return completed and "completedAt" not in response.get("Attributes", {})


def list_course_progress(user_id: str, course_slug: str) -> list[ModuleProgressRecord]:
    """The learner's module items of one course: one Query."""
    prefix = ("moduleKey", f"{course_slug}{KEY_SEPARATOR}")
    return [_record(item) for item in query_learner_items(settings().tables.progress, user_id, prefix)]


def list_progress(user_id: str) -> list[ModuleProgressRecord]:
    """Every module item of the learner, all courses, ordered by course: one Query per 1 MB page."""
    return [_record(item) for item in query_learner_items(settings().tables.progress, user_id)]
