"""Sign-out, everything but the answer: end the session everywhere, revoke its refresh token.

Both are best effort: a learner who asks to sign out gets their cookies cleared and the hosted UI session
ended even when Cognito or DynamoDB fails (logged). The session comes from the refresh cookie (which names
it, hhl.auth.refresh_cookie) or else from the access cookie, verified but accepted past its expiry: an
expired token still names a sign-in whose refresh token may outlive a failed revocation.

Ending it is a write only (hhl.storage.ended_sessions): the containers that authenticate read it within 30 s
(hhl.auth.revocation). Not through revocation's reader, so the logout function needs no read grant.
"""

from __future__ import annotations

from collections.abc import Mapping

from hhl.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE
from hhl.auth.oauth import client_secret, revoke
from hhl.auth.refresh_cookie import Session, read_refresh_cookie, session_of
from hhl.observability import logger
from hhl.secret_store import SecretUnavailable
from hhl.storage.ended_sessions import record_ended
from hhl.storage.errors import StorageError


def sign_out(cookies: Mapping[str, str]) -> None:
    session = None
    refresh_value = cookies.get(REFRESH_COOKIE)
    if refresh_value:
        try:
            key = client_secret()
        except SecretUnavailable:
            key = None  # the token is still revoked (revoke reads the secret again, and logs if it cannot)
        session, refresh_token = read_refresh_cookie(refresh_value, key)
        revoke(refresh_token)
    if session is None and cookies.get(ACCESS_COOKIE):
        session = _session_of_access_token(cookies[ACCESS_COOKIE])
    if session is None:
        return
    try:
        record_ended(session.user_id, session.session_id)
    except StorageError:
        logger.warning("session end not recorded; its access tokens live until they expire")


def _session_of_access_token(token: str) -> Session | None:
    # Imported here: the verifier (PyJWT, cryptography) is needed only when the refresh cookie named no session.
    from hhl.auth.verifier import JwksUnavailable, JwtVerificationError, cognito_verifier

    try:
        return session_of(cognito_verifier().check_access_token(token, allow_expired=True))
    except (JwksUnavailable, JwtVerificationError) as exc:
        logger.info("sign-out without a verifiable session", extra={"check": type(exc).__name__})
        return None
