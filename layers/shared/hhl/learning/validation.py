"""Request bodies and path parameters of the learning API, checked before anything is written.

Written by hand rather than with a JSON Schema engine: the bodies are two small flat objects, the
checks that matter (slug in the catalog, module of that course, time window) are not expressible in
JSON Schema anyway, and an engine would add a dependency and cold-start cost to every function.
docs/openapi.yaml states the same rules, and tests check that every body rejected here is also
invalid per its schema (or breaks a catalog rule) and every accepted one is valid.

A failure is InvalidInput("Invalid request body", details={field: problem}) listing every problem
at once (a 400 at the HTTP edge); values are never echoed back (they may be huge or hostile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from hhl.learning.catalog import COURSE, PATHWAY, SLUG_MAX_LENGTH, Course, catalog, is_slug
from hhl.learning.errors import InvalidInput, NotFoundError
from hhl.timestamps import utc_timestamp

STARTED = "started"
COMPLETED = "completed"
EVENTS = (STARTED, COMPLETED)

# Where the learner clicked "enroll"; recorded for marketing. Server-side sources are set by the API only.
CLIENT_SOURCES = ("catalog", "course_page", "pathway_page")
SOURCE_NOT_GIVEN = "api"
SOURCE_PATHWAY_ENROLLMENT = "pathway_enrollment"
SOURCE_MODULE_EVENT = "module_event"

# occurredAt is when the learner did it by their clock (the site may queue events while offline).
# Later than a small clock skew is refused, and so is anything older than the offline window.
OCCURRED_AT_MAX_SKEW = timedelta(minutes=5)
OCCURRED_AT_MAX_AGE = timedelta(days=30)
OCCURRED_AT_MAX_LENGTH = 35
# RFC 3339 date-time with an explicit offset (the OpenAPI `date-time` format, upper-case separators).
# ASCII: without it \d also matches other scripts' digits.
OCCURRED_AT_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})", re.ASCII)

# Unknown field names are echoed in `details` only when they are harmless identifiers.
FIELD_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
SLUG_PROBLEM = f"must be a slug: lower-case letters and digits in hyphen-separated words, at most {SLUG_MAX_LENGTH}"


@dataclass(frozen=True)
class EnrollmentRequest:
    kind: str  # COURSE or PATHWAY
    slug: str
    source: str


@dataclass(frozen=True)
class ProgressEvent:
    course: Course
    module_slug: str
    kind: str  # STARTED or COMPLETED (the body's `event` field)
    occurred_at: str  # utc_timestamp format


class _Problems:
    """Collects per-field problems so one response names all of them."""

    def __init__(self, body: dict, allowed: tuple[str, ...]):
        self.body = body
        self.found: dict[str, str] = {}
        for name in body:
            if name not in allowed:
                self.add(name if FIELD_NAME_RE.fullmatch(name) else "(unnamed)", "unknown field")

    def add(self, field: str, problem: str) -> None:
        self.found.setdefault(field, problem)

    def string(self, field: str, required: bool = True) -> str | None:
        value = self.body.get(field)
        if value is None:
            if required or field in self.body:
                self.add(field, "is required" if field not in self.body else "must be a string")
            return None
        if not isinstance(value, str):
            self.add(field, "must be a string")
            return None
        return value

    def slug(self, field: str, required: bool = True) -> str | None:
        value = self.string(field, required)
        if value is not None and not is_slug(value):
            self.add(field, SLUG_PROBLEM)
            return None
        return value

    def raise_if_any(self) -> None:
        if self.found:
            raise InvalidInput("Invalid request body", details=self.found)


def parse_enrollment_request(body: dict) -> EnrollmentRequest:
    problems = _Problems(body, ("courseSlug", "pathwaySlug", "source"))
    course_slug = problems.slug("courseSlug", required=False)
    pathway_slug = problems.slug("pathwaySlug", required=False)
    if ("courseSlug" in body) == ("pathwaySlug" in body):
        problems.add("courseSlug", "give exactly one of courseSlug or pathwaySlug")
    source = problems.string("source", required=False)
    if source is not None and source not in CLIENT_SOURCES:
        problems.add("source", f"must be one of {', '.join(CLIENT_SOURCES)}")
    if course_slug is not None and catalog().course(course_slug) is None:
        problems.add("courseSlug", "unknown course")
    if pathway_slug is not None and catalog().pathway(pathway_slug) is None:
        problems.add("pathwaySlug", "unknown pathway")
    problems.raise_if_any()
    kind, slug = (COURSE, course_slug) if course_slug is not None else (PATHWAY, pathway_slug)
    return EnrollmentRequest(kind, slug, source or SOURCE_NOT_GIVEN)


def _occurred_at(problems: _Problems, now: datetime) -> str:
    value = problems.string("occurredAt", required=False)
    if value is None:
        return utc_timestamp(now)
    problem = "must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T09:30:00Z"
    if len(value) <= OCCURRED_AT_MAX_LENGTH and OCCURRED_AT_RE.fullmatch(value):
        try:
            # fromisoformat keeps at most microseconds; longer fractions are valid RFC 3339, so trim them.
            moment = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", value, flags=re.ASCII))
        except ValueError:
            moment = None
        if moment is not None:
            if moment > now + OCCURRED_AT_MAX_SKEW:
                problem = "must not be in the future"
            elif moment < now - OCCURRED_AT_MAX_AGE:
                problem = f"must be within the last {OCCURRED_AT_MAX_AGE.days} days"
            else:
                return utc_timestamp(moment)
    problems.add("occurredAt", problem)
    return ""


def parse_progress_event(body: dict, now: datetime) -> ProgressEvent:
    problems = _Problems(body, ("courseSlug", "moduleSlug", "event", "occurredAt"))
    course_slug = problems.slug("courseSlug")
    module_slug = problems.slug("moduleSlug")
    kind = problems.string("event")
    if kind is not None and kind not in EVENTS:
        problems.add("event", f"must be one of {', '.join(EVENTS)}")
    occurred_at = _occurred_at(problems, now)
    course = catalog().course(course_slug) if course_slug is not None else None
    if course_slug is not None and course is None:
        problems.add("courseSlug", "unknown course")
    if course is not None and module_slug is not None and not course.has_module(module_slug):
        problems.add("moduleSlug", "not a module of this course")
    elif kind == COMPLETED and _completed_by_its_tasks(module_slug):
        problems.add("event", TASKS_COMPLETE_IT)
    problems.raise_if_any()
    return ProgressEvent(course, module_slug, kind, occurred_at)


# A module with required tasks is complete when they are passed (hhl.learning.tasks), never because it was marked.
TASKS_COMPLETE_IT = "cannot be completed by hand: this module is complete when its required tasks are passed"


def _completed_by_its_tasks(module_slug: str | None) -> bool:
    module = catalog().module(module_slug) if module_slug is not None else None
    return module is not None and module.is_task_bearing


def course_from_path(slug: str) -> Course:
    """The {courseSlug} path parameter: malformed is 400, well-formed but not in the catalog is 404."""
    if not is_slug(slug):
        raise InvalidInput("Invalid course slug", details={"courseSlug": SLUG_PROBLEM})
    course = catalog().course(slug)
    if course is None:
        raise NotFoundError("Course not found")
    return course
