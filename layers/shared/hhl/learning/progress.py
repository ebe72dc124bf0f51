"""Module progress: recording started/completed events and summarising courses."""

from __future__ import annotations

from collections.abc import Iterable

from aws_lambda_powertools.metrics import MetricUnit

from hhl.learning.badges import award_for_completed_course
from hhl.learning.catalog import Course, catalog
from hhl.learning.enrollments import enroll_for_module_event
from hhl.learning.validation import COMPLETED, ProgressEvent
from hhl.observability import metrics
from hhl.storage import progress as store
from hhl.storage.progress import ModuleProgressRecord


def course_progress_view(course: Course, records: Iterable[ModuleProgressRecord]) -> dict:
    """Every module of the course (untouched ones too); items of modules no longer in the catalog are ignored."""
    by_module = {record.module_slug: record for record in records}
    modules = {}
    for slug in course.modules:
        record = by_module.get(slug)
        modules[slug] = {
            "started": record is not None and record.started,
            "startedAt": record.started_at if record else None,
            "completed": record is not None and record.completed,
            "completedAt": record.completed_at if record else None,
        }
    completed = sum(module["completed"] for module in modules.values())
    return {
        "courseSlug": course.slug,
        "modules": modules,
        "completedModules": completed,
        "totalModules": len(course.modules),
        "courseCompleted": completed == len(course.modules),
    }


def record_progress(user_id: str, progress_event: ProgressEvent, now: str) -> dict:
    """Three DynamoDB calls on the common path: PutItem (enrollment), UpdateItem (progress), Query (course).

    The writes are ordered so that a failure between any two leaves a consistent state (enrolled
    without this progress; progress whose badge a retry awards), and each is idempotent, so the
    client's retry after a 502/503 converges on the state one successful request gives.
    """
    completed = progress_event.kind == COMPLETED
    enroll_for_module_event(user_id, progress_event.course, now)
    if store.record_module_event(
        user_id, progress_event.course.slug, progress_event.module_slug, completed, progress_event.occurred_at, now
    ):
        metrics.add_metric(name="ModulesCompleted", unit=MetricUnit.Count, value=1)
    view = course_progress_view(progress_event.course, store.list_course_progress(user_id, progress_event.course.slug))
    awarded = (
        award_for_completed_course(user_id, progress_event.course, now) if completed and view["courseCompleted"] else []
    )
    return {**view, "badgesAwarded": awarded}


def course_progress(user_id: str, course: Course) -> dict:
    return course_progress_view(course, store.list_course_progress(user_id, course.slug))


def learner_progress(user_id: str) -> list[dict]:
    """Every catalog course the learner touched, from one Query per 1 MB page."""
    by_course: dict[str, list[ModuleProgressRecord]] = {}
    for record in store.list_progress(user_id):
        by_course.setdefault(record.course_slug, []).append(record)
    return [
        course_progress_view(course, records)
        for slug, records in by_course.items()
        if (course := catalog().course(slug)) is not None
    ]
