"""Course and pathway status: what a learner has completed, rolled up from the progress table and the catalog.

The one rule the status routes, badges and certificates share. A module is complete when a progress row
of it has completedAt (written by "mark complete" for a module without required tasks, by passing every
required task for one with them) and started when one has startedAt; a module shared by several courses
counts in each of them whichever course its row was recorded under. Titles and required tasks are the
catalog's (Module.is_task_bearing). A course is complete when every one
of its modules is (a module without tasks counts too: it is complete when marked, so a course without
task-bearing modules can complete), a pathway when every one of its courses is. Nothing else is read:
no task tables, so the answer costs one Query per learner, however many modules a course has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hhl.learning.catalog import Course, Pathway, catalog, title_from_slug
from hhl.storage import progress as store
from hhl.storage.progress import ModuleProgressRecord

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETE = "complete"


@dataclass(frozen=True)
class ModuleStatus:
    slug: str
    title: str
    has_required_tasks: bool
    status: str  # NOT_STARTED, IN_PROGRESS or COMPLETE
    started_at: str | None
    completed_at: str | None


@dataclass(frozen=True)
class CourseStatus:
    slug: str
    title: str
    status: str
    modules: tuple[ModuleStatus, ...]  # in the course's order
    completed_at: str | None  # when its last module was completed, once the course is complete

    @property
    def modules_total(self) -> int:
        return len(self.modules)

    @property
    def modules_completed(self) -> int:
        return sum(module.status == COMPLETE for module in self.modules)

    @property
    def is_complete(self) -> bool:
        return self.status == COMPLETE


@dataclass(frozen=True)
class PathwayStatus:
    slug: str
    title: str
    status: str
    courses: tuple[CourseStatus, ...]  # in the pathway's order
    completed_at: str | None  # when its last course was completed, once the pathway is complete

    @property
    def courses_total(self) -> int:
        return len(self.courses)

    @property
    def courses_completed(self) -> int:
        return sum(course.is_complete for course in self.courses)

    @property
    def is_complete(self) -> bool:
        return self.status == COMPLETE


@dataclass(frozen=True)
class _ModuleTimes:
    started_at: str | None
    completed_at: str | None


def _earliest(first: str | None, second: str | None) -> str | None:
    # Timestamps share one fixed-width UTC format (utc_timestamp), so string order is time order.
    return min(value for value in (first, second) if value is not None) if first or second else None


def module_times(records: Iterable[ModuleProgressRecord]) -> dict[str, _ModuleTimes]:
    """Per module slug, the earliest start and completion over every course the module was recorded under."""
    times: dict[str, _ModuleTimes] = {}
    for record in records:
        seen = times.get(record.module_slug, _ModuleTimes(None, None))
        times[record.module_slug] = _ModuleTimes(
            _earliest(seen.started_at, record.started_at), _earliest(seen.completed_at, record.completed_at)
        )
    return times


def module_has_required_tasks(slug: str) -> bool:
    module = catalog().module(slug)
    return module is not None and module.is_task_bearing


def _status(started: bool, completed: bool) -> str:
    return COMPLETE if completed else IN_PROGRESS if started else NOT_STARTED


def _module_status(slug: str, times: Mapping[str, _ModuleTimes]) -> ModuleStatus:
    module = catalog().module(slug)
    title = module.title if module is not None else title_from_slug(slug)
    task_bearing = module_has_required_tasks(slug)
    recorded = times.get(slug, _ModuleTimes(None, None))
    status = _status(recorded.started_at is not None, recorded.completed_at is not None)
    return ModuleStatus(slug, title, task_bearing, status, recorded.started_at, recorded.completed_at)


def _roll_up(parts: tuple[ModuleStatus, ...] | tuple[CourseStatus, ...]) -> tuple[str, str | None]:
    """(status, completed_at) of a whole made of `parts`: complete when all are, started when any is."""
    if parts and all(part.status == COMPLETE for part in parts):
        return COMPLETE, max(part.completed_at for part in parts)
    return (IN_PROGRESS if any(part.status != NOT_STARTED for part in parts) else NOT_STARTED), None


def course_status_from(course: Course, times: Mapping[str, _ModuleTimes]) -> CourseStatus:
    modules = tuple(_module_status(slug, times) for slug in course.modules)
    status, completed_at = _roll_up(modules)
    return CourseStatus(course.slug, course.title, status, modules, completed_at)


def pathway_status_from(pathway: Pathway, times: Mapping[str, _ModuleTimes]) -> PathwayStatus:
    courses = tuple(course_status_from(catalog().courses[slug], times) for slug in pathway.courses)
    status, completed_at = _roll_up(courses)
    return PathwayStatus(pathway.slug, pathway.title, status, courses, completed_at)


def learner_module_times(user_id: str) -> dict[str, _ModuleTimes]:
    """Every module the learner touched: one strongly consistent Query (per 1 MB page, thousands of modules)."""
    return module_times(store.list_progress(user_id))


def course_status(user_id: str, course: Course) -> CourseStatus:
    return course_status_from(course, learner_module_times(user_id))


def pathway_status(user_id: str, pathway: Pathway) -> PathwayStatus:
    return pathway_status_from(pathway, learner_module_times(user_id))
