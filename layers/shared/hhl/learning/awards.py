"""Awards follow from what is stored: the progress stream's consumer grants whatever completions earn.

A request that stored a completion and then failed (a 503 after the progress write) used to leave its
badge unawarded until the client retried. Every progress write also reaches the `awards` function
through the table's stream (at least once), which reads the learner's stored completions and grants
every badge and certificate they earn that is missing. Every grant is a conditional write, so replays,
duplicates and the completing request itself racing the stream all end in one badge and one certificate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hhl.deadline import DeadlineExceeded
from hhl.learning import badges, rollup
from hhl.learning.catalog import catalog
from hhl.learning.certificates import Issuance, issue_earned_from
from hhl.observability import logger
from hhl.storage import badges as badge_store
from hhl.storage.badges import badge_id
from hhl.storage.errors import StorageError


@dataclass(frozen=True)
class Awarded:
    badges: tuple[dict, ...]
    certificates: Issuance


def award_earned(user_id: str, now: str) -> Awarded:
    """Grant every badge and certificate the learner's stored completions earn and they lack."""
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
            new = badges.award_for_completed_course(user_id, course, now)
            granted.extend(new)
            held.update(view["badgeId"] for view in new)
    return Awarded(tuple(granted), issue_earned_from(user_id, times, now))


def learners_in(records: Iterable[dict]) -> dict[str, list[str]]:
    """userId -> the sequence numbers of its records, in stream order (KEYS_ONLY records carry the key)."""
    learners: dict[str, list[str]] = {}
    for record in records:
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        user_id = (keys.get("userId") or {}).get("S")
        if user_id and record.get("eventName") in ("INSERT", "MODIFY"):
            learners.setdefault(user_id, []).append(record["dynamodb"]["SequenceNumber"])
    return learners


def award_stream_records(records: list[dict], now: str) -> list[str]:
    """Award for every learner of the batch; the sequence numbers to retry (those of learners that failed).

    One learner's failure (DynamoDB unavailable, out of time) does not stop the others; the stream
    delivers that learner's records again, and awarding is idempotent.
    """
    retry: list[str] = []
    for user_id, sequence_numbers in learners_in(records).items():
        try:
            awarded = award_earned(user_id, now)
        except (StorageError, DeadlineExceeded) as exc:
            logger.warning("awards failed for a learner; the stream retries", extra={"reason": str(exc)})
            retry.extend(sequence_numbers)
            continue
        if awarded.badges or awarded.certificates.new:
            logger.info(
                "awarded from stored completions",
                extra={"badges": len(awarded.badges), "certificates": awarded.certificates.new_cert_ids},
            )
    return retry
