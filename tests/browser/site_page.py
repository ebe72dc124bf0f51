"""What every browser test does on the site page: make a learner, open the page and sign in through the local
hosted UI."""

from __future__ import annotations

import secrets

from local.stack import create_user


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


def new_learner(stack, email_prefix: str, given_name: str, family_name: str) -> dict:
    """A confirmed user in the stack's pool, new for this test (progress only ever moves forward, so tests must not
    share one): {"email", "password"}, as sign_in takes it."""
    learner = {
        "email": f"{email_prefix}-{secrets.token_hex(6)}@example.com",
        "password": f"Pw-{secrets.token_urlsafe(18)}1a",
    }
    create_user(stack.cognito(), stack["user_pool_id"], learner["email"], learner["password"], given_name, family_name)
    return learner
