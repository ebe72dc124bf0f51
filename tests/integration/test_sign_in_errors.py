"""Sign-in failures a person meets in a browser, and two tabs signing in at once, over HTTP against the
local stack's real hosted UI and token endpoint (issue 9 "Friendly browser errors", issue 11 items 3, 8, 9).

`Browser` is one cookie jar that sends what a browser's navigation sends and keeps each Set-Cookie
(`requests` would keep Secure cookies off plain http, so the jar is explicit)."""

from __future__ import annotations

import urllib.parse

import pytest
import requests

from kit.sign_in import LOGIN_COOKIE, TIMEOUT, set_cookies, submit_hosted_ui

pytestmark = pytest.mark.integration

NAVIGATION = {"sec-fetch-mode": "navigate", "accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class Browser:
    def __init__(self, stack) -> None:
        self.api = stack["api_url"]
        self.site = stack["handler_env"]["SITE_BASE_URL"]
        self.jar: dict[str, str] = {}

    def navigate(self, path: str, fetch_site: str, **params) -> requests.Response:
        # A same-site navigation starts on one of the site's pages, whose origin the browser sends as Referer.
        referer = {"referer": f"{self.site}/learn"} if fetch_site == "same-site" else {}
        response = requests.get(
            f"{self.api}{path}",
            params=params,
            cookies=self.jar,
            headers={**NAVIGATION, "sec-fetch-site": fetch_site, **referer},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        for name, value in set_cookies(response).items():
            if value:
                self.jar[name] = value
            else:
                self.jar.pop(name, None)
        return response

    def start_sign_in(self, return_to: str) -> str:
        """Click "Sign in" on a site page: returns the hosted UI URL this tab is sent to."""
        response = self.navigate("/auth/login", "same-site", return_to=return_to)
        assert response.status_code == 302
        return response.headers["location"]

    def come_back(self, callback_url: str) -> requests.Response:
        """The hosted UI redirects the tab back: a cross-site navigation to /auth/callback."""
        parts = urllib.parse.urlsplit(callback_url)
        return self.navigate(parts.path, "cross-site", **dict(urllib.parse.parse_qsl(parts.query)))


@pytest.fixture
def site(local_stack) -> str:
    return local_stack["handler_env"]["SITE_BASE_URL"]


@pytest.fixture(scope="module")
def demo(local_stack):
    return local_stack["demo_user"]


def test_two_tabs_signing_in_at_the_same_time_both_succeed(local_stack, site, demo):
    browser = Browser(local_stack)
    tab_a = browser.start_sign_in("/learn/courses/a")
    tab_b = browser.start_sign_in("/learn/courses/b")
    callback_a = submit_hosted_ui(tab_a, demo["username"], demo["password"])
    callback_b = submit_hosted_ui(tab_b, demo["username"], demo["password"])

    done_b = browser.come_back(callback_b)
    assert done_b.headers["location"] == f"{site}/learn/courses/b"
    assert LOGIN_COOKIE in browser.jar, "tab A's sign-in is still in progress"
    done_a = browser.come_back(callback_a)
    assert done_a.headers["location"] == f"{site}/learn/courses/a"
    assert LOGIN_COOKIE not in browser.jar
    me = requests.get(f"{browser.api}/auth/me", cookies=browser.jar, timeout=TIMEOUT)
    assert me.status_code == 200 and me.json()["email"] == demo["email"]


def test_a_refused_code_sends_the_browser_back_to_the_site(local_stack, site, demo):
    browser = Browser(local_stack)
    authorize = urllib.parse.urlsplit(browser.start_sign_in("/learn/courses/x"))
    state = dict(urllib.parse.parse_qsl(authorize.query))["state"]
    response = browser.come_back(f"/auth/callback?code=made-up-code&state={state}")
    assert response.status_code == 302
    assert response.headers["location"] == f"{site}/learn/courses/x?auth_error=sign_in_failed"
    assert LOGIN_COOKIE not in browser.jar


def test_a_refused_code_is_a_4xx_for_an_api_client(local_stack):
    browser = Browser(local_stack)
    authorize = urllib.parse.urlsplit(browser.start_sign_in("/learn"))
    state = dict(urllib.parse.parse_qsl(authorize.query))["state"]
    response = requests.get(
        f"{browser.api}/auth/callback",
        params={"code": "made-up-code", "state": state},
        cookies=browser.jar,
        headers={"accept": "application/json"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400, response.text
    assert "invalid_grant" in response.json()["error"]


def test_a_forged_callback_error_leaves_the_sign_in_in_progress(local_stack, site, demo):
    browser = Browser(local_stack)
    authorize_url = browser.start_sign_in("/learn/courses/x")
    forged = browser.come_back("/auth/callback?error=access_denied")
    assert forged.headers["location"] == f"{site}/learn?auth_error=session_expired"
    assert set_cookies(forged) == {}
    done = browser.come_back(submit_hosted_ui(authorize_url, demo["username"], demo["password"]))
    assert done.headers["location"] == f"{site}/learn/courses/x"


def test_a_cross_site_logout_link_signs_nobody_out(local_stack, site, demo):
    browser = Browser(local_stack)
    browser.come_back(submit_hosted_ui(browser.start_sign_in("/learn"), demo["username"], demo["password"]))
    session = dict(browser.jar)

    lured = browser.navigate("/auth/logout", "cross-site", redirect_url="/learn/courses/x")
    assert lured.status_code == 302 and lured.headers["location"] == f"{site}/learn/courses/x"
    assert browser.jar == session
    assert requests.get(f"{browser.api}/auth/me", cookies=browser.jar, timeout=TIMEOUT).status_code == 200

    signed_out = browser.navigate("/auth/logout", "same-site")
    assert urllib.parse.urlsplit(signed_out.headers["location"]).path == "/logout"
    assert browser.jar == {}
