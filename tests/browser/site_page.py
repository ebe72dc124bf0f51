"""What every browser test does on the site page: open it and sign in through the local hosted UI."""

from __future__ import annotations


def site_url(stack) -> str:
    return stack.get("site_url") or f"{stack['api_url']}/learn"


def sign_in(page, stack, learner: dict, start: str | None = None) -> None:
    """From the page's "Sign in" (#login) through the hosted UI, back to the page, profile shown."""
    start = start or site_url(stack)
    page.goto(start)
    page.locator("#login").click()
    page.wait_for_url(f"{stack['cognito_base_url'].rstrip('/')}/oauth2/authorize?**")
    page.fill("input[name=username]", learner["email"])
    page.fill("input[name=password]", learner["password"])
    page.click("button[type=submit]")
    page.wait_for_url(start)
    page.locator("#profile-email").filter(has_text=learner["email"]).wait_for()
