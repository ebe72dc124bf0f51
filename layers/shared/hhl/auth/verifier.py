"""Cognito token verification, in the manner of awslabs/aws-jwt-verify: every check explicit and
named, one error class per failure, so a test can prove each check and a log line says which failed.

PyJWT does the JOSE work (header parsing, the RS256 signature over cached jwt.PyJWK keys); the
relying-party checks on the claims are spelled out here rather than left to jwt.decode's options,
because Cognito's own claims (token_use, client_id, nonce) are not standard and the aud/client_id
split differs between ID and access tokens.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from hhl.auth.errors import (
    JwksUnavailable,
    JwtExpired,
    JwtInvalidAlgorithm,
    JwtInvalidAtHash,
    JwtInvalidAudience,
    JwtInvalidClaim,
    JwtInvalidClientId,
    JwtInvalidIssuer,
    JwtInvalidSignature,
    JwtInvalidTokenUse,
    JwtMalformed,
    JwtMissingClaim,
    JwtMissingKid,
    JwtNonceMismatch,
    JwtOversized,
    JwtUnknownKid,
    JwtVerificationError,
)
from hhl.auth.jwks import JwksCache

ALLOWED_ALGORITHM = "RS256"
# Tolerated difference between Cognito's clock and ours, for `iat` only: an `exp` in the past is expired.
IAT_CLOCK_SKEW_SECONDS = 60
# Segment caps, in base64url characters, checked before anything is decoded: a JSON decoder recurses on
# nesting, so an unbounded header of `[[[[...` exhausted the stack (RecursionError, a 500). Cognito's
# header is ~100 characters, its 2048-bit RS256 signature 342; its ID tokens, with custom attributes and
# groups, stay a few KB.
MAX_HEADER_SEGMENT_CHARS = 512
MAX_PAYLOAD_SEGMENT_CHARS = 16 * 1024
MAX_SIGNATURE_SEGMENT_CHARS = 1024

__all__ = [
    "JwksUnavailable",
    "JwtExpired",
    "JwtInvalidAlgorithm",
    "JwtInvalidAtHash",
    "JwtInvalidAudience",
    "JwtInvalidClaim",
    "JwtInvalidClientId",
    "JwtInvalidIssuer",
    "JwtInvalidSignature",
    "JwtInvalidTokenUse",
    "JwtMalformed",
    "JwtMissingClaim",
    "JwtMissingKid",
    "JwtNonceMismatch",
    "JwtOversized",
    "JwtUnknownKid",
    "JwtVerificationError",
    "TokenVerifier",
]


# PyJWKError subclasses of PyJWTError that mean "this key cannot verify that token" are signature failures.
_SIGNATURE_ERRORS = (jwt.InvalidSignatureError, jwt.InvalidKeyError)
_SEGMENT_LIMITS = (MAX_HEADER_SEGMENT_CHARS, MAX_PAYLOAD_SEGMENT_CHARS, MAX_SIGNATURE_SEGMENT_CHARS)


class TokenVerifier:
    def __init__(self, issuer: str, client_id: str, jwks: JwksCache, clock: Callable[[], float] = time.time):
        self.issuer = issuer
        self.client_id = client_id
        self.jwks = jwks
        self._clock = clock
        self._jws = jwt.PyJWS()

    def verify_access_token(self, token: str) -> dict[str, Any]:
        claims = self._verify(token, token_use="access")
        if claims.get("client_id") != self.client_id:
            raise JwtInvalidClientId("client_id is not this app client")
        return claims

    def verify_id_token(self, token: str, nonce: str, access_token: str | None = None) -> dict[str, Any]:
        """The ID token's claims; `access_token` is the one that came with it, checked against at_hash."""
        claims = self._verify(token, token_use="id")
        if claims.get("aud") != self.client_id:
            raise JwtInvalidAudience("aud is not this app client")
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
            raise JwtNonceMismatch("nonce does not match the login transaction")
        if "at_hash" in claims:
            expected = access_token_hash(access_token) if access_token is not None else None
            actual = claims["at_hash"]
            if (
                not isinstance(actual, str)
                or expected is None
                or not hmac.compare_digest(actual.encode(), expected.encode())
            ):
                raise JwtInvalidAtHash("at_hash does not match the access token")
        return claims

    def _verify(self, token: str, token_use: str) -> dict[str, Any]:
        header = self._header(token)
        if header.get("alg") != ALLOWED_ALGORITHM:
            raise JwtInvalidAlgorithm("alg must be RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise JwtMissingKid("kid header is missing")
        key = self.jwks.get_key(kid)  # JwtUnknownKid / JwksUnavailable
        try:
            payload = self._jws.decode_complete(token, key=key, algorithms=[ALLOWED_ALGORITHM])["payload"]
        except _SIGNATURE_ERRORS:
            raise JwtInvalidSignature("signature verification failed") from None
        except jwt.PyJWTError:
            raise JwtMalformed("token is not a valid JWS") from None
        try:
            claims = json.loads(payload)
        except (ValueError, RecursionError):
            raise JwtMalformed("claims are not JSON") from None
        if not isinstance(claims, dict):
            raise JwtMalformed("claims are not a JSON object")
        self._check_common_claims(claims, token_use)
        return claims

    def _header(self, token: str) -> Mapping[str, Any]:
        """The unverified header, which only picks the key; decode_complete then verifies it with the rest.

        Decoded here rather than with PyJWS.get_unverified_header, which validates and decodes every segment
        of the token that decode_complete goes through again: that second pass was ~40% of a verification
        (docs/performance.md). A header this lenient decode accepts but PyJWT would not is rejected there.
        """
        if not isinstance(token, str) or token.count(".") != 2:
            raise JwtMalformed("token is not a compact JWS")
        segments = token.split(".")
        for name, segment, limit in zip(("header", "payload", "signature"), segments, _SEGMENT_LIMITS, strict=True):
            if len(segment) > limit:
                raise JwtOversized(f"token {name} is larger than {limit} characters")
        segment = segments[0]
        try:
            header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        except (ValueError, RecursionError):  # bad base64, bad UTF-8, bad JSON; nesting within the cap, on a deep stack
            raise JwtMalformed("token header is not valid") from None
        if not isinstance(header, dict):
            raise JwtMalformed("token header is not a JSON object")
        return header

    def _check_common_claims(self, claims: Mapping[str, Any], token_use: str) -> None:
        for name in ("iss", "token_use", "exp", "iat", "sub"):
            if name not in claims:
                raise JwtMissingClaim(f"{name} claim is missing")
        if claims["iss"] != self.issuer:
            raise JwtInvalidIssuer("iss is not this user pool")
        if claims["token_use"] != token_use:
            raise JwtInvalidTokenUse(f"token_use must be {token_use}")
        exp, iat, sub = claims["exp"], claims["iat"], claims["sub"]
        if not _is_finite_number(exp) or not _is_finite_number(iat):
            raise JwtInvalidClaim("exp and iat must be finite numbers")
        if not isinstance(sub, str) or not sub:
            raise JwtInvalidClaim("sub must be a non-empty string")
        now = self._clock()
        if exp <= now:
            raise JwtExpired("token has expired")
        if iat > now + IAT_CLOCK_SKEW_SECONDS:
            raise JwtInvalidClaim("iat is in the future")


def access_token_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6 at_hash for RS256: base64url (unpadded) of the left half of SHA-256 of the token's ASCII."""
    digest = hashlib.sha256(access_token.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _is_finite_number(value: Any) -> bool:
    """An int or a float that is neither NaN nor infinite. NaN compares false with everything, so an `exp` of
    NaN never expired; an int too large for a float (OverflowError) broke every later use of the time."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


@functools.cache
def cognito_verifier() -> TokenVerifier:
    """The container's verifier for this service's user pool and app client (JWKS cached with it)."""
    from hhl.config import settings

    config = settings()
    return TokenVerifier(issuer=config.issuer, client_id=config.client_id, jwks=JwksCache(config.jwks_url))
