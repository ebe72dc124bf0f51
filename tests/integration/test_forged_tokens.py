"""Every forged token, on every route of the template, by Bearer and by cookie, over real HTTP.

The routes come from template.yaml (a new route is covered the day it is added) and what each one
requires from docs/openapi.yaml: a route that takes the access token answers 401 with
`WWW-Authenticate: ... error="invalid_token"`; /auth/refresh, which takes the refresh cookie, 401;
a public route anything but a 5xx. Testing the verifier alone let an unknown `kid` reach the handlers
as a 500, which is why this runs through the API Gateway emulator and the handlers.
"""

from __future__ import annotations

import secrets

import pytest
import requests
from hhl.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE

from kit.sign_in import sign_in
from tests.integration.forged_tokens import (
    FORGERIES,
    call_with_token,
    claims_of,
    routes,
    security_schemes,
)
from tests.support.site_http import new_learner

pytestmark = pytest.mark.integration

ACCESS_SCHEMES = {"accessCookie", "bearerToken"}


@pytest.fixture(scope="module")
def genuine(local_stack, create_user):
    """A learner of its own, signed in for real: each forgery starts from its access token's claims."""
    return new_learner(local_stack, create_user, "forger", "Mallory", "Forger")


def send(stack, route, token: str, way: str, origin: str) -> requests.Response:
    """The route called with `token` as an attacker would: Bearer, or both session cookies."""
    return call_with_token(stack, route, token, way, origin, (ACCESS_COOKIE, REFRESH_COOKIE))


def refusal_problem(route, response: requests.Response) -> str | None:
    """What is wrong with the answer to a forged token on `route`, or None."""
    schemes = security_schemes(route)
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:120]}"
    if not schemes:
        return None  # public: anything but a 5xx
    if response.status_code != 401:
        return f"{response.status_code}, expected 401: {response.text[:120]}"
    if response.headers.get("content-type", "").split(";")[0] != "application/json" or "error" not in response.json():
        return "401 without the JSON error envelope"
    if schemes & ACCESS_SCHEMES and 'error="invalid_token"' not in response.headers.get("www-authenticate", ""):
        return f'401 without error="invalid_token": {response.headers.get("www-authenticate")!r}'
    return None


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_token_is_refused_on_every_route(local_stack, genuine, forgery):
    token = FORGERIES[forgery](claims_of(genuine.access_token))
    problems = []
    for route in routes():
        for way in ("bearer", "cookie"):
            problem = refusal_problem(route, send(local_stack, route, token, way, genuine.origin))
            if problem:
                problems.append(f"{route.route_key} by {way}: {problem}")
    assert not problems, f"{forgery}:\n" + "\n".join(problems)


def test_the_genuine_token_passes_where_the_forgeries_fail(local_stack, create_user):
    """The control: the same requests with a real token are not refused, so a 401 above is the forgery's.
    A sign-in of its own: the forgeries above include an expired copy of `genuine`'s token, correctly
    signed (these tests hold the emulator's key), and /auth/logout ends a session by such a copy."""
    email = f"control-{secrets.token_hex(4)}@example.com"
    password = f"Control-{secrets.token_urlsafe(12)}1a"
    create_user(local_stack, email, password, "Connie", "Trol")
    genuine = sign_in(local_stack, email, password)
    refused = []
    for route in routes():
        if security_schemes(route) & ACCESS_SCHEMES:
            for way in ("bearer", "cookie"):
                response = send(local_stack, route, genuine.access_token, way, genuine.origin)
                if response.status_code in (401, 403) or response.status_code >= 500:
                    refused.append(f"{route.route_key} by {way}: {response.status_code} {response.text[:120]}")
    assert not refused, "\n".join(refused)
