"""The browser sign-in against the local stack over HTTP: login -> hosted UI -> callback -> /auth/me ->
refresh -> logout, with the emulator's real Cognito keys, tokens and JWKS."""

from __future__ import annotations

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
    site_origin,
    start_login,
    submit_hosted_ui,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(local_stack):
    return local_stack["demo_user"]


def test_sign_in_me_refresh_logout(local_stack, demo):
    api, site = local_stack["api_url"], site_origin(local_stack)
    signed = sign_in(local_stack, demo["username"], demo["password"], return_to="/learn/courses/first?tab=2")
    assert signed.landed_on == f"{site}/learn/courses/first?tab=2"

    me = requests.get(f"{api}/auth/me", cookies={ACCESS_COOKIE: signed.access_token}, timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    assert me.headers["cache-control"] == "no-store, private"
    profile = me.json()
    assert profile["email"] == demo["email"]
    assert profile["userId"] == signed.user_id
    assert profile["createdAt"] and profile["updatedAt"]
    assert requests.get(f"{api}/auth/me", headers=signed.bearer, timeout=TIMEOUT).json() == profile

    refreshed = requests.post(
        f"{api}/auth/refresh",
        cookies={REFRESH_COOKIE: signed.refresh_token},
        headers={"origin": signed.origin},
        timeout=TIMEOUT,
    )
    assert refreshed.status_code == 200, refreshed.text
    new_access = set_cookies(refreshed)[ACCESS_COOKIE]
    assert new_access and new_access != signed.access_token
    again = requests.get(f"{api}/auth/me", cookies={ACCESS_COOKIE: new_access}, timeout=TIMEOUT)
    assert again.status_code == 200 and again.json()["userId"] == signed.user_id

    logout = requests.post(
        f"{api}/auth/logout",
        cookies=signed.cookies,
        headers={"origin": signed.origin},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert logout.status_code == 302
    assert set_cookies(logout) == {ACCESS_COOKIE: "", REFRESH_COOKIE: ""}
    target = urllib.parse.urlsplit(logout.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == local_stack["cognito_base_url"].rstrip("/")
    assert target.path == "/logout"
    assert dict(urllib.parse.parse_qsl(target.query)) == {
        "client_id": local_stack["client_id"],
        "logout_uri": f"{site}/learn",
    }
    hosted_logout = requests.get(logout.headers["location"], allow_redirects=False, timeout=TIMEOUT)
    assert hosted_logout.status_code == 302 and hosted_logout.headers["location"] == f"{site}/learn"

    # The refresh token was revoked at Cognito: it cannot mint access tokens any more.
    after = requests.post(
        f"{api}/auth/refresh",
        cookies={REFRESH_COOKIE: signed.refresh_token},
        headers={"origin": signed.origin},
        timeout=TIMEOUT,
    )
    assert after.status_code == 401
    assert set_cookies(after) == {ACCESS_COOKIE: "", REFRESH_COOKIE: ""}


def test_login_redirects_to_the_local_hosted_ui(local_stack):
    authorize_url, _ = start_login(local_stack)
    assert authorize_url.startswith(f"{local_stack['cognito_base_url'].rstrip('/')}/oauth2/authorize?")


def test_callback_replayed_with_the_same_code_and_state_is_refused(local_stack, demo):
    authorize_url, login_cookie = start_login(local_stack)
    callback_url = submit_hosted_ui(authorize_url, demo["username"], demo["password"])
    first = requests.get(callback_url, cookies={LOGIN_COOKIE: login_cookie}, allow_redirects=False, timeout=TIMEOUT)
    assert first.status_code == 302
    replay = requests.get(callback_url, cookies={LOGIN_COOKIE: login_cookie}, allow_redirects=False, timeout=TIMEOUT)
    assert replay.status_code == 400
    assert ACCESS_COOKIE not in set_cookies(replay)


def test_callback_from_another_browser_is_refused(local_stack, demo):
    # Login CSRF: a callback URL completed by someone else arrives without this browser's transaction cookie.
    authorize_url, _ = start_login(local_stack)
    callback_url = submit_hosted_ui(authorize_url, demo["username"], demo["password"])
    response = requests.get(callback_url, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["error"]


def test_wrong_password_gets_no_code(local_stack, demo):
    authorize_url, _ = start_login(local_stack)
    with pytest.raises(AssertionError, match="hosted UI refused"):
        submit_hosted_ui(authorize_url, demo["username"], demo["password"] + "-wrong")
