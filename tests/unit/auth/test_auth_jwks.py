"""The JWKS cache policy, measured by counting real fetches from the loopback JWKS server."""

from __future__ import annotations

import socket
import time

import pytest
from hhl.auth.jwks import (
    CACHE_TTL_SECONDS,
    FETCH_TIMEOUT_SECONDS,
    OUTAGE_RETRY_SECONDS,
    REFETCH_INTERVAL_SECONDS,
    JwksCache,
    JwksUnavailable,
    JwtUnknownKid,
)

from tests.support.tokens import new_signing_key


@pytest.fixture
def cache(jwks_server, clock):
    return JwksCache(jwks_server.url, clock=clock)


def test_keys_are_fetched_on_first_need_only(jwks_server, cache, signing_key):
    assert jwks_server.fetches == 0
    for _ in range(5):
        cache.get_key(signing_key.kid)
    assert jwks_server.fetches == 1


def test_keys_are_kept_for_at_least_an_hour(jwks_server, cache, clock, signing_key):
    cache.get_key(signing_key.kid)
    clock.now += CACHE_TTL_SECONDS - 1
    cache.get_key(signing_key.kid)
    assert CACHE_TTL_SECONDS >= 3600
    assert jwks_server.fetches == 1
    clock.now += 2
    cache.get_key(signing_key.kid)
    assert jwks_server.fetches == 2


def test_rotated_key_is_picked_up_by_one_refetch(jwks_server, cache, clock, signing_key):
    cache.get_key(signing_key.kid)
    rotated = new_signing_key("rotated-kid")
    jwks_server.keys = [signing_key.jwk, rotated.jwk]
    clock.now += 30
    assert cache.get_key("rotated-kid").key_id == "rotated-kid"
    assert jwks_server.fetches == 2


def test_unknown_kid_refetch_happens_at_most_once_per_10_seconds(jwks_server, cache, clock, signing_key):
    cache.get_key(signing_key.kid)
    clock.now += 10
    for _ in range(20):
        with pytest.raises(JwtUnknownKid):
            cache.get_key("attacker-kid")
        clock.now += 0.4
    # 8 s of unknown-kid requests cost one fetch; the next allowed one comes 10 s after it.
    assert jwks_server.fetches == 2
    clock.now += 2.1
    with pytest.raises(JwtUnknownKid):
        cache.get_key("attacker-kid")
    assert jwks_server.fetches == 3


def test_last_good_keys_survive_a_failed_refetch(jwks_server, cache, clock, signing_key):
    cache.get_key(signing_key.kid)
    jwks_server.fail = True
    clock.now += CACHE_TTL_SECONDS + 1
    assert cache.get_key(signing_key.kid).key_id == signing_key.kid
    assert jwks_server.fetches == 2
    # The failed refresh is not retried on every request either.
    cache.get_key(signing_key.kid)
    assert jwks_server.fetches == 2
    jwks_server.fail = False
    clock.now += 11
    cache.get_key(signing_key.kid)
    assert jwks_server.fetches == 3


def test_no_keys_at_all_is_unavailable_not_unknown_kid(jwks_server, cache, signing_key):
    jwks_server.fail = True
    with pytest.raises(JwksUnavailable):
        cache.get_key(signing_key.kid)


@pytest.mark.parametrize(
    "published",
    [
        [],
        [{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}],
        [{"kty": "RSA", "kid": "enc-key", "use": "enc", "alg": "RS256"}],
    ],
)
def test_jwks_without_rs256_signing_keys_is_unavailable(jwks_server, cache, published):
    jwks_server.keys = published
    with pytest.raises(JwksUnavailable):
        cache.get_key("hmac")


def test_snapstart_restore_refreshes_keys(jwks_server, cache, clock, signing_key):
    # A snapshot taken now and restored days later: wall-clock time has moved on, so the keys are refetched.
    cache.get_key(signing_key.kid)
    clock.now += 3 * 24 * 3600
    cache.get_key(signing_key.kid)
    assert jwks_server.fetches == 2


def test_clock_going_backwards_refreshes_keys(jwks_server, cache, clock, signing_key):
    cache.get_key(signing_key.kid)
    clock.now -= 3600
    cache.get_key(signing_key.kid)
    assert jwks_server.fetches == 2


def test_a_hanging_jwks_endpoint_times_out_within_2_seconds():
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/jwks.json"
        start = time.monotonic()
        with pytest.raises(JwksUnavailable):
            JwksCache(url).get_key("any")
        elapsed = time.monotonic() - start
    assert FETCH_TIMEOUT_SECONDS <= 2
    assert elapsed < FETCH_TIMEOUT_SECONDS + 0.5


def test_an_outage_without_keys_is_retried_within_a_second_not_after_the_unknown_kid_penalty(
    jwks_server, cache, clock, signing_key
):
    jwks_server.fail = True
    with pytest.raises(JwksUnavailable):
        cache.get_key(signing_key.kid)
    clock.now += OUTAGE_RETRY_SECONDS / 2
    with pytest.raises(JwksUnavailable):
        cache.get_key(signing_key.kid)
    assert jwks_server.fetches == 1  # a failing issuer is not hammered on every request
    jwks_server.fail = False
    clock.now += OUTAGE_RETRY_SECONDS / 2
    assert cache.get_key(signing_key.kid).key_id == signing_key.kid
    assert jwks_server.fetches == 2
    assert OUTAGE_RETRY_SECONDS <= 1 < REFETCH_INTERVAL_SECONDS


def test_unknown_kids_after_an_outage_still_wait_out_the_penalty(jwks_server, cache, clock, signing_key):
    jwks_server.fail = True
    with pytest.raises(JwksUnavailable):
        cache.get_key(signing_key.kid)
    jwks_server.fail = False
    clock.now += OUTAGE_RETRY_SECONDS
    cache.get_key(signing_key.kid)
    recovered_at = clock.now
    while clock.now + OUTAGE_RETRY_SECONDS < recovered_at + REFETCH_INTERVAL_SECONDS:
        clock.now += OUTAGE_RETRY_SECONDS
        with pytest.raises(JwtUnknownKid):
            cache.get_key("attacker-kid")
    assert jwks_server.fetches == 2
