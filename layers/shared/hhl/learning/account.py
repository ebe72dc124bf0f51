"""The learner's own account: everything stored about them (export), and erasing all of it.

Export: one JSON document in a versioned shape (docs/openapi.yaml, LearnerExport): the rows of every
learner table (hhl.storage.learner_records), grouped as a learner reads them; `crm.sends` is what the CRM
sync sent to HubSpot and when (added to version 1: a new field, nothing removed or retyped). Nothing of another learner
can appear: every read is keyed by the caller's own user id.

Erasure: first a durable request (hhl.storage.erasures, with the HubSpot contact id the users row names),
then the Cognito user (no new sign-in can recreate the account) and every row in every table, the users
item last. Whatever this cannot finish now (Cognito or DynamoDB failing, and always the HubSpot contact)
the erasure function finishes from the request's stream, with retries and a dead-letter queue
(hhl.crm.erasure). Each step is idempotent, so a repeated or interrupted erasure just finishes. A
certificate goes with its row: the public verify route then answers 404 for it, which is its revocation.
Log lines name the learner by a hash of the user id, never the email.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from hhl.auth import cognito_admin
from hhl.config import settings
from hhl.observability import logger
from hhl.storage import erasures, users
from hhl.storage.errors import StorageError
from hhl.storage.learner_records import delete_learner_rows, learner_rows

EXPORT_FORMAT = "hedgehog-learn.learner-export"
EXPORT_VERSION = 1
INTERNAL_PROFILE_FIELDS = ("hubspotContactId",)


def _is_task_record(row: dict) -> bool:
    return "#task#" in row.get("taskKey", "")


def _attempt(row: dict) -> dict:
    attempt = {k: v for k, v in row.items() if k != "answers"}
    if "answers" in row:
        attempt["answers"] = json.loads(row["answers"])
    return attempt


def export_document(user_id: str, exported_at: str) -> dict:
    """Everything stored about the learner, one document (reads every learner table once)."""
    rows = learner_rows(user_id)
    (user,) = rows["users"] or [{}]
    tasks = rows["tasks"]
    attempts = [_attempt(row) for row in tasks if not _is_task_record(row)]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exportedAt": exported_at,
        "profile": {k: v for k, v in user.items() if k not in INTERNAL_PROFILE_FIELDS},
        "enrollments": rows["enrollments"],
        "progress": rows["progress"],
        "tasks": [row for row in tasks if _is_task_record(row)],
        "quizAttempts": [a for a in attempts if a.get("taskType") != "lab_attestation"],
        "labAttestations": [a for a in attempts if a.get("taskType") == "lab_attestation"],
        "badges": rows["badges"],
        "certificates": rows["certificates"],
        "signOuts": [{"endedAt": row.get("endedAt")} for row in rows["ended_sessions"]],
        "crm": {
            "syncEnabled": settings().enable_crm_progress,
            "hubspotContact": "linked" if user.get("hubspotContactId") else "none",
            "sends": next(iter(rows["crm_sends"]), {}).get("sends", []),
        },
    }


PENDING = "pending"


@dataclass(frozen=True)
class Erasure:
    cognito_user: str  # "deleted" | "already_gone" (an earlier erasure got that far) | "pending"
    rows_deleted: dict[str, int] | None  # None: pending
    hubspot_contact: str  # "deleted" | "pending" | "none" (no contact was ever linked)

    @property
    def pending(self) -> list[str]:
        steps = {"cognitoUser": self.cognito_user, "hubspotContact": self.hubspot_contact}
        return [name for name, state in steps.items() if state == PENDING] + (
            ["rows"] if self.rows_deleted is None else []
        )

    def as_json(self) -> dict:
        return {
            "erased": not self.pending,
            "cognitoUser": self.cognito_user,
            "rowsDeleted": self.rows_deleted or {},
            "hubspotContact": self.hubspot_contact,
            "pending": self.pending,
        }


def user_id_hash(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]


def hubspot_contact_state(request: dict) -> str:
    if request.get("hubspotContactId"):
        return PENDING
    return "deleted" if request.get("hubspotContact") == "deleted" else "none"


def erase_learner(user_id: str, erased_at: str) -> Erasure:
    """Record the erasure, then delete the Cognito user and every row; what fails stays pending for the erasure
    function. Raises StorageError only when the request itself could not be recorded (nothing was done)."""
    user = users.get_user(user_id) or {}
    request = erasures.record_request(user_id, erased_at, user.get("hubspotContactId"))
    cognito_user, rows = PENDING, None
    try:
        cognito_user = "deleted" if cognito_admin.delete_user(user_id) else "already_gone"
        rows = delete_learner_rows(user_id)
    except (cognito_admin.CognitoUnavailable, StorageError) as exc:
        failure = type(exc).__name__
    else:
        failure = None
    erasure = Erasure(cognito_user, rows, hubspot_contact_state(request))
    logger.info(
        "learner erasure requested",
        extra={
            "userIdHash": user_id_hash(user_id),
            "erasedAt": erased_at,
            "pending": erasure.pending,
            "failure": failure,
            "rows": rows,
        },
    )
    return erasure
