"""docs/openapi.yaml is a valid OpenAPI 3.1 document that tells the truth about the service:

- it lists exactly the routes template.yaml deploys;
- every response the handlers give in a scenario touching every route and most statuses is
  documented (status, content type) and its body validates against the documented schema;
- the request schemas agree with the handlers' validation: bodies the handlers accept are valid,
  and every body of the bad-input table is either invalid per the schema or breaks a rule that
  only the catalog or the clock can check (unknown slug, module of another course, time window).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from kit.template import http_routes
from tests.support.bad_input_cases import CASES
from tests.support.in_process_api import USER_A
from tests.support.openapi import SPEC_PATH, check_against_spec, pointer, spec, validator_at

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]
# Problems no JSON Schema can see: they need the catalog or the clock.
SEMANTIC_PROBLEMS = ("unknown course", "unknown pathway", "not a module of this course", "future", "within the last")


def problems_found_by_the_api(route_key: str, body: dict) -> dict[str, str]:
    from hhl.learning.errors import InvalidInput
    from hhl.learning.validation import parse_enrollment_request, parse_progress_event

    try:
        if route_key == "POST /enrollments":
            parse_enrollment_request(body)
        else:
            parse_progress_event(body, datetime.now(UTC))
    except InvalidInput as exc:
        return exc.details
    return {}


def test_the_document_is_valid_openapi_3_1():
    validate(spec())
    assert spec()["openapi"].startswith("3.1")


def test_it_lists_exactly_the_routes_the_template_deploys():
    documented = {f"{method.upper()} {path}" for path, item in spec()["paths"].items() for method in item}
    deployed = {route.route_key for route in http_routes()}
    assert documented == deployed


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def scenario(api, anonymous, router, tokens):
    """Responses of every route of the enroll and progress functions, success and failure, plus the
    auth routes that need no hosted UI (the callback's flow is covered by the auth suite)."""
    from hhl.storage.users import upsert_user

    from tests.support.in_process_api import ApiClient

    responses = [
        api.post("/enrollments", {"courseSlug": LAB, "source": "catalog"}),
        api.post("/enrollments", {"courseSlug": LAB}),
        api.post("/enrollments", {"pathwaySlug": "network-like-hyperscaler", "source": "pathway_page"}),
        api.get("/enrollments"),
        api.get("/progress"),
        api.post("/progress", {"courseSlug": LAB, "moduleSlug": LAB_MODULES[0], "event": "started"}),
        api.post(
            "/progress",
            {
                "courseSlug": LAB,
                "moduleSlug": LAB_MODULES[0],
                "event": "completed",
                "occurredAt": iso(datetime.now(UTC) - timedelta(minutes=3)),
            },
        ),
        *[api.post("/progress", {"courseSlug": LAB, "moduleSlug": m, "event": "completed"}) for m in LAB_MODULES[1:]],
        api.get("/progress"),
        api.get(f"/progress/{LAB}"),
        api.get("/progress/network-like-hyperscaler-foundations"),
        api.get("/progress/no-such-course"),
        api.get("/progress/NOT_A_SLUG"),
        api.get("/badges"),
        api.delete(f"/enrollments/{LAB}"),
        api.delete(f"/enrollments/{LAB}"),  # a repeated leave: 204 again
        api.delete("/enrollments/no-such-course"),
        api.delete("/enrollments/Bad%20Slug"),
        anonymous.get("/badges"),
        anonymous.post("/progress", {}),
        ApiClient(router, tokens.access(sub=USER_A, exp=1)).get("/enrollments"),
        ApiClient(router, None).post(
            "/enrollments",
            {"courseSlug": LAB},
            headers={"origin": "https://evil.example"},
            cookies=[f"__Host-hhl_access_token={tokens.access(sub=USER_A)}"],
        ),
        api.post("/progress", {"courseSlug": LAB, "moduleSlug": "nope", "event": "done", "extra": 1}),
        api.post("/enrollments", {"courseSlug": "no-such-course", "source": "newsletter"}),
        api.post("/enrollments", body="x" * 20_000, headers={"content-type": "application/json"}),
        api.post("/enrollments", body="courseSlug=x", headers={"content-type": "text/plain"}),
        # the site theme's routes
        api.post("/events/track", {"eventName": "learning_course_enrolled", "payload": {"course_slug": LAB}}),
        api.post("/events/track", {"eventName": "learning_module_started", "payload": {"module_slug": LAB_MODULES[0]}}),
        api.post("/events/track", {"eventName": "learning_page_viewed", "payload": {"content_type": "module"}}),
        api.post("/events/track", body="x" * 12_000, headers={"content-type": "application/json"}),
        api.post("/events/track", body="{}", headers={"content-type": "text/plain"}),
        anonymous.post(
            "/events/track", {"eventName": "learning_page_viewed", "payload": {"content_type": "module", "slug": LAB}}
        ),
        ApiClient(router, None).post(
            "/events/track",
            {"eventName": "learning_course_enrolled", "course_slug": LAB},
            headers={"origin": "https://evil.example"},
            cookies=[f"__Host-hhl_access_token={tokens.access(sub=USER_A)}"],
        ),
        api.get("/enrollments/list?email=someone@example.com"),
        anonymous.get("/enrollments/list"),
        api.get("/progress/read"),
        anonymous.get("/progress/read"),
        api.get(f"/progress/aggregate?type=course&slug={LAB}"),
        api.get("/progress/aggregate?type=pathway&slug=network-like-hyperscaler"),
        api.get("/progress/aggregate?type=lesson&slug=x"),
        api.get("/progress/aggregate?type=course&slug=no-such-course"),
        anonymous.get("/progress/aggregate?type=course&slug=x"),
        api.get(f"/course/status?course_slug={LAB}"),
        api.get("/course/status"),
        anonymous.get(f"/course/status?course_slug={LAB}"),
        api.get("/pathway/status?pathway_slug=network-like-hyperscaler"),
        api.get("/pathway/status?pathway_slug=nope"),
        anonymous.get("/pathway/status?pathway_slug=nope"),
        # auth routes
        api.get("/auth/me"),
        anonymous.get("/auth/me"),
        anonymous.get("/auth/login?return_to=/learn/courses"),
        anonymous.get("/auth/logout"),
        anonymous.post("/auth/refresh", headers={"origin": "http://127.0.0.1:3000"}),
    ]
    upsert_user(USER_A, {"email": "learner@example.com", "givenName": "Ada"})
    responses.append(api.get("/auth/me"))
    catalog = anonymous.get("/catalog")
    responses += [catalog, anonymous.get("/catalog", headers={"if-none-match": catalog.headers["etag"]})]
    return responses


def test_every_response_matches_the_document(scenario):
    statuses = set()
    for response in scenario:
        check_against_spec(response)
        statuses.add((response.route_key, response.status))
    expected = {
        ("POST /enrollments", 201), ("POST /enrollments", 200), ("POST /enrollments", 400),
        ("POST /enrollments", 403), ("POST /enrollments", 413), ("POST /enrollments", 415),
        ("GET /enrollments", 200), ("GET /enrollments", 401),
        ("DELETE /enrollments/{courseSlug}", 204), ("DELETE /enrollments/{courseSlug}", 404),
        ("DELETE /enrollments/{courseSlug}", 400),
        ("POST /progress", 200), ("POST /progress", 400), ("POST /progress", 401),
        ("GET /progress", 200), ("GET /progress/{courseSlug}", 200), ("GET /progress/{courseSlug}", 404),
        ("GET /progress/{courseSlug}", 400), ("GET /badges", 200), ("GET /badges", 401),
        ("GET /auth/me", 200), ("GET /auth/me", 401), ("GET /auth/me", 404),
        ("GET /auth/login", 302), ("GET /auth/logout", 302), ("POST /auth/refresh", 401),
        ("GET /catalog", 200), ("GET /catalog", 304),
        ("POST /events/track", 200), ("POST /events/track", 400), ("POST /events/track", 403),
        ("POST /events/track", 413), ("POST /events/track", 415),
        ("GET /enrollments/list", 200), ("GET /enrollments/list", 401),
        ("GET /progress/read", 200), ("GET /progress/aggregate", 200), ("GET /progress/aggregate", 400),
        ("GET /progress/aggregate", 404), ("GET /course/status", 200), ("GET /course/status", 400),
        ("GET /course/status", 401), ("GET /pathway/status", 200), ("GET /pathway/status", 400),
        ("GET /pathway/status", 401),
    }  # fmt: skip
    assert expected <= statuses, expected - statuses


def request_body_validator(route_key: str) -> Draft202012Validator:
    method, path = route_key.split(" ", 1)
    return validator_at(pointer("paths", path, method.lower(), "requestBody", "content", "application/json", "schema"))


@pytest.mark.parametrize(
    ("route_key", "body"),
    [
        ("POST /enrollments", {"courseSlug": LAB}),
        ("POST /enrollments", {"courseSlug": LAB, "source": "course_page"}),
        ("POST /enrollments", {"pathwaySlug": "network-like-hyperscaler", "source": "pathway_page"}),
        ("POST /progress", {"courseSlug": LAB, "moduleSlug": LAB_MODULES[0], "event": "started"}),
        ("POST /progress", {"courseSlug": LAB, "moduleSlug": LAB_MODULES[0], "event": "completed",
                            "occurredAt": "PLACEHOLDER"}),
    ],
)  # fmt: skip
def test_bodies_the_handlers_accept_are_valid_per_the_document(route_key, body, api):
    if body.get("occurredAt") == "PLACEHOLDER":
        body = {**body, "occurredAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="microseconds")}
    assert request_body_validator(route_key).is_valid(body)
    method, path = route_key.split(" ", 1)
    assert api.request(method, path, body).status in (200, 201)


SCHEMA_LEVEL_CASES = [
    c for c in CASES if c.method == "POST" and not c.raw and isinstance(c.body, dict) and c.status == 400
]


@pytest.mark.parametrize("case", SCHEMA_LEVEL_CASES, ids=[f"{c.path}: {c.name}" for c in SCHEMA_LEVEL_CASES])
def test_bodies_the_handlers_reject_are_invalid_per_the_document_or_break_a_catalog_rule(case, learning_env):
    problems = problems_found_by_the_api(f"POST {case.path}", case.body)
    assert problems, case.name
    semantic = all(any(p in problem for p in SEMANTIC_PROBLEMS) for problem in problems.values())
    valid = request_body_validator(f"POST {case.path}").is_valid(case.body)
    assert valid == semantic, f"{case.name}: API problems {problems}, schema-valid={valid}"


def test_spec_file_is_where_the_docs_say():
    assert Path(SPEC_PATH).is_file()
