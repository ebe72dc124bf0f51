"""Signing in to the local stack over HTTP, the way a browser does, for any integration test.

    signed = sign_in(local_stack, demo["username"], demo["password"])
    requests.get(f"{local_stack['api_url']}/auth/me", cookies=signed.cookies)   # cookie-authenticated
    requests.get(..., headers=signed.bearer)                                     # Bearer-authenticated

`requests` keeps Secure cookies out of plain-http requests, so cookies are read from the Set-Cookie
headers here and passed explicitly. Every Set-Cookie seen on the way is checked for its flags.
For cookie-authenticated writes, send `signed.write_headers` (Origin + JSON content type).
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse
from dataclasses import dataclass, field

import requests

ACCESS_COOKIE = "__Host-hhl_access_token"
REFRESH_COOKIE = "__Host-hhl_refresh_token"
LOGIN_COOKIE = "__Host-hhl_login"
TIMEOUT = 10

# name -> (SameSite, Path, Max-Age when set; None: any positive value)
COOKIE_RULES = {
    ACCESS_COOKIE: ("Lax", "/", None),
    REFRESH_COOKIE: ("Strict", "/", 30 * 24 * 3600),
    LOGIN_COOKIE: ("Lax", "/", 600),
}


def check_set_cookie(header: str) -> tuple[str, str, dict[str, str]]:
    """Assert a Set-Cookie carries the flags its cookie must have; returns (name, value, attributes)."""
    pair, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = pair.partition("=")
    attrs = {}
    for attribute in attributes:
        key, _, attr_value = attribute.partition("=")
        attrs[key.lower()] = attr_value
    assert name in COOKIE_RULES, f"unexpected cookie {name}"
    same_site, path, max_age = COOKIE_RULES[name]
    assert "httponly" in attrs, header
    assert "secure" in attrs, header
    assert attrs.get("samesite") == same_site, header
    assert attrs.get("path") == path, header
    assert "domain" not in attrs, header
    assert "max-age" in attrs, header
    if value:
        assert int(attrs["max-age"]) > 0, header
        assert max_age is None or int(attrs["max-age"]) == max_age, header
    else:
        assert attrs["max-age"] == "0", header
    return name, value, attrs


def set_cookies(response: requests.Response) -> dict[str, str]:
    """name -> value of every Set-Cookie in `response` (flags checked); a cleared cookie maps to ""."""
    found = {}
    for header in response.raw.headers.getlist("set-cookie"):
        name, value, _ = check_set_cookie(header)
        found[name] = value
    return found


@dataclass
class SignedIn:
    access_token: str
    refresh_token: str
    landed_on: str  # where the callback redirected the browser
    origin: str  # the site's origin, for the Origin header of cookie-authenticated writes
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def user_id(self) -> str:
        """The Cognito sub (read, not verified: the server verifies)."""
        payload = self.access_token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]

    @property
    def bearer(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access_token}"}

    @property
    def write_headers(self) -> dict[str, str]:
        return {"origin": self.origin, "content-type": "application/json"}


def site_origin(stack) -> str:
    """The site's origin (SITE_BASE_URL): where sign-in lands, and the Origin its pages' writes carry."""
    return stack["handler_env"]["SITE_BASE_URL"]


def start_login(stack, return_to: str | None = "/learn") -> tuple[str, str]:
    """GET /auth/login: returns (the hosted UI authorize URL, the sealed transaction cookie)."""
    query = f"?{urllib.parse.urlencode({'return_to': return_to})}" if return_to is not None else ""
    response = requests.get(f"{stack['api_url']}/auth/login{query}", allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, response.text
    return response.headers["location"], set_cookies(response)[LOGIN_COOKIE]


def submit_hosted_ui(authorize_url: str, username: str, password: str) -> str:
    """Open the hosted UI's form and post the credentials; returns the callback URL it redirects to, on
    loopback for Python (the browser's URL is on api.hedgehog.localhost, a name only Chromium resolves)."""
    page = requests.get(authorize_url, timeout=TIMEOUT)
    assert page.status_code == 200, page.text
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    response = requests.post(
        urllib.parse.urljoin(authorize_url, action),
        data={"username": username, "password": password},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, f"hosted UI refused the sign-in: {response.status_code} {response.text[:500]}"
    return loopback_url(response.headers["location"])


def sign_in(stack, username: str, password: str, return_to: str = "/learn") -> SignedIn:
    """The whole browser sign-in: /auth/login -> hosted UI form -> /auth/callback. Asserts each step."""
    authorize_url, login_cookie = start_login(stack, return_to)
    callback_url = submit_hosted_ui(authorize_url, username, password)
    response = requests.get(callback_url, cookies={LOGIN_COOKIE: login_cookie}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302, f"callback failed: {response.status_code} {response.text[:500]}"
    cookies = set_cookies(response)
    assert cookies.get(LOGIN_COOKIE) == "", "the callback must clear the login transaction cookie"
    session = {ACCESS_COOKIE: cookies[ACCESS_COOKIE], REFRESH_COOKIE: cookies[REFRESH_COOKIE]}
    return SignedIn(
        access_token=cookies[ACCESS_COOKIE],
        refresh_token=cookies[REFRESH_COOKIE],
        landed_on=response.headers["location"],
        origin=site_origin(stack),
        cookies=session,
    )


def loopback_url(url: str) -> str:
    """`url` as Python can fetch it: Chromium resolves *.localhost to loopback itself, Python's resolver
    does not, so the stack's browser-facing names (site_url, site_api_url) become 127.0.0.1."""
    parts = urllib.parse.urlsplit(url)
    if not (parts.hostname or "").endswith(".localhost"):
        return url
    netloc = f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
