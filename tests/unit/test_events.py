"""events/ holds a sample event per route (for `sam local invoke <Function> -e events/<name>.json`).
These tests keep them true to the template and to the events the local router builds, and feed each
one to its handler, so a sample that no longer fits its function fails here rather than at a user."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kit.template import ROOT, http_routes, load_template, resources, table_specs
from local.api_gateway import build_event, import_handler, match_route
from tests.support.awards_stream import awards_handler

EVENTS_DIR = ROOT / "events"
STREAM_EVENT = EVENTS_DIR / "crm-sync-stream.json"
AWARDS_STREAM_EVENT = EVENTS_DIR / "awards-stream.json"
ERASURE_STREAM_EVENT = EVENTS_DIR / "erasure-stream.json"
HTTP_EVENTS = sorted(
    p for p in EVENTS_DIR.glob("*.json") if p not in (STREAM_EVENT, AWARDS_STREAM_EVENT, ERASURE_STREAM_EVENT)
)
ROUTES = {route.route_key: route for route in http_routes()}


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_every_route_has_a_sample_event():
    covered = {load(path)["routeKey"] for path in HTTP_EVENTS}
    assert covered == set(ROUTES)


@pytest.mark.parametrize("path", HTTP_EVENTS, ids=lambda p: p.stem)
def test_sample_matches_its_template_route(path):
    event = load(path)
    assert event["version"] == "2.0"
    route = ROUTES[event["routeKey"]]
    http = event["requestContext"]["http"]
    assert event["requestContext"]["routeKey"] == event["routeKey"]
    assert http["method"] == route.method
    assert http["path"] == event["rawPath"]
    found = match_route(ROUTES.values(), route.method, event["rawPath"])
    assert found is not None and found[0] == route, f"{event['rawPath']} does not match {route.route_key}"
    assert event.get("pathParameters", {}) == found[1]


@pytest.mark.parametrize("path", HTTP_EVENTS, ids=lambda p: p.stem)
def test_sample_has_the_shape_api_gateway_and_the_local_router_give(path):
    event = load(path)
    route = ROUTES[event["routeKey"]]
    headers = list(event["headers"].items())
    if event.get("cookies"):
        headers.append(("cookie", "; ".join(event["cookies"])))
    body = (event.get("body") or "").encode()
    rebuilt = build_event(
        route, event.get("pathParameters", {}), route.method, event["rawPath"], event["rawQueryString"], headers, body
    )
    assert set(event) == set(rebuilt)
    assert set(event["requestContext"]) == set(rebuilt["requestContext"])
    assert set(event["requestContext"]["http"]) == set(rebuilt["requestContext"]["http"])
    assert event.get("queryStringParameters") == rebuilt.get("queryStringParameters")
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    if event["headers"].get("content-type") == "application/json":
        assert isinstance(json.loads(event["body"]), dict)


@pytest.mark.parametrize("path", HTTP_EVENTS, ids=lambda p: p.stem)
def test_sample_is_answered_by_its_handler_without_a_server_error(path, certificate_signing_key, lambda_context):
    """Tokens in the samples are placeholders, so protected routes answer 401; none may answer 5xx."""
    event = load(path)
    response = import_handler(ROUTES[event["routeKey"]])(event, lambda_context)
    assert response["statusCode"] < 500, response


def stream_sample_fits(sample: Path, code_uri_end: str) -> None:
    """Every record of the sample is one the function's streams deliver, and every stream has one."""
    functions = resources("AWS::Serverless::Function", load_template())
    (function,) = [f["Properties"] for f in functions.values() if f["Properties"]["CodeUri"].endswith(code_uri_end)]
    events = function["Events"].values()
    streams = {e["Properties"]["Stream"]["Fn::GetAtt"][0] for e in events if e["Type"] == "DynamoDB"}
    tables = {spec.name: spec for spec in table_specs("dev")}
    records = load(sample)["Records"]
    assert {r["eventName"] for r in records} <= {"INSERT", "MODIFY", "REMOVE"}
    seen = set()
    for record in records:
        spec = tables[re.search(r":table/([^/]+)/stream/", record["eventSourceARN"]).group(1)]
        assert spec.logical_id in streams
        args = spec.create_table_args
        assert set(record["dynamodb"]["Keys"]) == {k["AttributeName"] for k in args["KeySchema"]}
        assert record["dynamodb"]["StreamViewType"] == args["StreamSpecification"]["StreamViewType"]
        seen.add(spec.logical_id)
    assert seen == streams, "the sample should show a record from every stream the function reads"


def test_stream_sample_fits_the_tables_the_crm_sync_function_listens_to():
    stream_sample_fits(STREAM_EVENT, "crm_sync/")


def test_awards_stream_sample_fits_the_tables_the_awards_function_listens_to():
    stream_sample_fits(AWARDS_STREAM_EVENT, "awards/")


def test_awards_stream_sample_is_answered_without_a_retry(learning_env, lambda_context):
    assert awards_handler()(load(AWARDS_STREAM_EVENT), lambda_context) == {"batchItemFailures": []}


def test_erasure_stream_sample_fits_the_table_the_erasure_function_listens_to():
    stream_sample_fits(ERASURE_STREAM_EVENT, "erasure/")
