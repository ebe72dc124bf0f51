"""The site theme's status rows of make bench: GET /course/status and /pathway/status beside their floors (the two
Queries they cannot avoid: the learner's progress and certificates), and their DynamoDB calls per request as the
course grows (3, 30 and 300 modules).

The bench catalog (bench.tasks) gains a course of each size, and a pathway of each, so one process serves all rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bench import tasks

COURSE = "network-like-hyperscaler-foundations"
PATHWAY = "network-like-hyperscaler"
COURSE_SIZES = (3, 30, 300)
STATUS_CALLS = ("Query", "Query")  # progress, certificates


def sized_course(size: int) -> str:
    return f"bench-course-of-{size}"


def sized_pathway(size: int) -> str:
    return f"bench-pathway-of-{size}"


def add_sized_courses(directory: Path = tasks.CATALOG_DIR) -> None:
    """Add a course of each COURSE_SIZES modules (and a pathway of it) to the compiled bench catalog; reload it."""
    from hhl.learning import catalog as catalog_module

    path = directory / catalog_module.CATALOG_FILE
    data = json.loads(path.read_text())
    order = len(data["modules"])
    for size in COURSE_SIZES:
        slugs = [f"bench-sized-{size}-module-{number:03d}" for number in range(size)]
        data["courses"].append({"slug": sized_course(size), "title": f"Bench course of {size}", "modules": slugs})
        data["pathways"].append(
            {"slug": sized_pathway(size), "title": f"Bench pathway of {size}", "courses": [sized_course(size)]}
        )
        for slug in slugs:
            order += 1
            data["modules"].append({"slug": slug, "title": slug, "order": order, "tasks": []})
    path.write_text(json.dumps(data))
    for cached in (catalog_module.catalog, catalog_module.answer_keys, catalog_module.published_catalog):
        cached.cache_clear()


def _events(bearer: dict, api_event, course: str, pathway: str) -> dict[str, Callable[[], dict]]:
    return {
        "GET /course/status": lambda: api_event("GET /course/status", query={"course_slug": course}, headers=bearer),
        "GET /pathway/status": lambda: api_event(
            "GET /pathway/status", query={"pathway_slug": pathway}, headers=bearer
        ),
    }


def scenarios(bearer: dict, api_event, scenario_type) -> list:
    """The warm rows (bench.warm.Scenario) of the theme function's status routes."""
    return [
        scenario_type(route, event, 200, STATUS_CALLS, floor_note="the learner's progress and certificates")
        for route, event in _events(bearer, api_event, COURSE, PATHWAY).items()
    ]


def calls_as_course_grows(bearer: dict, handlers: dict, api_event, run) -> dict:
    """{route: {modules in the course: {status, dynamodb_calls}}} for courses of COURSE_SIZES modules.

    `run(handler, event)` invokes a handler and returns (response, DynamoDB calls it made).
    """
    results: dict[str, dict] = {"GET /course/status": {}, "GET /pathway/status": {}}
    # A warm container has checked the learner's session lately (at most one GetItem per 30 s, hhl.auth.revocation).
    run(handlers["GET /course/status"], _events(bearer, api_event, COURSE, PATHWAY)["GET /course/status"]())
    for size in COURSE_SIZES:
        for route, event in _events(bearer, api_event, sized_course(size), sized_pathway(size)).items():
            response, calls = run(handlers[route], event())
            results[route][str(size)] = {"status": response["statusCode"], "dynamodb_calls": calls}
    return results
