"""authenticate(event): the one gate every protected endpoint goes through."""

from __future__ import annotations

import json
import uuid

import pytest
from hhl.auth import revocation
from hhl.auth.refresh_cookie import Session
from hhl.auth.request_auth import Identity, authenticate
from hhl.http import HttpError, endpoint
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import erasures

from kit.dynamodb_calls import DynamoDBCallCounter

ALLOWED_ORIGIN = "http://127.0.0.1:3000"
SESSION_ENDED_BODY = {"error": "Unauthorized: Session ended", "details": {"code": "session_ended"}}


@pytest.fixture(autouse=True)
def ended_sessions_table(auth_env, dynamodb):
    """The template's tables in moto: authenticate reads whether a token's session was signed out."""
    dynamodb_module.client.cache_clear()
    yield dynamodb
    dynamodb_module.client.cache_clear()


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


# ---------------------------------------------------------------- sessions signed out elsewhere


def bearer(token: str) -> dict:
    return make_event(headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("where", ["bearer", "cookie"])
def test_a_token_of_a_signed_out_session_is_401_session_ended(protected, tokens, where):
    origin_jti = str(uuid.uuid4())
    token = tokens.access(origin_jti=origin_jti)
    event = bearer(token) if where == "bearer" else make_event(cookies=[f"__Host-hhl_access_token={token}"])
    assert protected(event)[0] == 200
    revocation.EndedSessions().end(Session("user-sub-1", origin_jti))  # another container signs it out
    revocation.ended_sessions.cache_clear()  # a container that has not seen this session yet
    status, body, headers = protected(event)
    assert (status, body) == (401, SESSION_ENDED_BODY)
    assert 'error_description="session ended"' in headers["www-authenticate"]


def test_a_token_refreshed_from_the_same_sign_in_is_refused_too(protected, tokens):
    origin_jti = str(uuid.uuid4())
    revocation.ended_sessions().end(Session("user-sub-1", origin_jti))
    refreshed = tokens.access(origin_jti=origin_jti, jti=str(uuid.uuid4()))
    assert protected(bearer(refreshed))[:2] == (401, SESSION_ENDED_BODY)
    other_sign_in = tokens.access(origin_jti=str(uuid.uuid4()))
    assert protected(bearer(other_sign_in))[0] == 200  # the learner's other devices stay signed in


def test_a_token_without_a_session_id_is_refused(protected, tokens):
    status, body, _ = protected(bearer(tokens.access(origin_jti=None)))
    assert (status, body) == (401, {"error": "Unauthorized: Invalid or expired token"})


def test_a_live_session_is_read_at_most_once_per_window_and_an_ended_one_is_refused_within_it(
    ended_sessions_table, tokens, clock
):
    container = revocation.EndedSessions(clock=clock)
    elsewhere = revocation.EndedSessions(clock=clock)
    session = Session("user-sub-1", str(uuid.uuid4()))
    with DynamoDBCallCounter(dynamodb_module.client()) as calls:
        container.ensure_live(session)
        clock.now += revocation.RECHECK_SECONDS - 1
        container.ensure_live(session)  # warm: from memory
        assert calls.operations == ["BatchGetItem"]  # ended-sessions and erasures, in one call
        elsewhere.end(session)  # the sign-out, handled by another container
        container.ensure_live(session)  # still inside the window: this container has not looked yet
        clock.now += 1
        with pytest.raises(HttpError) as refused:
            container.ensure_live(session)
        assert refused.value.status == 401 and refused.value.details == {"code": "session_ended"}
        calls.reset()
        clock.now += 3600
        with pytest.raises(HttpError):
            container.ensure_live(session)  # an ended session stays ended without reading again
        assert calls.total == 0


def test_every_session_of_an_erased_learner_is_refused_within_the_window_and_for_good(
    ended_sessions_table, tokens, clock
):
    """Erasure signs out every device: no session of the learner is ended, yet each is refused once re-read."""
    container = revocation.EndedSessions(clock=clock)
    phone, laptop = Session("user-sub-1", str(uuid.uuid4())), Session("user-sub-1", str(uuid.uuid4()))
    someone_else = Session("user-sub-2", str(uuid.uuid4()))
    for session in (phone, laptop, someone_else):
        container.ensure_live(session)
    erasures.record_request("user-sub-1", "2026-01-01T00:00:00Z", None)  # DELETE /auth/me, from another container
    container.ensure_live(laptop)  # inside the window: not read again yet
    clock.now += revocation.RECHECK_SECONDS
    with DynamoDBCallCounter(dynamodb_module.client()) as calls:
        for session in (phone, laptop):
            with pytest.raises(HttpError) as refused:
                container.ensure_live(session)
            assert refused.value.status == 401 and refused.value.details == {"code": "session_ended"}
        container.ensure_live(someone_else)
        assert calls.operations == ["BatchGetItem"] * 3
        calls.reset()
        clock.now += 3600
        with pytest.raises(HttpError):
            container.ensure_live(phone)  # remembered as ended: no read, even once the erasure is complete
        assert calls.total == 0


def test_an_erased_learners_token_is_401_session_ended_on_a_container_that_never_saw_it(protected, tokens):
    token = tokens.access(sub="user-sub-1", origin_jti=str(uuid.uuid4()))
    erasures.record_request("user-sub-1", "2026-01-01T00:00:00Z", None)
    assert erasures.mark_complete("user-sub-1", "2026-01-01T00:01:00Z", hubspot_contact_deleted=False)
    status, body, headers = protected(bearer(token))
    assert (status, body) == (401, SESSION_ENDED_BODY)
    assert 'error_description="session ended"' in headers["www-authenticate"]


def test_a_storage_outage_during_the_check_is_503_not_a_pass(protected, tokens, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")  # nothing listens there
    dynamodb_module.client.cache_clear()
    status, body, headers = protected(bearer(tokens.access()))
    assert (status, body) == (503, {"error": "Storage is temporarily unavailable, retry shortly"})
    assert headers["retry-after"] == "1"
