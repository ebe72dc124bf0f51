"""Enrolling learners in courses and pathways, listing and removing enrollments."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from hhl.learning.catalog import COURSE, PATHWAY, Course, catalog
from hhl.learning.validation import SOURCE_MODULE_EVENT, SOURCE_PATHWAY_ENROLLMENT, EnrollmentRequest
from hhl.observability import metrics
from hhl.storage import enrollments as store
from hhl.storage.enrollments import EnrollmentRecord


@dataclass(frozen=True)
class EnrollmentOutcome:
    body: dict
    created: bool


def enrollment_view(record: EnrollmentRecord) -> dict | None:
    """The API's enrollment object; None for a course or pathway no longer in the catalog."""
    reference = catalog().reference(record.kind, record.slug)
    return None if reference is None else {**reference, "source": record.source, "enrolledAt": record.enrolled_at}


def _create(user_id: str, kind: str, slug: str, source: str, now: str) -> tuple[EnrollmentRecord, bool]:
    record, created = store.create_enrollment(user_id, kind, slug, source, now)
    if created:
        metrics.add_metric(name="Enrollments", unit=MetricUnit.Count, value=1)
    return record, created


def enroll(user_id: str, request: EnrollmentRequest, now: str) -> EnrollmentOutcome:
    """Enroll once (201 new, 200 existing). A pathway enrolls its courses too, and they go first:
    an existing pathway enrollment then always means its courses were enrolled, even if a previous
    attempt failed midway and the learner retried."""
    if request.kind == COURSE:
        record, created = _create(user_id, COURSE, request.slug, request.source, now)
        return EnrollmentOutcome(enrollment_view(record), created)
    pathway = catalog().pathway(request.slug)
    courses = [_create(user_id, COURSE, slug, SOURCE_PATHWAY_ENROLLMENT, now)[0] for slug in pathway.courses]
    record, created = _create(user_id, PATHWAY, pathway.slug, request.source, now)
    return EnrollmentOutcome({**enrollment_view(record), "courses": [enrollment_view(c) for c in courses]}, created)


def enroll_for_module_event(user_id: str, course: Course, now: str) -> None:
    """Progress on a course the learner is not enrolled in enrolls them (one conditional PutItem)."""
    _create(user_id, COURSE, course.slug, SOURCE_MODULE_EVENT, now)


def list_enrollment_views(user_id: str) -> list[dict]:
    return [view for record in store.list_enrollments(user_id) if (view := enrollment_view(record))]


def unenroll_course(user_id: str, course: Course) -> None:
    """Afterwards the learner is not enrolled, whether they were or not: a leave repeated after one whose
    answer was lost (a 5xx, a timeout) succeeds instead of contradicting the learner's intent. Progress and
    badges stay: they record what the learner did, not what they signed up for."""
    store.delete_enrollment(user_id, COURSE, course.slug)
