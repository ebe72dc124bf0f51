"""The sign-in step behind /auth/callback (the refresh step is hhl.auth.refresh).

It returns what the handler needs to answer (cookies, a redirect target) and raises HttpErrors
with client-safe messages: 400 when the callback cannot be tied to this browser's login or Cognito
refuses its code (invalid_grant), 503 with Retry-After when Cognito or its JWKS is down or slow, 502
when Cognito answers something unusable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hhl.auth import cookies, oauth
from hhl.auth.refresh_cookie import refresh_cookie_value, session_of
from hhl.auth.refusals import SignInUnavailable
from hhl.auth.transaction import LoginTransaction
from hhl.auth.verifier import JwksUnavailable, JwtVerificationError, TokenVerifier, cognito_verifier
from hhl.http import BadRequest, DependencyError, HttpError
from hhl.observability import logger


class SignInNotVerified(BadRequest):
    def __init__(self) -> None:
        super().__init__("Sign-in could not be verified: start the sign-in again")


class CodeRefused(BadRequest):
    """Cognito answered invalid_grant: a made-up, expired or already redeemed code. The browser's problem."""

    def __init__(self) -> None:
        super().__init__("Sign-in code refused (invalid_grant): start the sign-in again")


class InvalidTokenFromCognito(DependencyError):
    def __init__(self) -> None:
        super().__init__("Token endpoint returned an invalid token")


@dataclass(frozen=True)
class CompletedLogin:
    user_id: str
    claims: dict
    return_to: str
    cookies: list[str]


def complete_login(transaction: LoginTransaction, code: str | None) -> CompletedLogin:
    """Exchange the code of this browser's (redeemed) login transaction, verify both tokens, build the cookies."""
    if not code:
        raise BadRequest("Missing authorization code")
    try:
        tokens = oauth.exchange_code(code, transaction.code_verifier)
    except oauth.TokenEndpointError as exc:
        # Only invalid_grant is the code's fault; invalid_client and the like are our misconfiguration: 502.
        if exc.oauth_error == "invalid_grant":
            raise CodeRefused() from None
        raise
    if not tokens.id_token:
        raise DependencyError("Token endpoint returned no ID token")
    id_claims = verified(
        lambda v: v.verify_id_token(tokens.id_token, transaction.nonce, tokens.access_token), SignInNotVerified
    )
    access_claims = verified(lambda v: v.verify_access_token(tokens.access_token), SignInNotVerified)
    if access_claims["sub"] != id_claims["sub"]:
        logger.warning("sign-in rejected", extra={"check": "access and ID token subjects differ"})
        raise SignInNotVerified()
    session_cookies = [cookies.access_cookie(tokens.access_token, lifetime(access_claims))]
    if tokens.refresh_token:
        value = refresh_cookie_value(session_of(access_claims), tokens.refresh_token, oauth.client_secret())
        session_cookies.append(cookies.refresh_cookie(value))
    return CompletedLogin(id_claims["sub"], id_claims, transaction.return_to, session_cookies)


def verified(check: Callable[[TokenVerifier], dict], rejection: type[HttpError]) -> dict:
    """Run a verifier check; a failed check raises `rejection`, a JWKS outage 503."""
    try:
        return check(cognito_verifier())
    except JwksUnavailable:
        raise SignInUnavailable() from None
    except JwtVerificationError as exc:
        logger.warning("token rejected", extra={"check": type(exc).__name__, "rejection": rejection.__name__})
        raise rejection() from None


def lifetime(claims: dict) -> int:
    return max(0, int(claims["exp"] - time.time()))
