"""authenticate(event): the one gate every protected endpoint goes through."""

from __future__ import annotations

import json

import pytest
from hhl.auth.request_auth import Identity, authenticate
from hhl.http import HttpError, endpoint

ALLOWED_ORIGIN = "http://127.0.0.1:3000"


def make_event(method="GET", headers=None, cookies=None, body=None):
    return {
        "version": "2.0",
        "routeKey": f"{method} /enrollments",
        "rawPath": "/enrollments",
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "cookies": cookies or [],
        "requestContext": {"http": {"method": method, "path": "/enrollments"}, "requestId": "req-1"},
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.fixture
def protected(auth_env):
    """A protected endpoint as a handler would write it: the response a caller sees."""

    @endpoint
    def handler(event, context):
        identity = authenticate(event)
        return {"statusCode": 200, "headers": {}, "body": json.dumps({"userId": identity.user_id})}

    def call(event):
        from local.lambda_context import LambdaContext

        response = handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"] or "null"), response["headers"]

    return call


def test_bearer_token_yields_the_verified_identity(auth_env, tokens):
    identity = authenticate(make_event(headers={"Authorization": f"Bearer {tokens.access()}"}))
    assert isinstance(identity, Identity)
    assert identity.user_id == "user-sub-1"
    assert identity.username == "learner@example.com"
    assert identity.claims["token_use"] == "access"
    assert identity.via_cookie is False
    with pytest.raises(TypeError):
        identity.claims["sub"] = "someone-else"


def test_cookie_token_yields_the_verified_identity(auth_env, tokens):
    identity = authenticate(make_event(cookies=[f"__Host-hhl_access_token={tokens.access()}"]))
    assert identity.user_id == "user-sub-1"
    assert identity.via_cookie is True


def test_missing_token_is_401_with_www_authenticate(protected):
    status, body, headers = protected(make_event())
    assert status == 401
    assert body == {"error": "Unauthorized: Missing access token"}
    assert headers["www-authenticate"] == 'Bearer realm="Hedgehog Learn"'


def test_non_bearer_authorization_counts_as_missing(protected):
    status, body, _ = protected(make_event(headers={"Authorization": "Basic dXNlcjpwYXNz"}))
    assert (status, body) == (401, {"error": "Unauthorized: Missing access token"})


@pytest.mark.parametrize("where", ["bearer", "cookie"])
def test_invalid_token_is_401(protected, tokens, where):
    bad = tokens.access(client_id="another-client")
    event = (
        make_event(headers={"Authorization": f"Bearer {bad}"})
        if where == "bearer"
        else make_event(cookies=[f"__Host-hhl_access_token={bad}"])
    )
    status, body, headers = protected(event)
    assert (status, body) == (401, {"error": "Unauthorized: Invalid or expired token"})
    assert headers["www-authenticate"].startswith('Bearer realm="Hedgehog Learn"')


def test_id_token_in_the_access_cookie_is_401(protected, tokens):
    status, body, _ = protected(make_event(cookies=[f"__Host-hhl_access_token={tokens.id('n')}"]))
    assert (status, body) == (401, {"error": "Unauthorized: Invalid or expired token"})


def test_cookie_post_from_foreign_origin_is_403(protected, tokens):
    event = make_event(
        "POST",
        headers={"Origin": "https://evil.example", "Content-Type": "application/json"},
        cookies=[f"__Host-hhl_access_token={tokens.access()}"],
        body="{}",
    )
    status, body, _ = protected(event)
    assert status == 403
    assert body == {"error": "Forbidden: Origin not allowed"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_cookie_state_change_without_origin_is_403(protected, tokens, method):
    event = make_event(method, cookies=[f"__Host-hhl_access_token={tokens.access()}"])
    status, _, _ = protected(event)
    assert status == 403


def test_cookie_post_from_allowed_origin_is_accepted(protected, tokens):
    event = make_event(
        "POST",
        headers={"Origin": ALLOWED_ORIGIN, "Content-Type": "application/json; charset=utf-8"},
        cookies=[f"__Host-hhl_access_token={tokens.access()}"],
        body='{"courseSlug":"x"}',
    )
    assert protected(event)[:2] == (200, {"userId": "user-sub-1"})


FORM_CONTENT_TYPES = [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]


@pytest.mark.parametrize("content_type", FORM_CONTENT_TYPES)
def test_cookie_post_with_a_form_body_is_415(protected, tokens, content_type):
    headers = {"Origin": ALLOWED_ORIGIN} | ({"Content-Type": content_type} if content_type else {})
    event = make_event("POST", headers=headers, cookies=[f"__Host-hhl_access_token={tokens.access()}"], body="a=b")
    status, body, _ = protected(event)
    assert status == 415
    assert body == {"error": "Content-Type must be application/json"}


def test_cookie_delete_without_body_needs_no_content_type(protected, tokens):
    event = make_event(
        "DELETE", headers={"Origin": ALLOWED_ORIGIN}, cookies=[f"__Host-hhl_access_token={tokens.access()}"]
    )
    assert protected(event)[0] == 200


def test_bearer_post_is_not_origin_checked(protected, tokens):
    event = make_event(
        "POST",
        headers={"Authorization": f"Bearer {tokens.access()}", "Origin": "https://evil.example"},
        body="{}",
    )
    assert protected(event)[0] == 200


def test_cookie_get_from_any_origin_is_not_csrf_checked(protected, tokens):
    event = make_event(
        headers={"Origin": "https://evil.example"}, cookies=[f"__Host-hhl_access_token={tokens.access()}"]
    )
    assert protected(event)[0] == 200


def test_jwks_outage_is_503_not_401(protected, tokens, jwks_server):
    jwks_server.fail = True
    status, body, _ = protected(make_event(headers={"Authorization": f"Bearer {tokens.access()}"}))
    assert status == 503
    assert "error" in body


def test_errors_are_http_errors(auth_env):
    with pytest.raises(HttpError) as raised:
        authenticate(make_event())
    assert raised.value.status == 401
