"""Cognito token verification, in the manner of awslabs/aws-jwt-verify: every check explicit and
named, one error class per failure, so a test can prove each check and a log line says which failed.

PyJWT checks the RS256 signature over cached jwt.PyJWK keys; the relying-party checks on the header and
the claims are spelled out here rather than left to jwt.decode's options, because Cognito's own claims
(token_use, client_id, nonce) are not standard and the aud/client_id split differs between ID and access
tokens.

The compact serialization is split here, not by PyJWS, whose per-character alphabet check is a Python loop
over every character: a sign-in verifies two fresh tokens, and that loop put GET /auth/callback over its
bench limit (docs/performance.md). Invariants of the split: three segments, each capped in size before it
is decoded; each one canonical, unpadded base64url (one regular expression: no other character, no
non-zero unused bits, so a token has one spelling, GHSA-hxm8-2xgr-2p9m); no `crit` header; the signature
is checked over exactly the received `header.payload` bytes before any claim is read. A property test holds
these verdicts to PyJWS's own on respelled and re-signed tokens.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import json
import math
import re
import time
from collections import OrderedDict
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
    JwtNotYetValid,
    JwtOversized,
    JwtUnknownKid,
    JwtVerificationError,
)
from hhl.auth.jwks import JwksCache

ALLOWED_ALGORITHM = "RS256"
# Tolerated difference between Cognito's clock and ours, for `iat` and `nbf` (a time the token claims to
# start from): an `exp` in the past is expired.
CLOCK_SKEW_SECONDS = 60
# Segment caps, in base64url characters, checked before anything is decoded: a JSON decoder recurses on
# nesting, so an unbounded header of `[[[[...` exhausted the stack (RecursionError, a 500). Cognito's
# header is ~100 characters, its 2048-bit RS256 signature 342; its ID tokens, with custom attributes and
# groups, stay a few KB.
MAX_HEADER_SEGMENT_CHARS = 512
MAX_PAYLOAD_SEGMENT_CHARS = 16 * 1024
MAX_SIGNATURE_SEGMENT_CHARS = 1024
# Access tokens that passed every check are remembered per container: a learner's browser sends the same
# token with every request for an hour, and verifying it again was half of a warm request's own time
# (make bench). Only the exact string is remembered, never a failure; `exp` is checked on every use; an
# entry lives at most REMEMBER_SECONDS (well inside the JWKS cache's hour, so remembering trusts a key no
# longer than the key cache already does); the oldest goes first beyond REMEMBERED_TOKENS.
REMEMBERED_TOKENS = 256
REMEMBER_SECONDS = 300.0

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
    "JwtNotYetValid",
    "JwtOversized",
    "JwtUnknownKid",
    "JwtVerificationError",
    "TokenVerifier",
]


_SEGMENT_LIMITS = (MAX_HEADER_SEGMENT_CHARS, MAX_PAYLOAD_SEGMENT_CHARS, MAX_SIGNATURE_SEGMENT_CHARS)
# Knows RS256 only, so no other algorithm can verify a signature whatever the token's header says.
_RS256 = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256)
# Unpadded canonical base64url, in one pass in C: whole quanta of four characters, then optionally two
# (the last carrying 4 unused bits) or three (2 unused bits), the unused bits zero. Python's decoder would
# skip junk characters and ignore those bits, so two spellings could carry the same bytes.
_CANONICAL_BASE64URL = re.compile(r"(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?")


class TokenVerifier:
    def __init__(self, issuer: str, client_id: str, jwks: JwksCache, clock: Callable[[], float] = time.time):
        self.issuer = issuer
        self.client_id = client_id
        self.jwks = jwks
        self._clock = clock
        # token -> (claims, forget at). An OrderedDict because popitem(last=False) is one atomic step: the
        # local stack serves requests on threads, and iterating a dict another thread resizes raises.
        self._remembered: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """The access token's claims, from memory when this exact token passed every check recently."""
        now = self._clock()
        remembered = self._remembered.get(token)
        if remembered is not None:
            claims, forget_at = remembered
            if now < forget_at and now < claims["exp"]:
                return claims
            self._remembered.pop(token, None)
        claims = self.check_access_token(token)
        while len(self._remembered) >= REMEMBERED_TOKENS:
            with contextlib.suppress(KeyError):  # another thread emptied it first
                self._remembered.popitem(last=False)
        self._remembered[token] = (claims, now + REMEMBER_SECONDS)
        return claims

    def check_access_token(self, token: str, allow_expired: bool = False) -> dict[str, Any]:
        """Every check, every time: the signature, the header and all the claims (with `allow_expired`, all
        but `exp`'s being in the future: to learn which session a token names, never to authorise)."""
        claims = self._verify(token, token_use="access", allow_expired=allow_expired)
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

    def _verify(self, token: str, token_use: str, allow_expired: bool = False) -> dict[str, Any]:
        header_segment, payload_segment, signature_segment = _segments(token)
        header = _json_object(_base64url_decode(header_segment, "header"), "header")
        if header.get("alg") != ALLOWED_ALGORITHM:
            raise JwtInvalidAlgorithm("alg must be RS256")
        if "crit" in header:
            raise JwtMalformed("token header names critical extensions")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise JwtMissingKid("kid header is missing")
        key = self.jwks.get_key(kid)  # JwtUnknownKid / JwksUnavailable; an RSA key for RS256 (jwks.py)
        # Every segment's spelling is checked before the signature, which is over the segments as ASCII.
        payload = _base64url_decode(payload_segment, "payload")
        signature = _base64url_decode(signature_segment, "signature")
        if not _RS256.verify(f"{header_segment}.{payload_segment}".encode("ascii"), key.key, signature):
            raise JwtInvalidSignature("signature verification failed")
        claims = _json_object(payload, "claims")
        self._check_common_claims(claims, token_use, allow_expired)
        return claims

    def _check_common_claims(self, claims: Mapping[str, Any], token_use: str, allow_expired: bool = False) -> None:
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
        if exp <= now and not allow_expired:
            raise JwtExpired("token has expired")
        if iat > now + CLOCK_SKEW_SECONDS:
            raise JwtInvalidClaim("iat is in the future")
        if "nbf" in claims:
            nbf = claims["nbf"]
            if not _is_finite_number(nbf):
                raise JwtInvalidClaim("nbf must be a finite number")
            if nbf > now + CLOCK_SKEW_SECONDS:
                raise JwtNotYetValid("token is not valid yet (nbf)")


def _segments(token: str) -> tuple[str, str, str]:
    """The three segments of a compact JWS, each capped before anything is decoded."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise JwtMalformed("token is not a compact JWS")
    segments = header, payload, signature = token.split(".")
    for name, segment, limit in zip(("header", "payload", "signature"), segments, _SEGMENT_LIMITS, strict=True):
        if len(segment) > limit:
            raise JwtOversized(f"token {name} is larger than {limit} characters")
    return header, payload, signature


def _base64url_decode(segment: str, name: str) -> bytes:
    if not segment or _CANONICAL_BASE64URL.fullmatch(segment) is None:
        raise JwtMalformed(f"token {name} is not canonical base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):  # bad UTF-8, bad JSON; nesting within the cap, on a deep stack
        raise JwtMalformed(f"token {name} is not JSON") from None
    if not isinstance(value, dict):
        raise JwtMalformed(f"token {name} is not a JSON object")
    return value


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
