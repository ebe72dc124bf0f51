"""Least privilege: the DynamoDB actions template.yaml grants the enroll and progress functions are
exactly the ones their handlers call, table by table, over every route and branch."""

from __future__ import annotations

import pytest
from hhl.learning.catalog import catalog

from kit.template import load_template, table_specs
from tests.support.in_process_api import USER_A

LAB = "hedgehog-lab-foundations"
PATHWAY = "network-like-hyperscaler"


def granted(function: str) -> set[tuple[str, str]]:
    """(action, table logical id) pairs in the function's inline policy statements."""
    pairs = set()
    for policy in load_template()["Resources"][function]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in statement["Action"]:
                if action.startswith("dynamodb:"):
                    for resource in resources:
                        pairs.add((action.removeprefix("dynamodb:"), resource["Fn::GetAtt"][0]))
    return pairs


def used(calls) -> set[tuple[str, str]]:
    logical_ids = {spec.name: spec.logical_id for spec in table_specs("local")}
    return {(operation, logical_ids[table]) for operation, table in calls.calls}


def exercise_enroll_function(api):
    api.post("/enrollments", {"courseSlug": LAB})
    api.post("/enrollments", {"pathwaySlug": PATHWAY})
    api.get("/enrollments")
    api.delete(f"/enrollments/{LAB}")


def exercise_progress_function(api):
    for course in catalog().pathway(PATHWAY).courses:
        for module in catalog().course(course).modules:
            api.post("/progress", {"courseSlug": course, "moduleSlug": module, "event": "completed"})
    api.get("/progress")
    api.get(f"/progress/{LAB}")
    api.get("/badges")


@pytest.mark.parametrize(
    ("function", "exercise"),
    [("EnrollFunction", exercise_enroll_function), ("ProgressFunction", exercise_progress_function)],
)
def test_policy_grants_exactly_the_calls_made(function, exercise, api_as, ddb_calls):
    exercise(api_as(USER_A))  # a sign-in this container has not checked yet: its ended-sessions read counts too
    assert used(ddb_calls) == granted(function)
