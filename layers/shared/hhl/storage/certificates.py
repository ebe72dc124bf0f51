"""Certificates table: one item per certificate a learner holds.

Key: userId (partition), certKey = "<kind>#<slug>" (sort; kind is module, course or pathway), so a learner
holds at most one certificate per module, course and pathway, and one Query lists them all.
Attributes: certId (UUID v4, the public id), kind, slug, title (as issued), issuedAt; credential (the
signed Open Badges credential, added once signed); revokedAt and revocationReason once revoked.
The global secondary index certId-index (certId -> the whole item) answers the public verify route.

Issuing is one conditional PutItem: however many requests and stream deliveries race, one item is
written, and every loser reads the winner's item back from the failed condition (no second call).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call, put_item_standing_on, query_learner_items
from hhl.storage.dynamodb_client import DynamoDBError

KEY_SEPARATOR = "#"
CERT_ID_INDEX = "certId-index"


@dataclass(frozen=True)
class CertificateRecord:
    user_id: str
    kind: str  # "module", "course" or "pathway"
    slug: str
    cert_id: str
    title: str
    issued_at: str  # ISO-8601 UTC
    credential: str | None = None
    revoked_at: str | None = None
    revocation_reason: str | None = None

    @property
    def cert_key(self) -> str:
        return cert_key(self.kind, self.slug)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def cert_key(kind: str, slug: str) -> str:
    return f"{kind}{KEY_SEPARATOR}{slug}"


def _optional(item: dict, name: str) -> str | None:
    return item[name]["S"] if name in item else None


def _record(item: dict) -> CertificateRecord:
    kind, _, slug = item["certKey"]["S"].partition(KEY_SEPARATOR)
    return CertificateRecord(
        user_id=item["userId"]["S"],
        kind=kind,
        slug=slug,
        cert_id=item["certId"]["S"],
        title=item["title"]["S"],
        issued_at=item["issuedAt"]["S"],
        credential=_optional(item, "credential"),
        revoked_at=_optional(item, "revokedAt"),
        revocation_reason=_optional(item, "revocationReason"),
    )


def new_cert_id() -> str:
    return str(uuid.uuid4())


def issue_certificate(
    user_id: str, kind: str, slug: str, title: str, issued_at: str, standing_on: dict | None = None
) -> tuple[CertificateRecord, bool]:
    """The learner's certificate for (kind, slug), and whether this call issued it. One PutItem; with
    `standing_on` (a ConditionCheck) one transaction, raising RowGone when that row is gone.

    A lost race (or a replay) fails the condition, and DynamoDB returns the item that is there.
    """
    item = {
        "userId": {"S": user_id},
        "certKey": {"S": cert_key(kind, slug)},
        "certId": {"S": new_cert_id()},
        "title": {"S": title},
        "issuedAt": {"S": issued_at},
    }
    put = {
        "TableName": settings().tables.certificates,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(certKey)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    try:
        put_item_standing_on("PutItem certificates", put, standing_on)
    except DynamoDBError as exc:  # only a failed condition gets here: already issued
        return _record(exc.response["Item"]), False
    return _record(item), True


def list_certificates(user_id: str) -> list[CertificateRecord]:
    """Every certificate of one learner (revoked ones too): one strongly consistent Query per 1 MB page."""
    return [_record(item) for item in query_learner_items(settings().tables.certificates, user_id)]


def find_certificate(cert_id: str) -> CertificateRecord | None:
    """The certificate with this public id, through certId-index (one Query; an index read is eventually
    consistent, so a certificate issued a moment ago may not be found for a moment)."""
    with dynamodb_call("Query certificates certId-index"):
        page = client().query(
            TableName=settings().tables.certificates,
            IndexName=CERT_ID_INDEX,
            KeyConditionExpression="certId = :id",
            ExpressionAttributeValues={":id": {"S": cert_id}},
            Limit=1,
        )
    items = page.get("Items", [])
    return _record(items[0]) if items else None


def get_certificate(user_id: str, kind: str, slug: str) -> CertificateRecord | None:
    with dynamodb_call("GetItem certificates"):
        response = client().get_item(
            TableName=settings().tables.certificates,
            Key={"userId": {"S": user_id}, "certKey": {"S": cert_key(kind, slug)}},
            ConsistentRead=True,
        )
    return _record(response["Item"]) if "Item" in response else None


def store_credential(user_id: str, kind: str, slug: str, credential: str) -> bool:
    """Attach the signed credential once; False when the certificate already has one (or is gone)."""
    try:
        with dynamodb_call("UpdateItem certificates"):
            client().update_item(
                TableName=settings().tables.certificates,
                Key={"userId": {"S": user_id}, "certKey": {"S": cert_key(kind, slug)}},
                UpdateExpression="SET credential = :credential",
                ConditionExpression="attribute_exists(certKey) AND attribute_not_exists(credential)",
                ExpressionAttributeValues={":credential": {"S": credential}},
            )
    except DynamoDBError:  # only a failed condition gets here
        return False
    return True


def revoke(user_id: str, kind: str, slug: str, reason: str, revoked_at: str) -> CertificateRecord | None:
    """Mark the certificate revoked (the first revocation's time and reason are kept); None if there is none."""
    try:
        with dynamodb_call("UpdateItem certificates"):
            response = client().update_item(
                TableName=settings().tables.certificates,
                Key={"userId": {"S": user_id}, "certKey": {"S": cert_key(kind, slug)}},
                UpdateExpression=(
                    "SET revokedAt = if_not_exists(revokedAt, :at), "
                    "revocationReason = if_not_exists(revocationReason, :reason)"
                ),
                ConditionExpression="attribute_exists(certKey)",
                ExpressionAttributeValues={":at": {"S": revoked_at}, ":reason": {"S": reason}},
                ReturnValues="ALL_NEW",
            )
    except DynamoDBError:  # only a failed condition gets here: no such certificate
        return None
    return _record(response["Attributes"])
