"""Sign-in failures and sign-out as a person meets them, in Debian's Chromium across origins: two tabs
signing in at once with one cookie jar, a stale callback page, and a sign-out link on another site (a
cancelled sign-in: tests/browser/test_site_journey.py). What the browser sends (Sec-Fetch-*, cookies,
SameSite) is its own."""

from __future__ import annotations

import re
import urllib.parse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def hosted_ui_url(stack) -> re.Pattern:
    return re.compile(re.escape(stack["cognito_base_url"].rstrip("/")) + r"/oauth2/authorize\?.*")


def open_sign_in(context, stack):
    """A new tab on the site page that clicked "Sign in" and now shows the hosted UI's form."""
    page = context.new_page()
    page.goto(stack["site_url"])
    page.locator("#login").click()
    page.wait_for_url(hosted_ui_url(stack))
    return page


def submit(page, user: dict) -> None:
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    page.click("button[type=submit]")


def signed_in(page, stack, user: dict) -> None:
    page.wait_for_url(stack["site_url"])
    page.locator("#profile-email").filter(has_text=user["email"]).wait_for()


def test_two_tabs_signing_in_at_once_both_land_signed_in(local_stack, context):
    demo = local_stack["demo_user"]
    first, second = open_sign_in(context, local_stack), open_sign_in(context, local_stack)

    submit(second, demo)
    signed_in(second, local_stack, demo)
    submit(first, demo)
    signed_in(first, local_stack, demo)

    for page in (first, second):
        assert page.locator("[data-hhl-auth-error]").get_attribute("data-code") is None  # no error was shown
    assert "__Host-hhl_login" not in {cookie["name"] for cookie in context.cookies()}


def test_a_stale_callback_says_the_sign_in_expired_only_when_signed_out(local_stack, context):
    demo = local_stack["demo_user"]
    page = open_sign_in(context, local_stack)
    callback_urls = []
    page.on("request", lambda request: "/auth/callback?" in request.url and callback_urls.append(request.url))
    submit(page, demo)
    signed_in(page, local_stack, demo)

    # The same callback again (history, a reload, a shared link) while still signed in: it fails, but telling
    # a signed-in learner their sign-in expired would be false, so the page just shows them signed in.
    page.goto(callback_urls[0])
    page.locator("#profile-email").filter(has_text=demo["email"]).wait_for()
    assert page.locator("[data-hhl-auth-error]").is_hidden()

    # Once nobody is signed in on this browser, the same stale callback says the sign-in expired.
    context.clear_cookies()
    page.goto(callback_urls[0])
    notice = page.locator("[data-hhl-auth-error]")
    notice.wait_for()
    assert notice.get_attribute("data-code") == "session_expired"


def test_a_sign_out_link_on_another_site_signs_nobody_out(local_stack, context):
    demo = local_stack["demo_user"]
    page = open_sign_in(context, local_stack)
    submit(page, demo)
    signed_in(page, local_stack, demo)

    # 127.0.0.1 is another site than *.hedgehog.localhost: a page there navigates to the sign-out URL.
    site = urllib.parse.urlsplit(local_stack["site_url"])
    page.goto(f"{site.scheme}://127.0.0.1:{site.port}{site.path}")
    page.evaluate("url => { window.location.href = url }", f"{local_stack['site_api_url']}/auth/logout")
    page.wait_for_url(local_stack["handler_env"]["SITE_BASE_URL"] + "/learn")  # to the site, not the hosted UI

    names = {cookie["name"] for cookie in context.cookies()}
    assert {"__Host-hhl_access_token", "__Host-hhl_refresh_token"} <= names
    page.goto(local_stack["site_url"])
    page.locator("#profile-email").filter(has_text=demo["email"]).wait_for()
