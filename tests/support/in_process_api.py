"""The API called in-process, as API Gateway would call it: the local router (payload-2.0 events as API Gateway
builds them) and a client that signs in as one learner by Bearer token. The unit fixtures of tests/unit/conftest.py
build these; tests import the learners' ids and the allowed origin from here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from local.api_gateway import Router, build_event, match_route

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


def table_items(dynamodb, table: str) -> list[dict]:
    """Every item of a moto table, as stored."""
    return dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
