"""Badges table: one item per badge a learner holds.

Key: userId (partition), badgeId = "course:<slug>" | "pathway:<slug>" (sort). Attribute: awardedAt.
The conditional put is what makes each badge awarded exactly once, however many requests race.
"""

from __future__ import annotations

from dataclasses import dataclass

from hhl.config import settings
from hhl.storage.dynamodb import put_item_standing_on, query_learner_items
from hhl.storage.dynamodb_client import DynamoDBError

ID_SEPARATOR = ":"


@dataclass(frozen=True)
class BadgeRecord:
    kind: str  # "course" or "pathway"
    slug: str
    awarded_at: str  # ISO-8601 UTC

    @property
    def badge_id(self) -> str:
        return badge_id(self.kind, self.slug)


def badge_id(kind: str, slug: str) -> str:
    return f"{kind}{ID_SEPARATOR}{slug}"


def _record(item: dict) -> BadgeRecord:
    kind, _, slug = item["badgeId"]["S"].partition(ID_SEPARATOR)
    return BadgeRecord(kind, slug, item["awardedAt"]["S"])


def award_badge(
    user_id: str, kind: str, slug: str, awarded_at: str, standing_on: dict | None = None
) -> BadgeRecord | None:
    """Award once: the new record, or None when the learner already holds it. One PutItem; with `standing_on`
    (a ConditionCheck, e.g. hhl.storage.progress.still_stored) one transaction, raising RowGone when it fails."""
    item = {"userId": {"S": user_id}, "badgeId": {"S": badge_id(kind, slug)}, "awardedAt": {"S": awarded_at}}
    put = {"TableName": settings().tables.badges, "Item": item, "ConditionExpression": "attribute_not_exists(badgeId)"}
    try:
        put_item_standing_on("PutItem badges", put, standing_on)
    except DynamoDBError:  # only a failed condition gets here: already awarded
        return None
    return _record(item)


def list_badges(user_id: str) -> list[BadgeRecord]:
    """Every badge of one learner: one strongly consistent Query per 1 MB page."""
    return [_record(item) for item in query_learner_items(settings().tables.badges, user_id)]
