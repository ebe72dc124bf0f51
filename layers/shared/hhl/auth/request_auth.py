"""The one request-authentication step every protected endpoint runs: `identity = authenticate(event)`.

The access token comes from the `__Host-hhl_access_token` cookie (the site's pages) or an
`Authorization: Bearer` header (scripts, tests). Cookies are sent by the browser on its own, so a
cookie-authenticated state-changing request must also prove it came from one of our pages (CSRF):
its Origin must be an allowed origin and a body must be JSON, which a cross-site HTML form cannot
send without a CORS preflight. A Bearer token has to be attached by code that already holds it, so
those requests are not CSRF-exposed and skip the check.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hhl.auth.cookies import ACCESS_COOKIE, session_cookies
from hhl.auth.cross_site import check_origin
from hhl.auth.refusals import (
    REALM,
    InvalidAccessToken,
    MissingAccessToken,
    SessionEnded,
    SignInUnavailable,
    Unauthorized,
)
from hhl.auth.revocation import ended_sessions, session_of
from hhl.auth.verifier import JwksUnavailable, JwtVerificationError, cognito_verifier
from hhl.http import header, require_json_content_type
from hhl.observability import logger

__all__ = [
    "REALM",
    "Identity",
    "InvalidAccessToken",
    "MissingAccessToken",
    "SessionEnded",
    "SignInUnavailable",
    "Unauthorized",
    "authenticate",
    "check_cross_site_request",
]

STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Identity:
    """A verified caller. user_id is the Cognito `sub`, the key of every per-user table."""

    user_id: str
    username: str
    claims: Mapping[str, Any]
    via_cookie: bool


def authenticate(event: Mapping) -> Identity:
    """The verified identity behind `event`, or an HttpError: 401 (no/bad token, or its session signed out:
    SessionEnded), 403 (Origin), 415 (body type), 503 (the issuer's keys or the ended-sessions table down)."""
    token, via_cookie = _access_token(event)
    if via_cookie:
        check_cross_site_request(event)
    try:
        claims = cognito_verifier().verify_access_token(token)
    except JwksUnavailable:
        logger.warning("JWKS unavailable; cannot verify access tokens")
        raise SignInUnavailable() from None
    except JwtVerificationError as exc:
        logger.info("access token rejected", extra={"check": type(exc).__name__})
        raise InvalidAccessToken() from None
    session = session_of(claims)
    if session is None:  # Cognito puts origin_jti in every token when token revocation is on (template.yaml)
        logger.info("access token rejected", extra={"check": "no origin_jti"})
        raise InvalidAccessToken()
    ended_sessions().ensure_live(session)
    return Identity(
        user_id=claims["sub"],
        username=str(claims.get("username") or claims["sub"]),
        claims=types.MappingProxyType(claims),
        via_cookie=via_cookie,
    )


def _access_token(event: Mapping) -> tuple[str, bool]:
    scheme, _, credentials = (header(event, "authorization") or "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip(), False
    cookie = session_cookies(event).get(ACCESS_COOKIE, "")
    if cookie:
        return cookie, True
    raise MissingAccessToken()


def check_cross_site_request(event: Mapping) -> None:
    if _method(event) not in STATE_CHANGING_METHODS:
        return
    check_origin(event)
    if event.get("body"):
        require_json_content_type(event)


def _method(event: Mapping) -> str:
    return ((event.get("requestContext") or {}).get("http") or {}).get("method", "").upper()
