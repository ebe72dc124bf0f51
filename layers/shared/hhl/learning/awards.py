"""Awards follow from what is stored: the progress stream's consumer grants whatever completions earn.

A request that stored a completion and then failed (a 503 after the progress write) used to leave its
badge unawarded until the client retried. Every progress write also reaches the `awards` function
through the table's stream (at least once), which reads the learner's stored completions and grants
every badge and certificate they earn that is missing. Every grant is a conditional write, so replays,
duplicates and the completing request itself racing the stream all end in one badge and one certificate.

An erasure never gets a badge or certificate back. REMOVE records (the erasure's own deletes) award nothing.
A grant is one transaction with a ConditionCheck that the progress row its stream record names still exists
(hhl.storage.progress.still_stored), and the erasure deletes progress rows before badges and certificates
(hhl.storage.learner_records): a grant that commits before the row goes is deleted by the erasure after it,
one that comes later (a record in flight, or progress read just before the erasure) is refused (RowGone) and
the learner is left alone, not retried. Cheaper than a marker on the users row: that row is deleted last, so a
check on it would let a grant land between the badges' deletion and its own; the transaction costs only grants.

The users table's stream reaches the same function: a sign-in that stores a newly verified email signs the
learner's unsigned certificates. A users record only ever changes who the recipient is, never what was
earned, so it reads the certificates alone and stops there when every one is signed (one Query).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hhl.config import settings
from hhl.deadline import DeadlineExceeded
from hhl.learning import badges, rollup
from hhl.learning.catalog import catalog
from hhl.learning.certificates import Issuance, held_certificates, issue_earned_from
from hhl.observability import logger
from hhl.signing import credential, keys
from hhl.signing.kms import KmsError, KmsUnreachable
from hhl.storage import badges as badge_store
from hhl.storage import certificates as certificate_store
from hhl.storage import progress, users
from hhl.storage.badges import badge_id
from hhl.storage.errors import RowGone, StorageError


@dataclass(frozen=True)
class Awarded:
    badges: tuple[dict, ...]
    certificates: Issuance


def award_earned(user_id: str, now: str, standing_on: dict | None = None) -> Awarded:
    """Grant every badge and certificate the learner's stored completions earn and they lack; with `standing_on`
    (a ConditionCheck) each grant is written only while that row exists, else RowGone."""
    times = rollup.learner_module_times(user_id)
    held = {record.badge_id for record in badge_store.list_badges(user_id)}
    granted: list[dict] = []
    for course in catalog().courses.values():
        if not rollup.course_status_from(course, times).is_complete:
            continue
        pathway_missing = any(
            badge_id("pathway", pathway.slug) not in held for pathway in catalog().pathways_containing(course.slug)
        )
        if badge_id("course", course.slug) not in held or pathway_missing:
            new = badges.award_for_completed_course(user_id, course, now, standing_on)
            granted.extend(new)
            held.update(view["badgeId"] for view in new)
    issuance = issue_earned_from(user_id, times, now, standing_on)
    sign_credentials(user_id, issuance)
    return Awarded(tuple(granted), issuance)


def sign_credentials(user_id: str, issuance: Issuance) -> int:
    """Sign an Open Badges credential for each of the learner's certificates that has none; how many were signed.

    The recipient is identified by their verified email (hashed); a learner without one keeps unsigned
    certificates until a sign-in stores it (that write's users-stream record signs them). Raises KmsError or
    KmsUnreachable when KMS fails, so the stream retries.
    """
    unsigned = [record for record in issuance.held.values() if record.credential is None and not record.revoked]
    if not unsigned:
        return 0
    user = users.get_user(user_id)
    email = user.get("email") if user else None
    if not email:
        logger.info("certificates stay unsigned: the learner has no verified email", extra={"count": len(unsigned)})
        return 0
    key = keys.current_key()
    base = settings()
    signed = 0
    for record in unsigned:
        payload = credential.credential_payload(record, email, base.api_base_url, base.site_base_url)
        signed += certificate_store.store_credential(
            user_id, record.kind, record.slug, credential.sign_compact(payload, key)
        )
    return signed


def sign_held(user_id: str) -> int:
    """Sign the learner's unsigned certificates, issuing nothing; how many were signed.

    One Query when every certificate is signed (most sign-ins); the users row is read only when one is not.
    """
    return sign_credentials(user_id, held_certificates(user_id))


@dataclass
class LearnerRecords:
    sequence_numbers: list[str]  # in stream order
    module_key: str | None  # the progress row the newest record names; None when only the users row changed


def learners_in(records: Iterable[dict]) -> dict[str, LearnerRecords]:
    """userId -> its INSERT and MODIFY records (KEYS_ONLY records carry the key); REMOVE records are an
    erasure's (progress rows are never deleted otherwise) and award nothing. A users-table record's key is
    the userId alone (no moduleKey)."""
    learners: dict[str, LearnerRecords] = {}
    for record in records:
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        user_id = (keys.get("userId") or {}).get("S")
        module_key = (keys.get("moduleKey") or {}).get("S")
        if user_id and record.get("eventName") in ("INSERT", "MODIFY"):
            found = learners.setdefault(user_id, LearnerRecords([], module_key))
            found.sequence_numbers.append(record["dynamodb"]["SequenceNumber"])
            found.module_key = module_key or found.module_key
    return learners


def award_stream_records(records: list[dict], now: str) -> list[str]:
    """Award for every learner of the batch; the sequence numbers to retry (those of learners that failed).

    One learner's failure (DynamoDB unavailable, out of time) does not stop the others; the stream
    delivers that learner's records again, and awarding is idempotent.
    """
    retry: list[str] = []
    for user_id, learner in learners_in(records).items():
        try:
            if learner.module_key is None:
                signed = sign_held(user_id)
                if signed:
                    logger.info("signed certificates after the learner's email was stored", extra={"count": signed})
                continue
            awarded = award_earned(user_id, now, progress.still_stored(user_id, learner.module_key))
        except RowGone:
            logger.info("nothing awarded: the learner's progress row is gone (erased)")
            continue
        except (StorageError, DeadlineExceeded, KmsError, KmsUnreachable) as exc:
            logger.warning("awards failed for a learner; the stream retries", extra={"reason": str(exc)})
            retry.extend(learner.sequence_numbers)
            continue
        if awarded.badges or awarded.certificates.new:
            logger.info(
                "awarded from stored completions",
                extra={"badges": len(awarded.badges), "certificates": awarded.certificates.new_cert_ids},
            )
    return retry
