"""The refresh cookie's value names the session (sign-in) its token belongs to.

Cognito's refresh tokens are opaque, so the cookie carries `<userId>:<sessionId>:<mac>:<refresh token>`
(sessionId = the sign-in's `origin_jti`, the MAC keyed by the app client's secret): a refresh token
Cognito refuses (a retired one reused after the rotation grace period, a revoked one) still names the
session to end, and so does a sign-out without a live access cookie. Only cookies this service minted
name a session, so nobody else can make it record sessions as ended. No storage here: the callback sets
the cookie without needing the ended-sessions table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_SEPARATOR = ":"


@dataclass(frozen=True)
class Session:
    user_id: str  # the Cognito sub
    session_id: str  # the sign-in's origin_jti


def session_of(claims: Mapping[str, Any]) -> Session | None:
    """The session a verified token belongs to; None when it carries no origin_jti."""
    sub, origin_jti = claims.get("sub"), claims.get("origin_jti")
    if not isinstance(sub, str) or not sub or not isinstance(origin_jti, str) or not origin_jti:
        return None
    return Session(sub, origin_jti)


def refresh_cookie_value(session: Session | None, refresh_token: str, key: str | None) -> str:
    """The refresh cookie's value: the token, prefixed with its session when there is a key to sign it with."""
    if session is None or not key:
        return refresh_token
    fields = (session.user_id, session.session_id)
    return _SEPARATOR.join((*fields, _mac(fields, key), refresh_token))


def read_refresh_cookie(value: str, key: str | None) -> tuple[Session | None, str]:
    """(the session the cookie names, or None when it names none we minted; the refresh token)."""
    parts = value.split(_SEPARATOR, 3)
    if len(parts) != 4:
        return None, value  # a bare token (a cookie set before sessions were named, or no key)
    user_id, session_id, mac, refresh_token = parts
    if not key or not hmac.compare_digest(mac.encode(), _mac((user_id, session_id), key).encode()):
        return None, refresh_token
    return Session(user_id, session_id), refresh_token


def _mac(fields: tuple[str, str], key: str) -> str:
    message = "\n".join(("hhl-refresh-session-v1", *fields)).encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
