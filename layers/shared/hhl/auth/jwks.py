"""The issuer's signing keys (JWKS), fetched over HTTP and cached once per container.

PyJWT parses the keys (jwt.PyJWKSet); the cache policy is ours because PyJWKClient's is not the
one a relying party needs: it refetches on every unknown `kid` (an attacker can make every request
cost a network round-trip), and it forgets good keys when a refetch fails. This policy is the one
awslabs/aws-jwt-verify implements:
  - fetched on first need, then kept for at least CACHE_TTL_SECONDS;
  - an unknown `kid` triggers at most one refetch per REFETCH_INTERVAL_SECONDS (key rotation);
  - a failed refetch keeps the last good keys;
  - with no keys at all (every request failing), a failed fetch is retried after OUTAGE_RETRY_SECONDS,
    not after the unknown-`kid` interval: the service is back about a second after the issuer is;
  - every fetch has a short timeout, cut to the invocation's deadline (hhl.deadline), so a slow issuer
    cannot hold a request for long.

Ages are measured with wall-clock time.time(), not time.monotonic(): after a Lambda SnapStart
restore the monotonic clock can restart or jump, while wall-clock time moves past the snapshot's
fetch time, so a restored container refreshes keys that may have rotated since the snapshot.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import jwt

from hhl.auth.errors import JwksUnavailable, JwtUnknownKid
from hhl.deadline import attempt_timeout
from hhl.tls import aws_opener

CACHE_TTL_SECONDS = 3600.0
REFETCH_INTERVAL_SECONDS = 10.0
OUTAGE_RETRY_SECONDS = 1.0
FETCH_TIMEOUT_SECONDS = 2.0
MAX_JWKS_BYTES = 64 * 1024

__all__ = ["JwksCache", "JwksUnavailable", "JwtUnknownKid", "fetch_jwks"]


def fetch_jwks(url: str) -> dict[str, jwt.PyJWK]:
    """The RS256 signing keys at `url`, by kid. Raises JwksUnavailable."""
    try:
        with aws_opener().open(url, timeout=attempt_timeout(FETCH_TIMEOUT_SECONDS, "JWKS")) as response:
            document = json.loads(response.read(MAX_JWKS_BYTES))
        key_set = jwt.PyJWKSet.from_dict(document)
    except Exception as exc:  # noqa: BLE001 - network, HTTP, JSON and JWK errors all mean "no usable keys"
        raise JwksUnavailable(f"JWKS fetch failed: {type(exc).__name__}") from None
    keys = {key.key_id: key for key in key_set.keys if key.key_id and _is_rs256_signing_key(key)}
    if not keys:
        raise JwksUnavailable("JWKS holds no RS256 signing keys")
    return keys


def _is_rs256_signing_key(key: jwt.PyJWK) -> bool:
    return key.key_type == "RSA" and key.algorithm_name == "RS256" and key.public_key_use in (None, "sig")


class JwksCache:
    def __init__(self, url: str, clock: Callable[[], float] = time.time):
        self.url = url
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last fetch attempt, successful or not
        self._last_fetch_failed = False
        self._lock = threading.Lock()

    def get_key(self, kid: str) -> jwt.PyJWK:
        """The key called `kid`. Raises JwtUnknownKid, or JwksUnavailable when no keys exist at all."""
        if self._is_stale():
            self._refresh()  # at most one fetch per call: a kid missing from keys just fetched is unknown
            key = self._keys.get(kid)
        else:
            key = self._keys.get(kid)
            if key is None and self._refresh():
                key = self._keys.get(kid)
        if key is None:
            if not self._keys:
                raise JwksUnavailable("No JWKS keys available")
            raise JwtUnknownKid("Token kid is not in the issuer's JWKS")
        return key

    def _is_stale(self) -> bool:
        if self._fetched_at is None:
            return True
        age = self._clock() - self._fetched_at
        # A negative age means the wall clock went backwards: the cached fetch time cannot be trusted.
        return age < 0 or age >= CACHE_TTL_SECONDS

    def _refresh(self) -> bool:
        """Fetch the keys unless the last attempt is too recent. True if new keys arrived.

        Every fetch, whatever prompted it, counts against the interval: an unknown-kid flood costs the
        issuer (and our requests) at most one round-trip per REFETCH_INTERVAL_SECONDS, and so does a
        failing issuer while the last good keys still serve. Without keys every request is failing, so
        an outage is retried sooner (OUTAGE_RETRY_SECONDS), still at most once per that interval.
        """
        with self._lock:
            now = self._clock()
            if self._attempted_at is not None and 0 <= now - self._attempted_at < self._retry_interval():
                return False
            self._attempted_at = now
            try:
                keys = fetch_jwks(self.url)
            except JwksUnavailable:
                self._last_fetch_failed = True
                return False  # keep the last good keys; callers raise if there are none
            self._keys = keys
            self._fetched_at = now
            self._last_fetch_failed = False
            return True

    def _retry_interval(self) -> float:
        return OUTAGE_RETRY_SECONDS if self._last_fetch_failed and not self._keys else REFETCH_INTERVAL_SECONDS
