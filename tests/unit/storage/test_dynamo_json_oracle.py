"""The thin DynamoDB client against the SDK as oracle: for every call the storage layer makes, botocore's
own serializer produces the same X-Amz-Target and the same JSON body (byte for byte) as the thin client.

The calls are the real ones: the learning API and the users storage run against the emulator through
the thin client, and its observers record what each call asked for.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

import botocore.session
import pytest
from botocore.serialize import create_serializer
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import erasures, users

from kit.template import ROOT
from tests.support.in_process_api import USER_A

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]
STORAGE_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem"}


@pytest.fixture
def recorded_calls(learning_env):
    calls: list[tuple[str, dict]] = []
    client = dynamodb_module.client()
    client.observers.append(lambda operation, request: calls.append((operation, json.loads(json.dumps(request)))))
    return calls


def exercise_the_storage_layer(api) -> None:
    """Every storage function, through the API where one exists (so with the requests handlers build)."""
    users.upsert_user(USER_A, {"email": "a@example.com", "givenName": "Ada", "displayName": "Ada"})
    users.upsert_user(USER_A, {"email": "a@example.com"})  # REMOVE branch: cleared profile fields
    users.get_user(USER_A)
    users.set_hubspot_contact_id(USER_A, "1234")
    users.set_hubspot_contact_id("no-such-user", "1234")  # a failed condition
    assert api.post("/enrollments", {"courseSlug": LAB}).status == 201
    assert api.post("/enrollments", {"courseSlug": LAB}).status == 200  # already enrolled: ALL_OLD on failure
    started = {"courseSlug": LAB, "moduleSlug": LAB_MODULES[0], "event": "started"}
    assert api.post("/progress", started).status == 200
    an_hour_ago = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    backdated = {**started, "event": "completed", "occurredAt": an_hour_ago}  # moves startedAt back: 2nd UpdateItem
    assert api.post("/progress", backdated).status == 200
    for module in LAB_MODULES:
        assert api.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"}).status == 200
    for path in ("/enrollments", "/progress", f"/progress/{LAB}", "/badges", "/auth/me"):
        api.get(path)
    assert api.delete(f"/enrollments/{LAB}").status == 204
    assert api.delete(f"/enrollments/{LAB}").status == 204  # nothing to delete: the same answer
    erasures.record_request("user-erased", "2026-01-01T00:00:00Z", None)
    assert erasures.erased_among([USER_A, "user-erased"]) == {"user-erased"}  # the CRM sync's BatchGetItem


def test_botocore_serializes_every_storage_call_exactly_as_the_thin_client(api, recorded_calls):
    exercise_the_storage_layer(api)
    assert {operation for operation, _ in recorded_calls} == STORAGE_OPERATIONS
    assert any("ConditionExpression" in r and r["TableName"].endswith("progress") for _, r in recorded_calls)
    model = botocore.session.get_session().get_service_model("dynamodb")
    serializer = create_serializer(model.metadata["protocol"], include_validation=True)
    client = dynamodb_module.client()
    for operation, request in recorded_calls:
        expected = serializer.serialize_to_request(request, model.operation_model(operation))
        target, body = client.serialize(operation, request)
        assert target == expected["headers"]["X-Amz-Target"], operation
        assert body == expected["body"], (operation, body, expected["body"])


def test_paginated_query_sends_the_exclusive_start_key_botocore_would(api, recorded_calls, learning_env, service_env):
    """A second Query page: the request carries the first page's LastEvaluatedKey as ExclusiveStartKey."""
    table = service_env["DYNAMODB_PROGRESS_TABLE"]
    padding = "x" * 300_000  # four items of ~300 KB: more than one 1 MB page
    for i in range(4):
        item = {"userId": {"S": USER_A}, "moduleKey": {"S": f"c#m{i}"}, "updatedAt": {"S": padding}}
        learning_env.put_item(TableName=table, Item=item)
    from hhl.storage.dynamodb import query_learner_items

    assert len(list(query_learner_items(table, USER_A))) == 4
    queries = [request for operation, request in recorded_calls if operation == "Query"]
    assert len(queries) >= 2 and "ExclusiveStartKey" in queries[-1]
    model = botocore.session.get_session().get_service_model("dynamodb")
    serializer = create_serializer("json", include_validation=True)
    for request in queries:
        expected = serializer.serialize_to_request(request, model.operation_model("Query"))
        assert dynamodb_module.client().serialize("Query", request)[1] == expected["body"]


@pytest.mark.parametrize(
    ("function", "path"), [("me", "/auth/me"), ("enroll", "/enrollments"), ("progress", "/progress")]
)
def test_request_path_functions_never_load_the_sdk(learning_env, tokens, function, path):
    """Init, then a request that reads DynamoDB (the emulator, over HTTP), in a fresh interpreter: no SDK loaded."""
    route_key = f"GET {path}"
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "headers": {"authorization": f"Bearer {tokens.access(sub=USER_A)}"},
        "requestContext": {"requestId": "r-1", "http": {"method": "GET", "path": path}},
    }
    code = (
        "import json, runpy, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'functions' / function)!r}, {str(ROOT / 'layers' / 'shared')!r},"
        f" {str(ROOT / 'layers' / 'catalog')!r}, {str(ROOT)!r}]\n"
        f"app = runpy.run_path({str(ROOT / 'functions' / function / 'app.py')!r})\n"
        "from local.lambda_context import LambdaContext\n"
        f"response = app['handler'](json.loads({json.dumps(event)!r}), LambdaContext())\n"
        "assert response['statusCode'] in (200, 404), response\n"
        # Powertools imports the bare `botocore` package (its __init__, ~1 ms) to hook its user agent into
        # SDK sessions the function might create; no session, client or other module of the SDK may load.
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore') and m != 'botocore')\n"
        "assert not loaded, loaded\n"
        "print(response['statusCode'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    # me answers 404 for a learner who never signed in; the GetItem was made all the same.
    assert result.stdout.strip().splitlines()[-1] in ("200", "404")
