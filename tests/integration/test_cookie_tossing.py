"""Cookie tossing (issue 11, item 7), replayed over HTTP against the local stack.

A sibling host of hedgehog.cloud (say a compromised blog.hedgehog.cloud) can set a cookie for
`Domain=hedgehog.cloud` that the browser then sends to api.hedgehog.cloud beside the learner's own,
and it can order its cookie first (a longer Path wins the order). When the API took the first value of
a repeated name, the attacker's token chose the account. `__Host-` names stop the planting in the
browser; the API also refuses any request that repeats a session cookie name, whatever the browser did.
Each attack here sends what such a browser sends: the attacker's cookie first, the victim's second.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.parse

import pytest
import requests

from kit.sign_in import (
    ACCESS_COOKIE,
    LOGIN_COOKIE,
    REFRESH_COOKIE,
    TIMEOUT,
    set_cookies,
    sign_in,
    start_login,
)

pytestmark = pytest.mark.integration

COURSE = "hedgehog-lab-foundations"
MODULE = "accessing-the-hedgehog-virtual-lab-with-google-cloud"


def _learner(local_stack, create_user, first_name: str):
    email = f"{first_name.lower()}-{secrets.token_hex(4)}@example.com"
    password = f"Toss-{secrets.token_urlsafe(12)}1a"
    create_user(local_stack, email, password, first_name, "Tester")
    return sign_in(local_stack, email, password)


@pytest.fixture(scope="module")
def victim(local_stack, create_user):
    return _learner(local_stack, create_user, "Victim")


@pytest.fixture(scope="module")
def attacker(local_stack, create_user):
    return _learner(local_stack, create_user, "Attacker")


def _tossed(name: str, attacker_value: str, victim_value: str) -> dict[str, str]:
    """The Cookie header of a browser holding the attacker's planted cookie (sent first) and the victim's."""
    return {"cookie": f"{name}={attacker_value}; {name}={victim_value}"}


def _assert_refused_and_cleared(response: requests.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]
    assert set_cookies(response) == {ACCESS_COOKIE: "", REFRESH_COOKIE: ""}


def test_session_cookies_are_host_prefixed(victim):
    assert ACCESS_COOKIE.startswith("__Host-") and REFRESH_COOKIE.startswith("__Host-")
    assert set(victim.cookies) == {ACCESS_COOKIE, REFRESH_COOKIE}


def test_a_planted_access_cookie_first_does_not_show_the_attackers_profile(local_stack, victim, attacker):
    response = requests.get(
        f"{local_stack['api_url']}/auth/me",
        headers=_tossed(ACCESS_COOKIE, attacker.access_token, victim.access_token),
        timeout=TIMEOUT,
    )
    _assert_refused_and_cleared(response)


def test_the_victims_progress_is_not_recorded_in_the_attackers_account(local_stack, victim, attacker):
    api = local_stack["api_url"]
    response = requests.post(
        f"{api}/progress",
        data=json.dumps({"courseSlug": COURSE, "moduleSlug": MODULE, "event": "completed"}),
        headers={
            **_tossed(ACCESS_COOKIE, attacker.access_token, victim.access_token),
            "origin": victim.origin,
            "content-type": "application/json",
        },
        timeout=TIMEOUT,
    )
    _assert_refused_and_cleared(response)
    for learner in (attacker, victim):
        progress = requests.get(f"{api}/progress", headers=learner.bearer, timeout=TIMEOUT)
        assert progress.status_code == 200 and progress.json()["courses"] == []


def test_two_refresh_cookies_cannot_sign_the_victim_into_the_attackers_account(local_stack, victim, attacker):
    # Login CSRF: a refresh with the attacker's refresh token first would hand the victim the attacker's session.
    response = requests.post(
        f"{local_stack['api_url']}/auth/refresh",
        headers={**_tossed(REFRESH_COOKIE, attacker.refresh_token, victim.refresh_token), "origin": victim.origin},
        timeout=TIMEOUT,
    )
    _assert_refused_and_cleared(response)


def test_a_repeated_name_in_separate_cookie_headers_is_refused_too(local_stack, victim, attacker):
    # HTTP/2 browsers may send one Cookie header per cookie; API Gateway joins them into one `cookies` list.
    api = urllib.parse.urlsplit(local_stack["api_url"])
    connection = http.client.HTTPConnection(api.hostname, api.port, timeout=TIMEOUT)
    try:
        connection.putrequest("GET", "/auth/me")
        connection.putheader("cookie", f"{ACCESS_COOKIE}={attacker.access_token}")
        connection.putheader("cookie", f"{ACCESS_COOKIE}={victim.access_token}")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 401
        cleared = {header.split("=", 1)[0] for header in response.headers.get_all("set-cookie") or []}
        assert cleared == {ACCESS_COOKIE, REFRESH_COOKIE}
    finally:
        connection.close()


def test_a_repeated_login_cookie_ends_the_sign_in(local_stack):
    _, first = start_login(local_stack)
    _, second = start_login(local_stack)
    response = requests.get(
        f"{local_stack['api_url']}/auth/callback?code=abc&state=xyz",
        headers={"cookie": f"{LOGIN_COOKIE}={first}; {LOGIN_COOKIE}={second}", "accept": "application/json"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 401, response.text
    assert set_cookies(response) == {ACCESS_COOKIE: "", REFRESH_COOKIE: "", LOGIN_COOKIE: ""}
