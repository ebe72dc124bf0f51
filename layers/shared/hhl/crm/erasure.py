"""Finishing an erasure: what DELETE /auth/me recorded (hhl.storage.erasures) and could not do at once.

Driven by the erasures table's stream (functions/erasure) and by `make forget-learner`. For a pending
request it deletes the Cognito user, every row of the learner, the learner's HubSpot contact through
HubSpot's GDPR delete (by the contact id the users row named; the client retries 429/5xx with backoff),
then the rows once more (a write in flight during the erasure, such as a CRM sync storing a contact id,
may have added one), and marks the request complete. Every step is idempotent: a failure leaves the
request pending, and the stream delivers it again until its retries run out and the dead-letter queue
and its alarm take over (docs/runbook.md#erasure).
"""

from __future__ import annotations

from collections.abc import Mapping

from hhl.auth import cognito_admin
from hhl.crm.hubspot import HubSpotClient, HubSpotError, client
from hhl.deadline import DeadlineExceeded
from hhl.learning.account import user_id_hash
from hhl.observability import logger
from hhl.storage import erasures
from hhl.storage.errors import StorageError
from hhl.storage.learner_records import delete_learner_rows
from hhl.timestamps import utc_now, utc_timestamp

RETRYABLE = (cognito_admin.CognitoUnavailable, StorageError, HubSpotError, DeadlineExceeded)


def finish_erasure(learner_id: str, hubspot: HubSpotClient | None = None, deadline: float | None = None) -> str:
    """Carry out what is left of the learner's erasure: "complete", or "none" when nothing was pending.

    Raises one of RETRYABLE, leaving the request pending, when a step failed.
    """
    request = erasures.get_request(learner_id)
    if request is None or request.get("status") != erasures.PENDING:
        return "none"
    cognito_admin.delete_user(learner_id)
    delete_learner_rows(learner_id)
    contact_id = request.get("hubspotContactId")
    contact_found = None
    if contact_id:
        contact_found = (hubspot or client()).gdpr_delete_contact(contact_id, deadline)
    delete_learner_rows(learner_id)
    erasures.mark_complete(learner_id, utc_timestamp(utc_now()), hubspot_contact_deleted=bool(contact_id))
    logger.info(
        "learner erasure complete",
        extra={
            "userIdHash": user_id_hash(learner_id),
            "hubspotContact": "none" if contact_id is None else ("deleted" if contact_found else "already_gone"),
        },
    )
    return "complete"


def stream_record_learner_id(record: Mapping) -> str | None:
    return ((record.get("dynamodb") or {}).get("Keys") or {}).get("learnerId", {}).get("S")


def finish_stream_records(records: list[Mapping], deadline: float | None = None) -> list[str]:
    """Finish the erasure each record names; the sequence numbers to retry (those whose erasure failed).

    A REMOVE (the TTL dropping a finished request) needs nothing.
    """
    retry: list[str] = []
    for record in records:
        learner_id = stream_record_learner_id(record)
        if record.get("eventName") == "REMOVE" or learner_id is None:
            continue
        try:
            finish_erasure(learner_id, deadline=deadline)
        except RETRYABLE as exc:
            logger.warning(
                "learner erasure still pending; the stream retries",
                extra={"userIdHash": user_id_hash(learner_id), "failure": type(exc).__name__, "reason": str(exc)},
            )
            retry.append(record["dynamodb"]["SequenceNumber"])
    return retry
