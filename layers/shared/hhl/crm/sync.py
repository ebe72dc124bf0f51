"""The CRM sync: push learners' current state to HubSpot, keyed by email.

It syncs state, not deltas. A stream record only says *which* learner changed (the streams are
KEYS_ONLY); the learner's summary is recomputed from the tables and upserted whole, so a replayed,
duplicated or out-of-order record is harmless, and a resync is the same operation for any learner.

An erased learner is never pushed: right before each upsert (every round), one BatchGetItem of the
erasures table drops the learners with an erasure request, pending or complete. DELETE /auth/me records
the request before it deletes anything, so a state read before the erasure (or a re-read that found the
rows half deleted) is not pushed after the contact's GDPR delete, where it would re-create the contact.
What is left: an upsert already under way when the erasure is recorded may land after the GDPR delete
if HubSpot's retries outlast the erasure (docs/crm-sync.md).

Each confirmed send is recorded on the learner's record (hhl.storage.crm_sends), which their export shows.

One race remains with state syncs running concurrently (three streams, reserved concurrency 2):
sync A reads a learner, a new write lands, sync B reads and pushes the newer state, and then A's
slower push (say, after 429 backoff) lands last with the older state. So after pushing, each
learner's state is read again; if it moved on, it is pushed again (bounded rounds). Whichever sync
finishes last has then checked the table after its own push, so HubSpot ends on the latest state.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hhl.crm.hubspot import HubSpotClient, client, normalize_email
from hhl.crm.summary import contact_properties
from hhl.learning.summary import learner_summary
from hhl.observability import logger
from hhl.storage import crm_sends, erasures, users
from hhl.storage.errors import StorageError
from hhl.timestamps import utc_now, utc_timestamp

MAX_ROUNDS = 3
READ_WORKERS = 8  # DynamoDB reads per learner are independent; a batch of 100 learners reads in parallel


@dataclass(frozen=True)
class LearnerState:
    user_id: str
    email: str  # lower-cased
    stored_contact_id: str | None
    properties: dict[str, str]


@dataclass
class SyncReport:
    synced: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)  # worth retrying: HubSpot or DynamoDB failed
    # no user row or no email (nothing to key a contact on), or an erasure was requested (never pushed again)
    skipped: set[str] = field(default_factory=set)
    daily_limit_reached: bool = False


def read_state(user_id: str) -> LearnerState | None:
    """The learner's email, stored contact id and contact properties; None without a user row or email."""
    user = users.get_user(user_id)
    email = (user or {}).get("email")
    if not email:
        return None
    properties = contact_properties(learner_summary(user_id))
    return LearnerState(user_id, normalize_email(email), user.get("hubspotContactId"), properties)


def read_states(user_ids: Iterable[str], report: SyncReport) -> list[LearnerState]:
    """The state of each learner, read in parallel; those failed or skipped are on the report instead."""

    def read(user_id: str) -> LearnerState | None:
        try:
            state = read_state(user_id)
        except StorageError:  # DynamoDB failed; storage already logged the cause
            report.failed.add(user_id)
            return None
        if state is None:
            logger.warning("learner not synced: no user record or email", extra={"user_id": user_id})
            report.skipped.add(user_id)
        return state

    ids = sorted(set(user_ids))
    if len(ids) <= 1:
        states = [read(user_id) for user_id in ids]
    else:
        with ThreadPoolExecutor(max_workers=min(READ_WORKERS, len(ids))) as pool:
            states = list(pool.map(read, ids))
    return [state for state in states if state is not None]


def _not_erased(states: list[LearnerState], report: SyncReport) -> list[LearnerState]:
    """The states whose learner has no erasure request; the others are skipped (or failed: retry, if unknown)."""
    if not states:
        return []
    try:
        erased = erasures.erased_among(state.user_id for state in states)
    except StorageError:  # cannot tell who is erased: push nobody, let the batch be retried
        report.failed |= {state.user_id for state in states}
        return []
    for user_id in sorted(erased):
        logger.info("learner not synced: erasure requested", extra={"user_id": user_id})
    report.skipped |= erased
    return [state for state in states if state.user_id not in erased]


def push_states(
    states: list[LearnerState], hubspot: HubSpotClient, deadline: float | None, report: SyncReport
) -> list[LearnerState]:
    """Upsert the states of learners not being erased; returns those HubSpot confirmed (contact id, send stored)."""
    states = _not_erased(states, report)
    if not states:
        return []
    # Two users with one email would be one contact; the last state read wins (Cognito keeps emails unique).
    outcome = hubspot.upsert_contacts({state.email: state.properties for state in states}, deadline)
    sent_at = utc_timestamp(utc_now())
    report.daily_limit_reached |= outcome.daily_limit_reached
    pushed = []
    for state in states:
        contact_id = outcome.contact_ids.get(state.email)
        if contact_id is None:
            logger.warning(
                "learner not synced", extra={"user_id": state.user_id, "reason": outcome.failed.get(state.email)}
            )
            report.failed.add(state.user_id)
            continue
        if contact_id != state.stored_contact_id:
            try:
                users.set_hubspot_contact_id(state.user_id, contact_id)
            except StorageError:
                report.failed.add(state.user_id)
                continue
        try:
            recorded = crm_sends.record_send(state.user_id, sent_at, state.properties)
        except StorageError:  # the send is not on the learner's record yet: the retry sends and records it
            report.failed.add(state.user_id)
            continue
        if not recorded:  # the learner was erased meanwhile
            report.skipped.add(state.user_id)
            continue
        pushed.append(state)
    return pushed


def sync_learners(
    user_ids: Iterable[str], hubspot: HubSpotClient | None = None, deadline: float | None = None
) -> SyncReport:
    """Push each learner's current state to HubSpot. `deadline` is a time.monotonic() value."""
    hubspot = hubspot or client()
    report = SyncReport()
    pending = set(user_ids)
    for _ in range(MAX_ROUNDS):
        states = read_states(pending, report)
        pushed = {state.user_id: state for state in push_states(states, hubspot, deadline, report)}
        if not pushed or (deadline is not None and time.monotonic() >= deadline):
            pending = set(pushed)  # cannot confirm them in time: let them be retried
            break
        moved = {s.user_id for s in read_states(pushed, report) if s.properties != pushed[s.user_id].properties}
        report.synced |= pushed.keys() - moved - report.failed
        pending = moved
        if not pending:
            break
    report.failed |= pending - report.synced
    return report


def stream_record_user_id(record: Mapping) -> str | None:
    """The learner a DynamoDB stream record is about (userId is the partition key of every learning table)."""
    return ((record.get("dynamodb") or {}).get("Keys") or {}).get("userId", {}).get("S")


def sync_stream_records(records: list[Mapping], deadline: float | None = None) -> tuple[SyncReport, list[str]]:
    """Sync the learners a batch of stream records names; returns the report and the sequence numbers to retry."""
    user_ids = {stream_record_user_id(record) for record in records}
    if None in user_ids:
        logger.warning("stream records without a userId key ignored")
        user_ids.discard(None)
    report = sync_learners(user_ids, deadline=deadline)
    retry = [
        record["dynamodb"]["SequenceNumber"] for record in records if stream_record_user_id(record) in report.failed
    ]
    return report, retry
