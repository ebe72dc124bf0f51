"""Badges: all modules of a course completed -> course:<slug>; all courses of a pathway -> pathway:<slug>."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from hhl.learning.catalog import COURSE, PATHWAY, Course, catalog
from hhl.observability import metrics
from hhl.storage import badges as store
from hhl.storage.badges import BadgeRecord, badge_id


def badge_view(record: BadgeRecord) -> dict | None:
    """The API's badge object, titled from the catalog; None once its course or pathway left the catalog."""
    reference = catalog().reference(record.kind, record.slug)
    return None if reference is None else {"badgeId": record.badge_id, **reference, "awardedAt": record.awarded_at}


def award_for_completed_course(user_id: str, course: Course, now: str, standing_on: dict | None = None) -> list[dict]:
    """Award the course's badge and any pathway badge it completes; returns only the new ones.

    Called whenever a completion finds the course complete, not only on a module's first completion,
    so a retry after a failure between the progress write and the badge write still awards it.
    Racing requests that both find the course complete both try, and the conditional put lets one win.
    `standing_on`: each badge is written only while that row exists (hhl.storage.badges.award_badge).
    """
    candidates = [store.award_badge(user_id, COURSE, course.slug, now, standing_on)]
    pathways = catalog().pathways_containing(course.slug)
    if pathways:
        # Course badges are the record of completed courses; the read is strongly consistent, so of two
        # requests completing a pathway's last two courses at once, at least one sees both badges.
        held = {record.badge_id for record in store.list_badges(user_id)}
        for pathway in pathways:
            complete = all(badge_id(COURSE, slug) in held for slug in pathway.courses)
            if complete and badge_id(PATHWAY, pathway.slug) not in held:
                candidates.append(store.award_badge(user_id, PATHWAY, pathway.slug, now, standing_on))
    awarded = [record for record in candidates if record is not None]
    if awarded:
        metrics.add_metric(name="BadgesAwarded", unit=MetricUnit.Count, value=len(awarded))
    return [view for record in awarded if (view := badge_view(record))]


def list_badge_views(user_id: str) -> list[dict]:
    return [view for record in store.list_badges(user_id) if (view := badge_view(record))]
