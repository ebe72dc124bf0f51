"""A learner on the local stack as the site sees one: signed in through the hosted UI, then calling the API over
real HTTP with the session cookies and the site's Origin (integration tests)."""

from __future__ import annotations

import secrets

import requests

from kit.sign_in import TIMEOUT, SignedIn, sign_in

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]


def new_learner(stack, create_user, email_prefix="learner", given_name="Grace", family_name="Hopper") -> SignedIn:
    """A learner of the test's own in the stack's pool, signed in through the hosted UI."""
    email = f"{email_prefix}-{secrets.token_hex(4)}@example.com"
    password = f"Pw-{secrets.token_urlsafe(18)}1a"
    create_user(stack, email, password, given_name, family_name)
    return sign_in(stack, email, password)


class Site:
    """Calls the API the way the site's pages do: session cookies, Origin, JSON."""

    def __init__(self, stack, signed):
        self.base = stack["api_url"]
        self.signed = signed

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.base}{path}", cookies=self.signed.cookies, timeout=TIMEOUT)

    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(
            f"{self.base}{path}",
            json=body,
            cookies=self.signed.cookies,
            headers={"origin": self.signed.origin},
            timeout=TIMEOUT,
        )

    def delete(self, path: str) -> requests.Response:
        return requests.delete(
            f"{self.base}{path}", cookies=self.signed.cookies, headers={"origin": self.signed.origin}, timeout=TIMEOUT
        )
