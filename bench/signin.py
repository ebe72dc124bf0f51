"""Signing in through the local stack's hosted UI, as a browser would, without following redirects.

The bench needs what a browser gets (tokens in cookies) and, for /auth/callback, many fresh
authorization codes; both come from the real hosted-UI form, not from minted tokens.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import secrets
import urllib.parse
from dataclasses import dataclass


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    cookies: dict[str, str]


def _request(url: str, method: str = "GET", form: dict | None = None, cookies: dict | None = None):
    """One HTTP exchange on loopback, redirects not followed: (status, headers as list, body)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["content-type"] = "application/x-www-form-urlencoded"
    if cookies:
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _set_cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


def _location(headers: list[tuple[str, str]]) -> str:
    return next(value for name, value in headers if name.lower() == "location")


def authorize(authorize_url: str, username: str, password: str) -> dict[str, str]:
    """Submit the hosted UI's login form for an /oauth2/authorize URL; returns the callback's query (code, state)."""
    parts = urllib.parse.urlsplit(authorize_url)
    login_url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/login", parts.query, ""))
    status, headers, body = _request(login_url, "POST", {"username": username, "password": password})
    if status != 302:
        raise RuntimeError(f"hosted UI login answered {status}: {body[:200]!r}")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(_location(headers)).query))


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def fresh_code(stack: dict, redirect_uri: str) -> tuple[str, str]:
    """A new authorization code for our own PKCE verifier: (code, verifier)."""
    verifier, challenge = pkce_pair()
    query = urllib.parse.urlencode(
        {
            "client_id": stack["client_id"],
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    user = stack["demo_user"]
    found = authorize(f"{stack['cognito_base_url']}/oauth2/authorize?{query}", user["username"], user["password"])
    return found["code"], verifier


def sign_in(stack: dict, return_to: str = "/learn") -> Tokens:
    """The full browser flow through the running stack: /auth/login, the hosted UI form, /auth/callback."""
    api = stack["api_url"].rstrip("/")
    status, headers, _ = _request(f"{api}/auth/login?{urllib.parse.urlencode({'return_to': return_to})}")
    if status != 302:
        raise RuntimeError(f"/auth/login answered {status}")
    jar = _set_cookies(headers)
    user = stack["demo_user"]
    callback_query = authorize(_location(headers), user["username"], user["password"])
    status, headers, body = _request(f"{api}/auth/callback?{urllib.parse.urlencode(callback_query)}", cookies=jar)
    if status != 302:
        raise RuntimeError(f"/auth/callback answered {status}: {body[:200]!r}")
    jar = _set_cookies(headers)
    return Tokens(jar["hhl_access_token"], jar["hhl_refresh_token"], jar)
