"""The one request-authentication step every protected endpoint runs: `identity = authenticate(event)`.

The access token comes from the `__Host-hhl_access_token` cookie (the site's pages) or an
`Authorization: Bearer` header (scripts, tests). Cookies are sent by the browser on its own, so a
cookie-authenticated state-changing request must also prove it came from one of our pages (CSRF):
its Origin must be an allowed origin and a body must be JSON, which a cross-site HTML form cannot
send without a CORS preflight. A Bearer token has to be attached by code that already holds it, so
those requests are not CSRF-exposed and skip the check.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hhl.auth.cookies import ACCESS_COOKIE, session_cookies
from hhl.auth.cross_site import check_origin
from hhl.auth.jwks import OUTAGE_RETRY_SECONDS
from hhl.auth.verifier import JwksUnavailable, JwtVerificationError, cognito_verifier
from hhl.http import DependencyError, HttpError, header
from hhl.observability import logger

REALM = 'Bearer realm="Hedgehog Learn"'
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Unauthorized(HttpError):
    status = 401


class MissingAccessToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__("Unauthorized: Missing access token", headers={"www-authenticate": REALM})


class InvalidAccessToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__(
            "Unauthorized: Invalid or expired token", headers={"www-authenticate": f'{REALM}, error="invalid_token"'}
        )


class SignInUnavailable(DependencyError):
    """The issuer's keys cannot be fetched: not the caller's fault (503), and worth retrying shortly."""

    status = 503

    def __init__(self) -> None:
        retry_after = str(math.ceil(OUTAGE_RETRY_SECONDS))
        super().__init__("Sign-in service unavailable, try again shortly", headers={"retry-after": retry_after})


class UnsupportedMediaType(HttpError):
    status = 415

    def __init__(self) -> None:
        super().__init__("Content-Type must be application/json")


@dataclass(frozen=True)
class Identity:
    """A verified caller. user_id is the Cognito `sub`, the key of every per-user table."""

    user_id: str
    username: str
    claims: Mapping[str, Any]
    via_cookie: bool


def authenticate(event: Mapping) -> Identity:
    """The verified identity behind `event`, or an HttpError: 401 (no/bad token), 403 (Origin), 415 (body type)."""
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
        content_type = (header(event, "content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise UnsupportedMediaType()


def _method(event: Mapping) -> str:
    return ((event.get("requestContext") or {}).get("http") or {}).get("method", "").upper()
