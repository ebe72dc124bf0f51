"""The site theme's read routes, answered from this service's records in the shapes its scripts read.

GET /enrollments/list, /progress/read and /progress/aggregate keep the original service's field names
(its HubSpot-era `mode` answers included); GET /course/status and /pathway/status are the roll-up
(hhl.learning.rollup) with catalog titles. All of them read the enrollments and progress tables that
this service's own routes write, so the two doors show the same learning. Query strings are read
only for what the route is about: the theme's `email` and `contactId` are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hhl.learning import certificates, rollup
from hhl.learning.catalog import COURSE, LAB_ATTESTATION, PATHWAY, QUIZ, Course, Pathway, catalog, is_slug
from hhl.learning.errors import InvalidInput, NotFoundError
from hhl.storage.certificates import cert_key
from hhl.storage.enrollments import EnrollmentRecord, list_enrollments
from hhl.storage.progress import ModuleProgressRecord, list_progress

ANONYMOUS_READ = {"mode": "anonymous"}
AUTHENTICATED = "authenticated"
SATISFIED = {QUIZ: "passed", LAB_ATTESTATION: "attested"}


def _catalog_enrollments(user_id: str) -> dict[tuple[str, str], EnrollmentRecord]:
    """The learner's enrollments of courses and pathways still in the catalog, by (kind, slug): one Query."""
    return {
        (record.kind, record.slug): record
        for record in list_enrollments(user_id)
        if catalog().entry(record.kind, record.slug) is not None
    }


def _enrolled_pathway_of(course_slug: str, enrolled: Mapping[tuple[str, str], EnrollmentRecord]) -> str | None:
    """The first enrolled pathway (catalog order) that contains the course: the theme lists such a course under it."""
    pathways = catalog().pathways_containing(course_slug)
    return next((p.slug for p in pathways if (PATHWAY, p.slug) in enrolled), None)


def enrollments_list(user_id: str) -> dict:
    """GET /enrollments/list: the learner's enrollments, in catalog order. One Query."""
    enrolled = _catalog_enrollments(user_id)

    def entry(kind: str, slug: str, title: str) -> dict:
        record = enrolled[(kind, slug)]
        return {"slug": slug, "title": title, "enrolled_at": record.enrolled_at, "enrollment_source": record.source}

    pathways = [entry(PATHWAY, p.slug, p.title) for p in catalog().pathways.values() if (PATHWAY, p.slug) in enrolled]
    courses = [
        {**entry(COURSE, c.slug, c.title), "pathway_slug": _enrolled_pathway_of(c.slug, enrolled)}
        for c in catalog().courses.values()
        if (COURSE, c.slug) in enrolled
    ]
    return {"mode": AUTHENTICATED, "enrollments": {"pathways": pathways, "courses": courses}}


def _module_state(module: rollup.ModuleStatus) -> dict:
    return {
        "started": module.started_at is not None,
        "started_at": module.started_at,
        "completed": module.completed_at is not None,
        "completed_at": module.completed_at,
    }


def _started_at(modules: Iterable[rollup.ModuleStatus]) -> str | None:
    return min((m.started_at for m in modules if m.started_at is not None), default=None)


def _enrollment_state(record: EnrollmentRecord | None) -> dict:
    return {
        "enrolled": record is not None,
        "enrolled_at": record.enrolled_at if record else None,
        "enrollment_source": record.source if record else None,
    }


def _course_state(status: rollup.CourseStatus, record: EnrollmentRecord | None) -> dict:
    touched = [m for m in status.modules if m.status != rollup.NOT_STARTED]
    return {
        **_enrollment_state(record),
        "started": bool(touched),
        "started_at": _started_at(touched),
        "completed": status.is_complete,
        "completed_at": status.completed_at,
        "modules": {m.slug: _module_state(m) for m in touched},
    }


def progress_read(user_id: str) -> dict:
    """GET /progress/read: the original's progress state, last_viewed and summary. Two Queries.

    Shape: each enrolled pathway at the top level with its courses the learner enrolled in or touched;
    every other such course under "courses". last_viewed is the module the learner last recorded
    progress on (page views are not stored).
    """
    enrolled = _catalog_enrollments(user_id)
    records = [r for r in list_progress(user_id) if catalog().course(r.course_slug) is not None]
    times = rollup.module_times(records)
    touched_courses = {r.course_slug for r in records} | {slug for kind, slug in enrolled if kind == COURSE}
    state: dict[str, dict] = {}
    standalone: dict[str, dict] = {}
    summary: list[str] = []
    placed: set[str] = set()
    for pathway in catalog().pathways.values():
        if (PATHWAY, pathway.slug) not in enrolled:
            continue
        status = rollup.pathway_status_from(pathway, times)
        courses = {
            c.slug: _course_state(c, enrolled.get((COURSE, c.slug)))
            for c in status.courses
            if c.slug in touched_courses
        }
        placed |= set(courses)
        state[pathway.slug] = {
            **_enrollment_state(enrolled[(PATHWAY, pathway.slug)]),
            "started": status.status != rollup.NOT_STARTED,
            "started_at": _started_at(m for c in status.courses for m in c.modules),
            "completed": status.is_complete,
            "completed_at": status.completed_at,
            "courses": courses,
        }
        summary.append(f"{pathway.slug}: {status.courses_completed}/{status.courses_total} courses")
    for course in catalog().courses.values():
        if course.slug not in touched_courses:
            continue
        status = rollup.course_status_from(course, times)
        if course.slug not in placed:
            standalone[course.slug] = _course_state(status, enrolled.get((COURSE, course.slug)))
        summary.append(f"{course.slug}: {status.modules_completed}/{status.modules_total} modules")
    if standalone:
        state["courses"] = standalone
    return {
        "mode": AUTHENTICATED,
        "progress": state,
        "updated_at": _last_update(records, enrolled.values()),
        "summary": "; ".join(summary) or None,
        "last_viewed": _last_viewed(records),
    }


def _last_update(records: list[ModuleProgressRecord], enrollments: Iterable[EnrollmentRecord]) -> str | None:
    moments = [r.updated_at for r in records] + [e.enrolled_at for e in enrollments]
    return max(moments)[:10] if moments else None  # the original's YYYY-MM-DD


def _last_viewed(records: list[ModuleProgressRecord]) -> dict:
    latest = max(records, key=lambda r: r.updated_at, default=None)
    if latest is None:
        return {"type": None, "slug": None, "at": None}
    return {"type": "module", "slug": latest.module_slug, "at": latest.updated_at}


def _query_problems(query: Mapping[str, str]) -> dict[str, str]:
    problems = {}
    if query.get("type") not in (COURSE, PATHWAY):
        problems["type"] = "must be course or pathway"
    slug = query.get("slug")
    if not slug or len(slug) > 200:
        problems["slug"] = "is required: 1 to 200 characters"
    return problems


def check_aggregate_query(query: Mapping[str, str]) -> None:
    """400 for a query no learner could ask (checked before the anonymous answer too)."""
    problems = _query_problems(query)
    if problems:
        raise InvalidInput("Invalid query parameters", details=problems)


def progress_aggregate(user_id: str, query: Mapping[str, str]) -> dict:
    """GET /progress/aggregate?type=course|pathway&slug=: started and completed counts. Two Queries.

    A course counts its modules, a pathway its courses (as the original did); `total` is their number.
    """
    check_aggregate_query(query)
    kind, slug = query["type"], query["slug"]
    entry = catalog().entry(kind, slug) if is_slug(slug) else None
    if entry is None:
        raise NotFoundError(f"{kind} not found")
    times = rollup.learner_module_times(user_id)
    enrolled = _catalog_enrollments(user_id).get((kind, slug))
    if kind == COURSE:
        parts = rollup.course_status_from(entry, times).modules
    else:
        parts = rollup.pathway_status_from(entry, times).courses
    return {
        "mode": AUTHENTICATED,
        "started": sum(part.status != rollup.NOT_STARTED for part in parts),
        "completed": sum(part.status == rollup.COMPLETE for part in parts),
        "total": len(parts),
        "enrolled": enrolled is not None,
        "enrolled_at": enrolled.enrolled_at if enrolled else None,
    }


def _required(query: Mapping[str, str], name: str, kind: str) -> Course | Pathway:
    """The course or pathway the query names: 400 with the theme's messages when missing or unknown."""
    slug = query.get(name)
    if not slug:
        raise InvalidInput(f"{name} query parameter is required")
    entry = catalog().entry(kind, slug) if is_slug(slug) else None
    if entry is None:
        raise InvalidInput(f"{kind} not found")
    return entry


def _tasks_view(module: rollup.ModuleStatus) -> dict:
    """What the roll-up knows of a module's tasks: a complete module satisfied every required one."""
    if module.status != rollup.COMPLETE or not module.has_required_tasks:
        return {}
    required = catalog().module(module.slug).required_tasks
    return {task.slug: {"status": SATISFIED[task.type]} for task in required}


def _module_view(module: rollup.ModuleStatus) -> dict:
    return {
        "module_slug": module.slug,
        "module_title": module.title,
        "module_status": module.status,
        "has_required_tasks": module.has_required_tasks,
        "tasks": _tasks_view(module),
    }


def _certificate_ids(user_id: str) -> dict[str, str]:
    """The learner's certificate ids by cert key (revoked ones are not shown): one Query."""
    held = certificates.held_certificates(user_id).held
    return {key: record.cert_id for key, record in held.items() if not record.revoked}


def _course_summary(status: rollup.CourseStatus, cert_ids: Mapping[str, str]) -> dict:
    return {
        "course_slug": status.slug,
        "course_title": status.title,
        "course_status": status.status,
        "modules_completed": status.modules_completed,
        "modules_total": status.modules_total,
        "course_cert_id": cert_ids.get(cert_key(COURSE, status.slug)),
    }


def course_status(user_id: str, query: Mapping[str, str]) -> dict:
    """GET /course/status?course_slug=: the course roll-up with each module. Two Queries (progress, certificates)."""
    status = rollup.course_status(user_id, _required(query, "course_slug", COURSE))
    summary = _course_summary(status, _certificate_ids(user_id))
    return {**summary, "modules": [_module_view(m) for m in status.modules]}


def pathway_status(user_id: str, query: Mapping[str, str]) -> dict:
    """GET /pathway/status?pathway_slug=: the pathway roll-up with each course. Two Queries (progress, certificates)."""
    status = rollup.pathway_status(user_id, _required(query, "pathway_slug", PATHWAY))
    cert_ids = _certificate_ids(user_id)
    return {
        "pathway_slug": status.slug,
        "pathway_title": status.title,
        "pathway_status": status.status,
        "courses_completed": status.courses_completed,
        "courses_total": status.courses_total,
        "courses": [_course_summary(c, cert_ids) for c in status.courses],
        "pathway_cert_id": cert_ids.get(cert_key(PATHWAY, status.slug)),
    }
