"""The learner's own account: everything stored about them (export), and erasing all of it.

Export: one JSON document in a versioned shape (docs/openapi.yaml, LearnerExport): the rows of every
learner table (hhl.storage.learner_records), grouped as a learner reads them; `crm.sends` is what the CRM
sync sent to HubSpot and when (added to version 1: a new field, nothing removed or retyped). Nothing of another learner
can appear: every read is keyed by the caller's own user id.

Erasure: the Cognito user first (no new sign-in can recreate the account), then every row in every
table, the users item last. Each step is idempotent, so a repeated or interrupted erasure just finishes
(the DELETE again, or tools/forget_learner.py by user id). A certificate goes with its row: the public
verify route then answers 404 for it, which is its revocation. One log line records the erasure by a hash
of the user id, never the email.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from hhl.auth import cognito_admin
from hhl.config import settings
from hhl.observability import logger
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


@dataclass(frozen=True)
class Erasure:
    cognito_user_deleted: bool  # False: there was none left (an earlier erasure got that far)
    rows_deleted: dict[str, int]

    def as_json(self) -> dict:
        return {
            "erased": True,
            "cognitoUser": "deleted" if self.cognito_user_deleted else "already_gone",
            "rowsDeleted": self.rows_deleted,
        }


def user_id_hash(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]


def erase_learner(user_id: str, erased_at: str) -> Erasure:
    """Delete the Cognito user and every row; raises (CognitoUnavailable, StorageError) with nothing lost:
    a retry finishes what is left."""
    try:
        cognito_deleted = cognito_admin.delete_user(user_id)
        rows = delete_learner_rows(user_id)
    except Exception as exc:
        logger.warning(
            "learner erasure incomplete",
            extra={"userIdHash": user_id_hash(user_id), "erasedAt": erased_at, "result": type(exc).__name__},
        )
        raise
    logger.info(
        "learner erased",
        extra={"userIdHash": user_id_hash(user_id), "erasedAt": erased_at, "result": "complete", "rows": rows},
    )
    return Erasure(cognito_deleted, rows)
