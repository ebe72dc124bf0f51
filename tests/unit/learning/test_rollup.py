"""Course and pathway roll-ups (hhl.learning.rollup): from progress rows and the catalog to statuses."""

from __future__ import annotations

import pytest
from hhl.learning import rollup
from hhl.learning.catalog import catalog
from hhl.storage.progress import ModuleProgressRecord

from tests.support.in_process_api import USER_A, USER_B

CATALOG = {
    "courses": [
        {"slug": "basics", "title": "Basics", "modules": ["intro", "setup", "shared"]},
        {"slug": "advanced", "title": "Advanced", "modules": ["shared", "tuning"]},
        {"slug": "extra", "title": "Extra", "modules": ["bonus"]},
    ],
    "pathways": [{"slug": "track", "title": "The Track", "courses": ["basics", "advanced"]}],
}
T1, T2, T3 = "2026-03-01T10:00:00.000Z", "2026-03-02T10:00:00.000Z", "2026-03-03T10:00:00.000Z"


def row(course: str, module: str, started: str | None = T1, completed: str | None = None) -> ModuleProgressRecord:
    return ModuleProgressRecord(course, module, started, completed, completed or started)


@pytest.fixture(autouse=True)
def small_catalog(use_catalog):
    use_catalog(CATALOG)


def course(slug: str, rows: list[ModuleProgressRecord]) -> rollup.CourseStatus:
    return rollup.course_status_from(catalog().course(slug), rollup.module_times(rows))


def pathway(rows: list[ModuleProgressRecord]) -> rollup.PathwayStatus:
    return rollup.pathway_status_from(catalog().pathway("track"), rollup.module_times(rows))


def test_an_untouched_course_is_not_started_and_counts_every_module():
    status = course("basics", [])
    assert (status.status, status.modules_completed, status.modules_total) == ("not_started", 0, 3)
    assert [m.slug for m in status.modules] == ["intro", "setup", "shared"]
    assert {m.status for m in status.modules} == {"not_started"}
    assert status.completed_at is None and status.title == "Basics"


def test_one_started_module_puts_the_course_in_progress():
    status = course("basics", [row("basics", "setup")])
    assert status.status == "in_progress"
    assert [m.status for m in status.modules] == ["not_started", "in_progress", "not_started"]
    assert status.modules[1].started_at == T1


def test_a_course_is_complete_when_every_module_is_and_dates_from_the_last_one():
    rows = [row("basics", "intro", completed=T1), row("basics", "setup", completed=T3)]
    assert course("basics", rows).status == "in_progress"
    done = course("basics", [*rows, row("basics", "shared", completed=T2)])
    assert (done.status, done.modules_completed, done.completed_at) == ("complete", 3, T3)
    assert done.is_complete


def test_modules_without_tasks_complete_when_marked_so_such_a_course_can_complete():
    done = course("extra", [row("extra", "bonus", completed=T2)])
    assert done.modules[0].has_required_tasks is False
    assert (done.status, done.modules_total) == ("complete", 1)


def test_a_shared_module_counts_in_every_course_that_contains_it():
    status = course("advanced", [row("basics", "shared", completed=T2)])
    assert [m.status for m in status.modules] == ["complete", "not_started"]
    assert status.modules_completed == 1


def test_a_module_recorded_under_two_courses_takes_its_earliest_times():
    rows = [row("advanced", "shared", started=T2, completed=T3), row("basics", "shared", started=T1, completed=T2)]
    shared = course("advanced", rows).modules[0]
    assert (shared.started_at, shared.completed_at) == (T1, T2)


def test_rows_of_modules_no_longer_in_the_catalog_change_nothing():
    status = course("extra", [row("gone", "removed-module", completed=T1), row("extra", "removed-module")])
    assert status.status == "not_started"


def test_a_pathway_rolls_up_its_courses_in_order():
    assert pathway([]).status == "not_started"
    started = pathway([row("advanced", "tuning")])
    assert started.status == "in_progress"
    assert [c.slug for c in started.courses] == ["basics", "advanced"]
    assert (started.courses_completed, started.courses_total) == (0, 2)

    basics_done = [row("basics", m, completed=T1) for m in ("intro", "setup", "shared")]
    half = pathway(basics_done)
    assert [c.status for c in half.courses] == ["complete", "in_progress"]  # "shared" is in both
    assert (half.status, half.courses_completed, half.completed_at) == ("in_progress", 1, None)

    done = pathway([*basics_done, row("advanced", "tuning", completed=T3)])
    assert (done.status, done.courses_completed, done.completed_at, done.title) == ("complete", 2, T3, "The Track")
    assert done.is_complete


def test_learner_statuses_read_only_that_learners_rows():
    from hhl.storage import progress as store

    for module in ("intro", "setup", "shared"):
        store.record_module_event(USER_B, "basics", module, True, T1, T1)
    store.record_module_event(USER_A, "basics", "intro", False, T1, T1)

    assert rollup.course_status(USER_B, catalog().course("basics")).status == "complete"
    mine = rollup.course_status(USER_A, catalog().course("basics"))
    assert (mine.status, mine.modules_completed) == ("in_progress", 0)
    assert rollup.pathway_status(USER_A, catalog().pathway("track")).status == "in_progress"


@pytest.mark.parametrize("modules", [2, 60])
def test_one_query_whatever_the_number_of_modules(modules, use_catalog, ddb_calls):
    from hhl.storage import progress as store

    slugs = [f"module-{n}" for n in range(modules)]
    use_catalog(
        {
            "courses": [{"slug": "big", "title": "Big", "modules": slugs}],
            "pathways": [{"slug": "all", "title": "All", "courses": ["big"]}],
        }
    )
    for slug in slugs:
        store.record_module_event(USER_A, "big", slug, True, T1, T1)
    ddb_calls.reset()

    assert rollup.course_status(USER_A, catalog().course("big")).status == "complete"
    assert rollup.pathway_status(USER_A, catalog().pathway("all")).status == "complete"
    assert ddb_calls.operations == ["Query", "Query"]
