"""Users table: one item per learner, written at each sign-in from the verified ID token.

Key: userId (= Cognito `sub`). Attributes: email (only a verified one), givenName, familyName, displayName, createdAt,
updatedAt (UTC ISO-8601), hubspotContactId (written by the CRM sync).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hhl.config import settings
from hhl.learning.timestamps import utc_now, utc_timestamp
from hhl.storage.dynamo_json import DynamoDBError
from hhl.storage.dynamodb import client
from hhl.storage.operations import dynamodb_call

# API field -> ID token claim, for the profile attributes a sign-in refreshes.
_PROFILE_CLAIMS = {"email": "email", "givenName": "given_name", "familyName": "family_name"}
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


def profile_from_id_token(claims: Mapping[str, Any]) -> dict[str, str]:
    """The profile attributes an ID token carries; displayName falls back from name to given+family to email.

    The email only when Cognito says it is verified: learners can change their own email attribute, and an
    unverified address (anyone's) must neither be stored nor, through the stored row, key a HubSpot contact.
    """
    profile = {field: str(claims[claim]) for field, claim in _PROFILE_CLAIMS.items() if claims.get(claim)}
    if not email_is_verified(claims):
        profile.pop("email", None)
    full_name = " ".join(p for p in (profile.get("givenName"), profile.get("familyName")) if p)
    display_name = str(claims.get("name") or "") or full_name or profile.get("email", "")
    if display_name:
        profile["displayName"] = display_name
    return profile


def email_is_verified(claims: Mapping[str, Any]) -> bool:
    """Cognito's ID token says JSON true; attributes mapped from a federated identity provider arrive as "true"."""
    verified = claims.get("email_verified")
    return verified is True or verified == "true"


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
