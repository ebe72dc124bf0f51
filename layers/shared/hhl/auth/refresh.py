"""The refresh step behind POST /auth/refresh, with refresh-token rotation.

Cognito's GetTokensFromRefreshToken returns new tokens and, with rotation on, a new refresh token: both
cookies are set again. The token sent stays valid for the app client's grace period (30 s), so two tabs
refreshing at once both succeed. A refresh token Cognito refuses (revoked at sign-out, expired, or a
retired one reused after the grace period: someone else holds a copy) ends the session it belongs to, so
every token of that sign-in stops working within the revocation window (hhl.auth.revocation).
"""

from __future__ import annotations

from dataclasses import dataclass

from hhl.auth import cookies, oauth
from hhl.auth.refresh_cookie import read_refresh_cookie, refresh_cookie_value
from hhl.auth.refusals import SessionEnded
from hhl.auth.revocation import ended_sessions, session_of
from hhl.auth.token_exchange import InvalidTokenFromCognito, lifetime, verified
from hhl.observability import logger


@dataclass(frozen=True)
class RefreshedSession:
    cookies: list[str]
    expires_in: int


def refresh_session(cookie_value: str | None) -> RefreshedSession:
    """New access and refresh cookies. SessionEnded (401) when there is no refresh cookie, Cognito refuses
    its token or the session was signed out; TokenEndpointError (503/502) when Cognito fails."""
    if not cookie_value:
        raise SessionEnded()
    key = oauth.client_secret()
    named_session, refresh_token = read_refresh_cookie(cookie_value, key)
    try:
        tokens = oauth.refresh_tokens(refresh_token)
    except oauth.TokenEndpointError as exc:
        if not exc.rejected:
            raise
        logger.info("refresh token refused", extra={"reason": exc.oauth_error, "session_named": bool(named_session)})
        if named_session is not None:
            ended_sessions().end(named_session)
        raise SessionEnded() from None
    claims = verified(lambda v: v.verify_access_token(tokens.access_token), InvalidTokenFromCognito)
    session = session_of(claims)
    if session is None:
        raise InvalidTokenFromCognito()
    ended_sessions().ensure_live(session)
    expires_in = lifetime(claims)
    # Without rotation Cognito returns no refresh token: the same one is kept, now naming its session.
    value = refresh_cookie_value(session, tokens.refresh_token or refresh_token, key)
    return RefreshedSession(
        [cookies.access_cookie(tokens.access_token, expires_in), cookies.refresh_cookie(value)], expires_in
    )
