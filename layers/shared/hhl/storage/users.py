"""Users table: one item per learner, written at each sign-in from the verified ID token.

Key: userId (= Cognito `sub`). Attributes: email (only a verified one), givenName, familyName, displayName, createdAt,
updatedAt (UTC ISO-8601), hubspotContactId (written by the CRM sync).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call
from hhl.storage.dynamodb_client import DynamoDBError
from hhl.timestamps import utc_now, utc_timestamp

USER_FIELDS = (
    "userId",
    "email",
    "displayName",
    "givenName",
    "familyName",
    "createdAt",
    "updatedAt",
    "hubspotContactId",
)


def upsert_user(user_id: str, profile: Mapping[str, str]) -> dict[str, Any]:
    """Create or refresh the learner's row in one UpdateItem; createdAt is set once and kept."""
    now = utc_timestamp(utc_now())
    names = {"#updatedAt": "updatedAt", "#createdAt": "createdAt"}
    values: dict[str, Any] = {":now": {"S": now}}
    assignments = ["#updatedAt = :now", "#createdAt = if_not_exists(#createdAt, :now)"]
    removals = []
    for field in ("email", "givenName", "familyName", "displayName"):
        names[f"#{field}"] = field
        if profile.get(field):
            values[f":{field}"] = {"S": profile[field]}
            assignments.append(f"#{field} = :{field}")
        else:
            removals.append(f"#{field}")  # cleared in Cognito: cleared here too
    expression = "SET " + ", ".join(assignments) + (" REMOVE " + ", ".join(removals) if removals else "")
    with dynamodb_call("UpdateItem users"):
        response = client().update_item(
            TableName=settings().tables.users,
            Key={"userId": {"S": user_id}},
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    return user_from_item(response["Attributes"])


def get_user(user_id: str) -> dict[str, Any] | None:
    """The learner's row shaped for the API, or None. One strongly consistent GetItem."""
    with dynamodb_call("GetItem users"):
        response = client().get_item(
            TableName=settings().tables.users, Key={"userId": {"S": user_id}}, ConsistentRead=True
        )
    item = response.get("Item")
    return user_from_item(item) if item else None


def set_hubspot_contact_id(user_id: str, contact_id: str) -> bool:
    """Store the learner's HubSpot contact id; False when the user row does not exist (nothing is created)."""
    try:
        with dynamodb_call("UpdateItem users"):
            client().update_item(
                TableName=settings().tables.users,
                Key={"userId": {"S": user_id}},
                UpdateExpression="SET hubspotContactId = :c",
                ConditionExpression="attribute_exists(userId)",
                ExpressionAttributeValues={":c": {"S": contact_id}},
            )
    except DynamoDBError:  # only a failed condition gets here: no such user
        return False
    return True


def user_from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """The /auth/me shape: every field present, None where the row has no value."""
    return {field: item[field]["S"] if field in item else None for field in USER_FIELDS}
