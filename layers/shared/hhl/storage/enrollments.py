"""Enrollments table: one item per (learner, course or pathway).

Key: userId (partition), enrollmentKey = "course#<slug>" | "pathway#<slug>" (sort).
Attributes: source, enrolledAt. Type and slug are read back from the key, so items stay small.
"""

from __future__ import annotations

from dataclasses import dataclass

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call, query_learner_items
from hhl.storage.dynamodb_client import DynamoDBError

KEY_SEPARATOR = "#"


@dataclass(frozen=True)
class EnrollmentRecord:
    kind: str  # "course" or "pathway"
    slug: str
    source: str
    enrolled_at: str  # ISO-8601 UTC


def enrollment_key(kind: str, slug: str) -> str:
    return f"{kind}{KEY_SEPARATOR}{slug}"


def _record(item: dict) -> EnrollmentRecord:
    kind, _, slug = item["enrollmentKey"]["S"].partition(KEY_SEPARATOR)
    return EnrollmentRecord(kind, slug, item["source"]["S"], item["enrolledAt"]["S"])


def _key(user_id: str, kind: str, slug: str) -> dict:
    return {"userId": {"S": user_id}, "enrollmentKey": {"S": enrollment_key(kind, slug)}}


def create_enrollment(
    user_id: str, kind: str, slug: str, source: str, enrolled_at: str
) -> tuple[EnrollmentRecord, bool]:
    """Enroll once: returns (the new record, True), or (the record already there, False). One PutItem."""
    item = {**_key(user_id, kind, slug), "source": {"S": source}, "enrolledAt": {"S": enrolled_at}}
    try:
        with dynamodb_call("PutItem enrollments"):
            client().put_item(
                TableName=settings().tables.enrollments,
                Item=item,
                ConditionExpression="attribute_not_exists(enrollmentKey)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
    except DynamoDBError as exc:  # only a failed condition gets here: already enrolled
        return _record(exc.response["Item"]), False
    return _record(item), True


def delete_enrollment(user_id: str, kind: str, slug: str) -> None:
    """Remove an enrollment, if there is one: afterwards there is none either way. One DeleteItem."""
    with dynamodb_call("DeleteItem enrollments"):
        client().delete_item(TableName=settings().tables.enrollments, Key=_key(user_id, kind, slug))


def list_enrollments(user_id: str) -> list[EnrollmentRecord]:
    """Every enrollment of one learner, ordered by key: one strongly consistent Query per 1 MB page."""
    return [_record(item) for item in query_learner_items(settings().tables.enrollments, user_id)]
