"""Learning API fixtures: the enroll and progress handlers, run in-process through the local API
Gateway router (payload-2.0 events as API Gateway builds them) against moto's tables, called with
real RS256 access tokens that the loopback JWKS server of tests/unit/conftest.py publishes the key for."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hhl.storage import dynamodb as dynamodb_module

from kit.dynamodb_calls import DynamoDBCallCounter
from local.api_gateway import Router, build_event, match_route
from tests.catalog_dirs import forget_loaded_catalog, write_catalog

ALLOWED_ORIGIN = "http://127.0.0.1:3000"
USER_A = "11111111-aaaa-4aaa-8aaa-111111111111"
USER_B = "22222222-bbbb-4bbb-8bbb-222222222222"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or None for an empty body
    raw: bytes
    route_key: str  # the template's route, e.g. "DELETE /enrollments/{courseSlug}"


class ApiClient:
    """Calls the API as one signed-in learner (Bearer token), or with exactly the headers given."""

    def __init__(self, router: Router, token: str | None):
        self.router = router
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        *,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        cookies: list[str] | None = None,
    ) -> Response:
        path, _, query = path.partition("?")
        found = match_route(self.router.routes, method, path)
        assert found is not None, f"no route for {method} {path}"
        route, params = found
        all_headers = {"content-type": "application/json"} if json_body is not None else {}
        if self.token:
            all_headers["authorization"] = f"Bearer {self.token}"
        all_headers.update(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        header_list = list(all_headers.items()) + [("cookie", c) for c in cookies or []]
        event = build_event(route, params, method, path, query, header_list, body or b"")
        status, response_headers, _, data = self.router.invoke(route, event)
        is_json = response_headers.get("content-type") == "application/json"
        return Response(status, response_headers, json.loads(data) if data and is_json else None, data, route.route_key)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs) -> Response:
        return self.request("POST", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs) -> Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def learning_env(auth_env, dynamodb):
    """moto tables + loopback JWKS; the container's cached DynamoDB client and catalog start fresh."""
    dynamodb_module.client.cache_clear()
    forget_loaded_catalog()
    yield dynamodb
    dynamodb_module.client.cache_clear()
    forget_loaded_catalog()


@pytest.fixture
def router(learning_env) -> Router:
    return Router(allowed_origins=[ALLOWED_ORIGIN])


@pytest.fixture
def api_as(router, tokens):
    """api_as(user_id) -> an ApiClient signed in as that Cognito sub."""
    return lambda user_id: ApiClient(router, tokens.access(sub=user_id))


@pytest.fixture
def api(api_as) -> ApiClient:
    return api_as(USER_A)


@pytest.fixture
def anonymous(router) -> ApiClient:
    return ApiClient(router, None)


@pytest.fixture
def ddb_calls(learning_env, api) -> DynamoDBCallCounter:
    """Counts the DynamoDB calls the handlers make through the container's client, on a warm container: the
    learner's session was checked in the last 30 s (hhl.auth.revocation reads it once per 30 s), the common case."""
    api.get("/badges")
    with DynamoDBCallCounter(dynamodb_module.client()) as counter:
        yield counter


def synthetic_catalog(courses: int, modules_per_course: int, slug_padding: str = "") -> dict:
    """A catalog with many courses (the real one has five) for cost-per-request tests."""
    return {
        "courses": [
            {
                "slug": f"course-{c:03d}{slug_padding}",
                "title": f"Course {c}",
                "modules": [f"module-{m:03d}{slug_padding}" for m in range(modules_per_course)],
            }
            for c in range(courses)
        ],
        "pathways": [],
    }


@pytest.fixture
def use_catalog(tmp_path, learning_env, serve_catalog):
    """use_catalog(data): serve a test catalog instead of the shipped one for this test."""
    return lambda data: serve_catalog(write_catalog(tmp_path / "catalog", data))


def table_items(dynamodb, table: str) -> list[dict]:
    """Every item of a moto table, as stored."""
    return dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]


@pytest.fixture
def stored(learning_env, service_env):
    """stored("enrollments"|"progress"|"badges") -> that table's items."""
    names = {
        "enrollments": service_env["DYNAMODB_ENROLLMENTS_TABLE"],
        "progress": service_env["DYNAMODB_PROGRESS_TABLE"],
        "badges": service_env["DYNAMODB_BADGES_TABLE"],
        "certificates": service_env["DYNAMODB_CERTIFICATES_TABLE"],
        "tasks": service_env["DYNAMODB_TASKS_TABLE"],
        "users": service_env["DYNAMODB_USERS_TABLE"],
    }
    return lambda table: table_items(learning_env, names[table])
