"""Finishing an erasure: what DELETE /auth/me recorded (hhl.storage.erasures) and could not do at once.

Driven by the erasures table's stream (functions/erasure) and by `make forget-learner`. For a pending
request it deletes the Cognito user, every row of the learner, the learner's HubSpot contact through
HubSpot's GDPR delete (by the contact id the users row named; the client retries 429/5xx with backoff),
then, once no session trusted before the request can still write, the rows a last time, and marks the
request complete. Every step is idempotent: a failure leaves the request pending, and the stream delivers
it again until its retries run out and the dead-letter queue and its alarm take over (docs/runbook.md#erasure).

Why the last sweep waits: a container trusts a session's standing for up to 30 s after reading it
(hhl.auth.revocation), and a request it accepted may write until the API functions' timeout, so a write
of another device of the learner can land up to SETTLE_SECONDS after the request was recorded.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from hhl.auth import cognito_admin
from hhl.config import local_seconds
from hhl.crm.hubspot import HubSpotClient, HubSpotError, client
from hhl.deadline import DeadlineExceeded, allows_wait
from hhl.learning.account import user_id_hash
from hhl.observability import logger
from hhl.storage import erasures
from hhl.storage.errors import StorageError
from hhl.storage.learner_records import delete_learner_rows
from hhl.timestamps import parse_utc_timestamp, utc_now, utc_timestamp

# hhl.auth.revocation.RECHECK_SECONDS and template.yaml's Globals Timeout, which every API function runs on; not
# imported, so this function's policy needs no session-check grants (tests/unit/crm/test_erasure.py ties them).
REVOCATION_WINDOW_SECONDS = 30
API_FUNCTION_TIMEOUT_SECONDS = 10
CLOCK_MARGIN_SECONDS = 5
SETTLE_SECONDS = REVOCATION_WINDOW_SECONDS + API_FUNCTION_TIMEOUT_SECONDS + CLOCK_MARGIN_SECONDS
# Kept for the last sweep itself (one Query and deletes per table) after the wait.
LAST_SWEEP_SECONDS = 5.0
# Tests may shorten the wait on the local stack only (never below what they write in it).
LOCAL_SETTLE_VARIABLE = "HHL_ERASURE_SETTLE_SECONDS"


class ErasureSettling(Exception):
    """The last sweep must wait longer than this invocation has left: the stream delivers the request again."""


RETRYABLE = (cognito_admin.CognitoUnavailable, StorageError, HubSpotError, DeadlineExceeded, ErasureSettling)


def settle_seconds() -> int:
    return local_seconds(LOCAL_SETTLE_VARIABLE, SETTLE_SECONDS)


def wait_until_settled(requested_at: str, deadline: float | None) -> None:
    """Return once no write of a session trusted before `requested_at` can still land (sleeping until then);
    ErasureSettling, at once, if `deadline` (time.monotonic()) leaves too little time to wait and sweep."""
    wait = parse_utc_timestamp(requested_at).timestamp() + settle_seconds() - time.time()
    if wait <= 0:
        return
    if not allows_wait(wait + LAST_SWEEP_SECONDS, deadline):
        raise ErasureSettling(f"the last sweep is due in {wait:.1f} s, after this invocation ends")
    logger.info("learner erasure waits out the revocation window", extra={"seconds": round(wait, 1)})
    time.sleep(wait)


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
    wait_until_settled(request["requestedAt"], deadline)
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
