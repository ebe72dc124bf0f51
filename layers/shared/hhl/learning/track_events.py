"""The site theme's POST /events/track: its learning events, recorded in this service's own tables.

The theme's action runner enrolls learners and marks modules started or complete through one event
route; every event lands in the records GET /enrollments and GET /progress read (the enrollments and
progress code is reused, not copied), and an answer says "persisted" only when a record holds it:

- pathway / course enrolled: the enrollment (a pathway enrolls its courses, as POST /enrollments does);
- module started / completed: the module's progress row under its course. Course context is used when
  it names a course that contains the module; otherwise the module is recorded under every catalog
  course that contains it (exactly one for most), narrowed to a given pathway's courses. A module with
  required tasks is completed by passing them, never by this event (409, the start stays recorded);
- course / pathway completed (no theme script sends them): a claim checked against the roll-up, "persisted"
  when the stored progress already completes it, else 400;
- page viewed: nothing is stored (a reading history is not kept) and the answer says "logged".

The theme's identity fields (contactIdentifier, email, contactId) are never read: the learner is the
session's. Its `ts` is not trusted either: events are dated by the server's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hhl.learning import enrollments, progress, rollup
from hhl.learning.catalog import COURSE, PATHWAY, Course, catalog, is_slug
from hhl.learning.errors import Conflict, InvalidInput
from hhl.learning.validation import (
    CLIENT_SOURCES,
    COMPLETED,
    SLUG_PROBLEM,
    STARTED,
    EnrollmentRequest,
    ProgressEvent,
)

MODULE_STARTED = "learning_module_started"
MODULE_COMPLETED = "learning_module_completed"
PATHWAY_ENROLLED = "learning_pathway_enrolled"
COURSE_ENROLLED = "learning_course_enrolled"
COURSE_COMPLETED = "learning_course_completed"
PATHWAY_COMPLETED = "learning_pathway_completed"
PAGE_VIEWED = "learning_page_viewed"
EVENT_NAMES = (
    MODULE_STARTED,
    MODULE_COMPLETED,
    PATHWAY_ENROLLED,
    COURSE_ENROLLED,
    COURSE_COMPLETED,
    PATHWAY_COMPLETED,
    PAGE_VIEWED,
)
PAGE_TYPES = ("module", "course", "pathway")
# The theme's enrollment_source is kept when it is one of this service's sources, else "action_runner".
SOURCE_ACTION_RUNNER = "action_runner"
MAX_BODY_BYTES = 10_000  # the theme's own limit for an event
MAX_SOURCE_LENGTH = 1000

PERSISTED = {"status": "persisted", "mode": "authenticated"}
LOGGED = {"status": "logged", "mode": "authenticated"}
ANONYMOUS = {"status": "logged", "mode": "anonymous"}


class CompletedByTasks(Conflict):
    """Only passing its required tasks completes this module."""


@dataclass(frozen=True)
class TrackEvent:
    name: str
    pathway_slug: str | None
    course_slug: str | None
    module_slug: str | None
    source: str


def _text(problems: dict[str, str], field: str, value: object, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        problems.setdefault(field, f"must be a string of at most {max_length} characters")
        return None
    return value or None


def _slug(problems: dict[str, str], field: str, value: object) -> str | None:
    text = _text(problems, field, value, 200)
    if text is not None and not is_slug(text):
        problems.setdefault(field, SLUG_PROBLEM)
        return None
    return text


def parse_track_event(body: Mapping) -> TrackEvent:
    """The event, or a 400 naming every problem. Slugs are read at the top level first, then in payload."""
    problems: dict[str, str] = {}
    name = body.get("eventName")
    if name not in EVENT_NAMES:
        problems["eventName"] = f"must be one of {', '.join(EVENT_NAMES)}"
    payload = body.get("payload")
    if payload is None:
        payload = {}
    elif not isinstance(payload, dict):
        problems["payload"] = "must be an object"
        payload = {}
    source = _text(problems, "enrollment_source", body.get("enrollment_source"), MAX_SOURCE_LENGTH)

    def slug(field: str, required: bool) -> str | None:
        top, nested = body.get(field), payload.get(field)
        value = _slug(problems, field, top if top is not None else nested)
        if required and value is None:
            problems.setdefault(field, "is required for this event")
        return value

    pathway_slug = slug("pathway_slug", name in (PATHWAY_ENROLLED, PATHWAY_COMPLETED))
    course_slug = slug("course_slug", name in (COURSE_ENROLLED, COURSE_COMPLETED))
    module_slug = slug("module_slug", name in (MODULE_STARTED, MODULE_COMPLETED))
    if name == PAGE_VIEWED:
        if payload.get("content_type") not in PAGE_TYPES:
            problems["payload.content_type"] = f"must be one of {', '.join(PAGE_TYPES)}"
        page = payload.get("slug")
        if not is_slug(page):
            problems["payload.slug"] = SLUG_PROBLEM if page is not None else "is required for this event"
    _check_catalog(problems, name, pathway_slug, course_slug, module_slug)
    if problems:
        raise InvalidInput("Invalid track event", details=problems)
    return TrackEvent(name, pathway_slug, course_slug, module_slug, source if source in CLIENT_SOURCES else "")


def _check_catalog(problems: dict, name: str, pathway: str | None, course: str | None, module: str | None) -> None:
    if name in (PATHWAY_ENROLLED, PATHWAY_COMPLETED) and pathway and catalog().pathway(pathway) is None:
        problems.setdefault("pathway_slug", "unknown pathway")
    if name in (COURSE_ENROLLED, COURSE_COMPLETED) and course and catalog().course(course) is None:
        problems.setdefault("course_slug", "unknown course")
    if name in (MODULE_STARTED, MODULE_COMPLETED) and module and not catalog().courses_containing(module):
        problems.setdefault("module_slug", "not a module of any course")


def courses_for_module_event(event: TrackEvent) -> tuple[Course, ...]:
    """The courses a module event is recorded under (see the module docstring): never empty."""
    containing = catalog().courses_containing(event.module_slug)
    given = catalog().course(event.course_slug) if event.course_slug else None
    if given is not None and given in containing:
        return (given,)
    pathway = catalog().pathway(event.pathway_slug) if event.pathway_slug else None
    in_pathway = tuple(course for course in containing if pathway is not None and course.slug in pathway.courses)
    return in_pathway or containing


def record_track_event(user_id: str, event: TrackEvent, now: str) -> dict:
    """Apply one event for the signed-in learner; the answer the theme's scripts read."""
    if event.name == PATHWAY_ENROLLED:
        enrollments.enroll(user_id, EnrollmentRequest(PATHWAY, event.pathway_slug, _source(event)), now)
        return PERSISTED
    if event.name == COURSE_ENROLLED:
        enrollments.enroll(user_id, EnrollmentRequest(COURSE, event.course_slug, _source(event)), now)
        return PERSISTED
    if event.name in (MODULE_STARTED, MODULE_COMPLETED):
        return _record_module_event(user_id, event, now)
    if event.name == COURSE_COMPLETED:
        _confirm_claim(rollup.course_status(user_id, catalog().course(event.course_slug)), "Course")
        return PERSISTED
    if event.name == PATHWAY_COMPLETED:
        _confirm_claim(rollup.pathway_status(user_id, catalog().pathway(event.pathway_slug)), "Pathway")
        return PERSISTED
    return LOGGED  # PAGE_VIEWED


def _source(event: TrackEvent) -> str:
    return event.source or SOURCE_ACTION_RUNNER


def _record_module_event(user_id: str, event: TrackEvent, now: str) -> dict:
    courses = courses_for_module_event(event)
    completing = event.name == MODULE_COMPLETED
    if completing and rollup.module_has_required_tasks(event.module_slug):
        for course in courses:
            progress.record_progress(user_id, ProgressEvent(course, event.module_slug, STARTED, now), now)
        raise CompletedByTasks(
            "This module is completed by passing its required tasks (quiz or lab), not by marking it complete",
            details={"module_slug": event.module_slug},
        )
    kind = COMPLETED if completing else STARTED
    for course in courses:
        progress.record_progress(user_id, ProgressEvent(course, event.module_slug, kind, now), now)
    return {**PERSISTED, "course_slugs": [course.slug for course in courses]}


def _confirm_claim(status: rollup.CourseStatus | rollup.PathwayStatus, kind: str) -> None:
    if not status.is_complete:
        reason = "not every module is complete" if kind == "Course" else "not every course is complete"
        raise InvalidInput(f"{kind} completion claim rejected: {reason}", details={f"{kind.lower()}_slug": status.slug})
