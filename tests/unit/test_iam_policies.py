"""Least privilege: the DynamoDB actions template.yaml grants the enroll and progress functions are
exactly the ones their handlers call, table by table, over every route and branch; and every function whose
code can check a session (hhl.auth.revocation) is granted the call that check makes, and every function that ends
sessions the write that makes."""

from __future__ import annotations

import uuid

import pytest
from hhl.auth import revocation
from hhl.learning.catalog import catalog
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import ended_sessions, erasures

from kit.dynamodb_calls import DynamoDBCallCounter
from kit.template import ROOT, load_template, resources, table_specs
from tests.support.in_process_api import USER_A
from tests.unit.test_template import code_closure

LAB = "hedgehog-lab-foundations"
PATHWAY = "network-like-hyperscaler"


def table_of(resource: dict) -> str:
    """EndedSessionsTable for !GetAtt EndedSessionsTable.Arn; CertificatesTable/index/x for an index's !Sub."""
    if "Fn::GetAtt" in resource:
        return resource["Fn::GetAtt"][0]
    table, _, rest = resource["Fn::Sub"].removeprefix("${").partition(".Arn}")
    return table + rest


def granted(function: str) -> set[tuple[str, str]]:
    """(action, table logical id) pairs in the function's inline policy statements."""
    pairs = set()
    for policy in load_template()["Resources"][function]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in statement["Action"]:
                if action.startswith("dynamodb:"):
                    for resource in resources:
                        pairs.add((action.removeprefix("dynamodb:"), table_of(resource)))
    return pairs


def used(calls) -> set[tuple[str, str]]:
    logical_ids = {spec.name: spec.logical_id for spec in table_specs("local")}
    return {(operation, logical_ids[table]) for operation, table in calls.table_calls}


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


REVOCATION = ROOT / "layers" / "shared" / "hhl" / "auth" / "revocation.py"
FUNCTIONS = resources("AWS::Serverless::Function", load_template())
CHECKING_SESSIONS = sorted(
    name for name, res in FUNCTIONS.items() if REVOCATION in code_closure(res["Properties"]["CodeUri"])
)


def test_the_functions_that_check_sessions_are_the_authenticating_ones():
    assert CHECKING_SESSIONS == [
        "AccountFunction",
        "CertificatesFunction",
        "EnrollFunction",
        "MeFunction",
        "ProgressFunction",
        "RefreshFunction",
        "TasksFunction",
        "ThemeFunction",
    ]


@pytest.mark.parametrize("function", CHECKING_SESSIONS)
def test_every_function_that_checks_sessions_may_make_the_check(function, learning_env):
    """The session check's read (signed out? learner erased?) as it is really made, on a cold container:
    without the grant every request of that function would fail in AWS (AccessDenied -> 500)."""
    with DynamoDBCallCounter(dynamodb_module.client()) as calls:
        revocation.EndedSessions().ensure_live(revocation.Session(USER_A, str(uuid.uuid4())))
    assert used(calls) == {("BatchGetItem", "EndedSessionsTable"), ("BatchGetItem", "ErasuresTable")}
    assert used(calls) <= granted(function)


@pytest.mark.parametrize("function", ["LogoutFunction", "RefreshFunction"])
def test_the_functions_that_end_sessions_may_write_the_marker(function, learning_env):
    """Sign-out (logout) and a refused refresh token (refresh) end a session: a put standing on "not erased"."""
    erasures.record_request("user-erased", "2026-01-01T00:00:00Z", None)
    with DynamoDBCallCounter(dynamodb_module.client()) as calls:
        assert ended_sessions.record_ended(USER_A, str(uuid.uuid4()))
        assert not ended_sessions.record_ended("user-erased", str(uuid.uuid4()))
    assert used(calls) == {("PutItem", "EndedSessionsTable"), ("ConditionCheckItem", "ErasuresTable")}
    assert used(calls) <= granted(function)
