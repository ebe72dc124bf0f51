"""Single sign-on in a real browser, across origins as in production: Debian's headless Chromium, driven
by Playwright, opens the site page (www.hedgehog.localhost), signs the demo user in through the local
hosted UI (another site), lands back on the page, which sees its profile from the API on its own origin
(api.hedgehog.localhost, same-site) with a credentialed fetch, and signs out. Cookie flags are read from
the browser's own cookie store, as it decided to keep them."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.browser.site_page import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def page(context):  # one Chromium per session, a fresh context per test (tests/browser/conftest.py)
    return context.new_page()


def cookies_by_name(page) -> dict[str, dict]:
    return {cookie["name"]: cookie for cookie in page.context.cookies()}


def test_demo_user_signs_in_sees_profile_and_signs_out(local_stack, page):
    site_url, site_api = local_stack["site_url"], urllib.parse.urlsplit(local_stack["site_api_url"])
    demo = local_stack["demo_user"]

    # Through the local hosted UI's form and back on return_to, signed in: the page's script fetched /auth/me
    # with the HttpOnly cookie.
    sign_in(page, local_stack, demo, start=site_url)
    assert page.locator("#profile-email").inner_text() == demo["email"]
    assert page.locator("#profile-name").inner_text() == "Demo Learner"
    assert page.locator("#login").is_hidden()

    cookies = cookies_by_name(page)
    access, refresh = cookies["__Host-hhl_access_token"], cookies["__Host-hhl_refresh_token"]
    assert (access["httpOnly"], access["secure"], access["sameSite"], access["path"]) == (True, True, "Lax", "/")
    assert (refresh["httpOnly"], refresh["secure"], refresh["sameSite"], refresh["path"]) == (
        True,
        True,
        "Strict",
        "/",
    )
    assert access["expires"] > 0 and refresh["expires"] > access["expires"]
    assert access["domain"] == refresh["domain"] == site_api.hostname  # the API's host only, not the site's
    assert "__Host-hhl_login" not in cookies  # the callback cleared the login transaction
    assert page.evaluate("document.cookie") == ""  # no token is readable by scripts

    # Sign out: /auth/logout -> hosted UI /logout -> back to /learn, signed out.
    page.locator("#logout").click()
    page.wait_for_url(site_url)
    page.locator("#login").wait_for(state="visible")
    assert page.locator("#profile-email").is_hidden()
    assert not {"__Host-hhl_access_token", "__Host-hhl_refresh_token"} & set(cookies_by_name(page))
