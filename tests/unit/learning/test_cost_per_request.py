"""DynamoDB calls per request, counted with a botocore hook on the handlers' own client
(kit/dynamodb_calls.py). The numbers here are the ones docs/data-model.md states."""

from __future__ import annotations

import pytest

from tests.support.in_process_api import USER_A, synthetic_catalog

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]
PATHWAY_LAST_COURSE = "network-like-hyperscaler-troubleshooting"


def completed(module: str, course: str = LAB) -> dict:
    return {"courseSlug": course, "moduleSlug": module, "event": "completed"}


def test_first_completion_of_a_module_is_three_calls(api, ddb_calls):
    response = api.post("/progress", completed(LAB_MODULES[0]))
    assert response.status == 200
    assert ddb_calls.operations == ["PutItem", "UpdateItem", "Query"]


def test_started_event_and_a_repeated_completion_are_three_calls(api, ddb_calls):
    api.post("/progress", {**completed(LAB_MODULES[0]), "event": "started"})
    api.post("/progress", completed(LAB_MODULES[0]))
    api.post("/progress", completed(LAB_MODULES[0]))
    assert ddb_calls.total == 9


def test_completing_a_course_adds_one_badge_write(api, ddb_calls):
    for module in LAB_MODULES[:-1]:
        api.post("/progress", completed(module))
    ddb_calls.reset()
    response = api.post("/progress", completed(LAB_MODULES[-1]))
    assert len(response.body["badgesAwarded"]) == 1
    assert ddb_calls.operations == ["PutItem", "UpdateItem", "Query", "PutItem"]


def test_completing_a_course_of_a_pathway_reads_the_badges_once(api, ddb_calls):
    from hhl.learning.catalog import catalog

    modules = catalog().course(PATHWAY_LAST_COURSE).modules
    for module in modules[:-1]:
        api.post("/progress", completed(module, PATHWAY_LAST_COURSE))
    ddb_calls.reset()
    api.post("/progress", completed(modules[-1], PATHWAY_LAST_COURSE))
    # course badge put, then one badges Query to see whether the pathway is complete (it is not)
    assert ddb_calls.operations == ["PutItem", "UpdateItem", "Query", "PutItem", "Query"]


@pytest.mark.parametrize("courses_touched", [1, 10, 100])
def test_get_progress_is_one_query_whatever_the_number_of_courses(courses_touched, api, ddb_calls, use_catalog):
    use_catalog(synthetic_catalog(courses=100, modules_per_course=5))
    for number in range(courses_touched):
        assert api.post("/progress", completed("module-000", f"course-{number:03d}")).status == 200
    ddb_calls.reset()

    courses = api.get("/progress").body["courses"]

    assert len(courses) == courses_touched
    assert ddb_calls.operations == ["Query"]


def test_get_progress_makes_one_query_per_1_mb_page(api, ddb_calls, use_catalog, learning_env, stored, service_env):
    # 100 courses x 40 modules with long slugs: ~4000 items, well over 1 MB. One item is written
    # through the API and cloned, so the synthesized items have exactly the stored shape.
    padding = "-" + "x" * 80
    use_catalog(synthetic_catalog(courses=100, modules_per_course=40, slug_padding=padding))
    api.post("/progress", completed(f"module-000{padding}", f"course-000{padding}"))
    template = stored("progress")[0]
    table = service_env["DYNAMODB_PROGRESS_TABLE"]
    items = [
        {**template, "moduleKey": {"S": f"course-{c:03d}{padding}#module-{m:03d}{padding}"}}
        for c in range(100)
        for m in range(40)
    ]
    for start in range(0, len(items), 25):
        learning_env.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        )
    pages = len(
        list(
            learning_env.get_paginator("query").paginate(
                TableName=table, KeyConditionExpression="userId = :u", ExpressionAttributeValues={":u": {"S": USER_A}}
            )
        )
    )
    assert pages >= 2  # the data really spans several 1 MB pages
    ddb_calls.reset()

    response = api.get("/progress")

    assert len(response.body["courses"]) == 100
    assert all(course["courseCompleted"] for course in response.body["courses"])
    assert ddb_calls.operations == ["Query"] * pages


def test_reads_and_enrollment_writes(api, ddb_calls):
    api.post("/enrollments", {"courseSlug": LAB})
    assert ddb_calls.operations == ["PutItem"]
    ddb_calls.reset()
    api.post("/enrollments", {"pathwaySlug": "network-like-hyperscaler"})
    assert ddb_calls.operations == ["PutItem"] * 5  # four courses, then the pathway
    for path in ("/enrollments", "/badges", f"/progress/{LAB}"):
        ddb_calls.reset()
        assert api.get(path).status == 200
        assert ddb_calls.operations == ["Query"], path
    ddb_calls.reset()
    api.delete(f"/enrollments/{LAB}")
    assert ddb_calls.operations == ["DeleteItem"]
