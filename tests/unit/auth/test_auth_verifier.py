"""One test per relying-party check: each forged or wrong token is refused for the reason named."""

from __future__ import annotations

import base64
import concurrent.futures
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from hhl.auth import verifier as v
from hhl.auth.jwks import JwksCache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.tokens import CLIENT_ID, ISSUER, at_hash, new_signing_key

NONCE = "transaction-nonce-123"


@pytest.fixture
def token_verifier(jwks_server, clock):
    return v.TokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=JwksCache(jwks_server.url, clock=clock))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_access_token_is_accepted(token_verifier, tokens):
    claims = token_verifier.verify_access_token(tokens.access())
    assert claims["sub"] == "user-sub-1"
    assert claims["token_use"] == "access"


def test_valid_id_token_is_accepted(token_verifier, tokens):
    claims = token_verifier.verify_id_token(tokens.id(NONCE), NONCE)
    assert claims["email"] == "learner@example.com"


def test_alg_none_is_rejected(token_verifier, tokens, signing_key):
    unsigned = f"{_b64({'alg': 'none', 'kid': signing_key.kid, 'typ': 'JWT'})}.{_b64(tokens.access_claims())}."
    with pytest.raises(v.JwtInvalidAlgorithm):
        token_verifier.verify_access_token(unsigned)


def test_hs256_signed_with_the_public_key_is_rejected(token_verifier, tokens, signing_key):
    public_pem = signing_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "kid": signing_key.kid, "typ": "JWT"})
    body = _b64(tokens.access_claims())
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        f"{header}.{body}".encode(), public_pem
    )
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(v.JwtInvalidAlgorithm):
        token_verifier.verify_access_token(forged)


def test_bad_signature_is_rejected(token_verifier, tokens, signing_key):
    impostor = new_signing_key(signing_key.kid)  # same kid, different private key
    with pytest.raises(v.JwtInvalidSignature):
        token_verifier.verify_access_token(tokens.sign(tokens.access_claims(), key=impostor))


def test_tampered_claims_fail_the_signature(token_verifier, tokens):
    header, _, signature = tokens.access().split(".")
    tampered = f"{header}.{_b64(tokens.access_claims(sub='someone-else'))}.{signature}"
    with pytest.raises(v.JwtInvalidSignature):
        token_verifier.verify_access_token(tampered)


def test_unknown_kid_refetches_once_then_rejects(token_verifier, tokens, jwks_server, clock):
    token_verifier.verify_access_token(tokens.access())
    assert jwks_server.fetches == 1
    clock.now += 11
    stranger = new_signing_key("never-published")
    with pytest.raises(v.JwtUnknownKid):
        token_verifier.verify_access_token(tokens.sign(tokens.access_claims(), key=stranger))
    assert jwks_server.fetches == 2
    clock.now += 5
    with pytest.raises(v.JwtUnknownKid):
        token_verifier.verify_access_token(tokens.sign(tokens.access_claims(), key=stranger))
    assert jwks_server.fetches == 2


def test_missing_kid_is_rejected(token_verifier, tokens, signing_key):
    token = jwt.encode(tokens.access_claims(), signing_key.private_key, algorithm="RS256")
    with pytest.raises(v.JwtMissingKid):
        token_verifier.verify_access_token(token)


def test_wrong_issuer_is_rejected(token_verifier, tokens):
    other_pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_otherpool"
    with pytest.raises(v.JwtInvalidIssuer):
        token_verifier.verify_access_token(tokens.access(iss=other_pool))


def test_wrong_audience_on_id_token_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtInvalidAudience):
        token_verifier.verify_id_token(tokens.id(NONCE, aud="another-client"), NONCE)


def test_wrong_client_id_on_access_token_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtInvalidClientId):
        token_verifier.verify_access_token(tokens.access(client_id="another-client"))


def test_id_token_presented_as_access_token_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtInvalidTokenUse):
        token_verifier.verify_access_token(tokens.id(NONCE))


def test_access_token_presented_as_id_token_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtInvalidTokenUse):
        token_verifier.verify_id_token(tokens.access(), NONCE)


def test_expired_token_is_rejected(token_verifier, tokens):
    past = int(time.time()) - 7200
    with pytest.raises(v.JwtExpired):
        token_verifier.verify_access_token(tokens.access(iat=past, exp=past + 3600))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub"])
def test_missing_required_claim_is_rejected(token_verifier, tokens, claim):
    with pytest.raises(v.JwtMissingClaim, match=claim):
        token_verifier.verify_access_token(tokens.access(**{claim: None}))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub"])
def test_missing_required_claim_on_id_token_is_rejected(token_verifier, tokens, claim):
    with pytest.raises(v.JwtMissingClaim, match=claim):
        token_verifier.verify_id_token(tokens.id(NONCE, **{claim: None}), NONCE)


def test_iat_in_the_future_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtInvalidClaim):
        token_verifier.verify_access_token(tokens.access(iat=int(time.time()) + 3600))


def test_nbf_in_the_future_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtNotYetValid):
        token_verifier.verify_access_token(tokens.access(nbf=int(time.time()) + v.CLOCK_SKEW_SECONDS + 30))


def test_nbf_within_the_clock_skew_is_accepted_like_iat(token_verifier, tokens):
    slightly_ahead = int(time.time()) + v.CLOCK_SKEW_SECONDS - 30
    claims = token_verifier.verify_access_token(tokens.access(nbf=slightly_ahead, iat=slightly_ahead))
    assert claims["nbf"] == slightly_ahead


@pytest.mark.parametrize("nbf", ["0", float("nan"), True])
def test_a_non_numeric_nbf_is_rejected(token_verifier, tokens, signing_key, nbf):
    claims = tokens.access_claims()
    claims["nbf"] = nbf
    header = json.dumps({"alg": "RS256", "kid": signing_key.kid}).encode()
    token = _signed_raw(signing_key, header, json.dumps(claims).encode())
    with pytest.raises(v.JwtInvalidClaim, match="nbf"):
        token_verifier.verify_access_token(token)


def test_non_numeric_exp_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtInvalidClaim):
        token_verifier.verify_access_token(tokens.access(exp="9999999999"))


def test_nonce_mismatch_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtNonceMismatch):
        token_verifier.verify_id_token(tokens.id("nonce-of-another-login"), NONCE)


def test_missing_nonce_is_rejected(token_verifier, tokens):
    with pytest.raises(v.JwtNonceMismatch):
        token_verifier.verify_id_token(tokens.id(NONCE, nonce=None), NONCE)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c", "....", "eyJhbGciOiJSUzI1NiJ9.e30.!!!"])
def test_malformed_tokens_are_rejected(token_verifier, garbage):
    with pytest.raises(v.JwtVerificationError):
        token_verifier.verify_access_token(garbage)


def test_verifications_with_cached_keys_fetch_the_jwks_once(token_verifier, tokens, jwks_server):
    """Its speed is a `make bench` row (JWT verification, cached keys); this is the cache it relies on."""
    token = tokens.access()
    for _ in range(300):
        token_verifier.verify_access_token(token)
    assert jwks_server.fetches == 1


def _signed_raw(signing_key, header: bytes, payload: bytes) -> str:
    """A compact JWS over raw bytes, RS256 under `signing_key`: PyJWT would not write most of these."""
    signing_input = f"{_b64url(header)}.{_b64url(payload)}"
    signature = signing_key.private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_unknown_kid_is_a_verification_error(token_verifier, tokens):
    """Every caller turns JwtVerificationError into a 401/400; an unknown kid escaping it was a 500."""
    with pytest.raises(v.JwtVerificationError):
        token_verifier.verify_access_token(tokens.sign(tokens.access_claims(), key=new_signing_key("rotated-away")))


def test_deeply_nested_header_is_refused_not_a_crash(token_verifier, tokens, signing_key):
    header = f'{{"alg":"RS256","kid":"{signing_key.kid}","x":{"[" * 1500}{"]" * 1500}}}'.encode()
    with pytest.raises(v.JwtOversized):
        token_verifier.verify_access_token(
            _signed_raw(signing_key, header, json.dumps(tokens.access_claims()).encode())
        )


@pytest.mark.parametrize("segment", ["header", "payload", "signature"])
def test_an_oversized_segment_is_refused_before_it_is_decoded(token_verifier, tokens, signing_key, segment):
    header = {"alg": "RS256", "kid": signing_key.kid}
    claims = tokens.access_claims()
    if segment == "header":
        header["x"] = "A" * v.MAX_HEADER_SEGMENT_CHARS
    elif segment == "payload":
        claims["x"] = "A" * v.MAX_PAYLOAD_SEGMENT_CHARS
    token = _signed_raw(signing_key, json.dumps(header).encode(), json.dumps(claims).encode())
    if segment == "signature":
        token += "A" * v.MAX_SIGNATURE_SEGMENT_CHARS
    with pytest.raises(v.JwtOversized, match=segment):
        token_verifier.verify_access_token(token)


def test_the_largest_segments_allowed_still_verify(token_verifier, tokens, signing_key):
    """The caps leave room for Cognito's real tokens: a large custom-attribute payload still passes."""
    claims = tokens.access_claims(x="A" * (v.MAX_PAYLOAD_SEGMENT_CHARS * 3 // 4 - 1000))
    assert token_verifier.verify_access_token(
        _signed_raw(signing_key, b'{"alg":"RS256","kid":"unit-kid-1"}', json.dumps(claims).encode())
    )["x"]


@pytest.mark.parametrize("claim", ["exp", "iat"])
@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "true", "1e999", "1" + "0" * 400])
def test_non_finite_times_are_rejected(token_verifier, tokens, signing_key, claim, raw):
    """NaN compares false with everything, so `exp <= now` never held: such a token was valid for ever."""
    claims = json.dumps({k: v for k, v in tokens.access_claims().items() if k != claim})
    payload = f'{claims[:-1]},"{claim}":{raw}}}'.encode()
    token = _signed_raw(signing_key, f'{{"alg":"RS256","kid":"{signing_key.kid}"}}'.encode(), payload)
    with pytest.raises(v.JwtInvalidClaim):
        token_verifier.verify_access_token(token)


def test_a_finite_float_exp_is_accepted(token_verifier, tokens):
    assert token_verifier.verify_access_token(tokens.access(exp=time.time() + 600.5))


def test_id_token_bound_to_its_access_token_by_at_hash_is_accepted(token_verifier, tokens):
    access = tokens.access()
    claims = token_verifier.verify_id_token(tokens.id(NONCE, at_hash=at_hash(access)), NONCE, access)
    assert claims["at_hash"] == at_hash(access)


@pytest.mark.parametrize("bad", ["another token's", "", 42, None, "é-not-ascii"])
def test_at_hash_of_another_access_token_is_rejected(token_verifier, tokens, bad):
    access = tokens.access()
    value = {"another token's": at_hash(tokens.access(sub="someone-else"))}.get(bad, bad)
    claims = tokens.id_claims(NONCE)
    claims["at_hash"] = value  # present, even as null: a claim that is there must match
    with pytest.raises(v.JwtInvalidAtHash):
        token_verifier.verify_id_token(tokens.sign(claims), NONCE, access)


def test_id_token_without_at_hash_is_accepted(token_verifier, tokens):
    assert "at_hash" not in token_verifier.verify_id_token(tokens.id(NONCE), NONCE, tokens.access())


def _respelled(token: str, segment: int, spelling) -> str:
    parts = token.split(".")
    parts[segment] = spelling(parts[segment])
    return ".".join(parts)


def _other_trailing_bits(segment: str) -> str:
    """The same bytes spelled differently: the last character's unused low bits set (Python decodes both alike)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    unused_bits = {2: 4, 3: 2}[len(segment) % 4]
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last ^ ((1 << unused_bits) - 1)]


# Ways to spell a segment that Cognito never writes: each segment is refused for its spelling before the
# signature is checked (a non-ASCII payload once reached the signature's ASCII encoding: a 500).
RESPELLINGS = {
    "padded": lambda segment: segment + "=" * (-len(segment) % 4 or 4),
    "junk character": lambda segment: segment[:10] + "!" + segment[10:],
    "whitespace": lambda segment: segment[:10] + " " + segment[10:],
    "standard base64 alphabet": lambda segment: segment.replace("-", "+").replace("_", "/") + "+",
    "a length no base64 has": lambda segment: segment + "A" * ((1 - len(segment)) % 4 or 4),
    "empty": lambda segment: "",
    "non-ASCII character": lambda segment: segment[:10] + "é" + segment[10:],
}


@pytest.mark.parametrize("respelling", RESPELLINGS)
@pytest.mark.parametrize("segment", [0, 1, 2], ids=["header", "payload", "signature"])
def test_only_canonical_base64url_is_accepted(token_verifier, tokens, segment, respelling):
    """PyJWS refuses all of these but padding, which it allows for AWS ALB's tokens and Cognito never writes:
    the verifier refuses them all."""
    forged = _respelled(tokens.access(), segment, RESPELLINGS[respelling])
    with pytest.raises(v.JwtMalformed):
        token_verifier.verify_access_token(forged)


def test_a_signature_spelled_with_other_trailing_bits_is_refused(token_verifier, tokens):
    """The respelled signature decodes to the very bytes that verify (Python ignores unused bits), so only
    its spelling can refuse it: one token, one spelling (GHSA-hxm8-2xgr-2p9m)."""
    token = tokens.access()
    signature = token.split(".")[2]
    respelled = _other_trailing_bits(signature)
    assert respelled != signature
    assert base64.urlsafe_b64decode(respelled + "==") == base64.urlsafe_b64decode(signature + "==")
    with pytest.raises(v.JwtMalformed, match="canonical"):
        token_verifier.verify_access_token(_respelled(token, 2, _other_trailing_bits))


CRITICAL_EXTENSIONS = {
    "one nobody understands": ({"crit": ["urn:example:extension"], "urn:example:extension": True}, True),
    "an unencoded payload (RFC 7797), detached": ({"crit": ["b64"], "b64": False}, False),
    "an unencoded payload (RFC 7797), attached": ({"crit": ["b64"], "b64": False}, True),
}


@pytest.mark.parametrize("extension", CRITICAL_EXTENSIONS)
def test_a_header_with_critical_extensions_is_refused(token_verifier, tokens, signing_key, extension):
    """RFC 7515 4.1.11: a recipient that does not understand a critical extension must reject the JWS; this
    one understands none, not even the unencoded payload PyJWS knows."""
    extra_header, payload_attached = CRITICAL_EXTENSIONS[extension]
    header = json.dumps({"alg": "RS256", "kid": signing_key.kid, **extra_header}).encode()
    token = _signed_raw(signing_key, header, json.dumps(tokens.access_claims()).encode())
    if not payload_attached:
        header_segment, _, signature = token.split(".")
        token = f"{header_segment}..{signature}"
    with pytest.raises(v.JwtMalformed):
        token_verifier.verify_access_token(token)


# What the JWS split may meet: base64url, its padding and standard-alphabet cousins, separators, junk, non-ASCII.
EDIT_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. !\né"
# Refusals of the JWS itself; any other refusal comes after the signature verified (a claim check).
JWS_REFUSALS = (
    v.JwtMalformed,
    v.JwtOversized,
    v.JwtInvalidSignature,
    v.JwtInvalidAlgorithm,
    v.JwtMissingKid,
    v.JwtUnknownKid,
)


@st.composite
def respelled_tokens(draw, genuine: str, signing_key) -> str:
    """A genuine access token with one to three characters inserted, replaced or deleted, in any segment; an edit
    of the header or payload is signed again, so only the spelling (or the edited content) can refuse it."""
    segments = genuine.split(".")
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, 2))
        segment = segments[index]
        at = draw(st.integers(0, len(segment)))
        character = draw(st.sampled_from(EDIT_CHARACTERS))
        edit = draw(st.sampled_from(["insert", "replace", "delete"]))
        tail = segment[at + 1 :] if edit != "insert" else segment[at:]
        segments[index] = segment[:at] + ("" if edit == "delete" else character) + tail
        if index < 2:
            signing_input = f"{segments[0]}.{segments[1]}".encode()
            signature = signing_key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
            segments[2] = _b64url(signature)
    return ".".join(segments)


def _pyjws_verdict(token: str, signing_key) -> dict | None:
    """PyJWS's reading of a token (the claims, or None if refused), with the verifier's stricter rules on top:
    no padding (PyJWS allows it for AWS ALB), the issuer's kid, no `crit`, a JSON object for claims."""
    try:
        parsed = jwt.PyJWS(algorithms=["RS256"]).decode_complete(
            token, signing_key.private_key.public_key(), algorithms=["RS256"]
        )
        claims = json.loads(parsed["payload"])
    except (jwt.InvalidTokenError, ValueError, RecursionError):
        return None
    header = parsed["header"]
    if "=" in token or header.get("kid") != signing_key.kid or "crit" in header or not isinstance(claims, dict):
        return None
    return claims


@given(data=st.data())
@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_jws_split_refuses_and_accepts_what_pyjws_does(token_verifier, tokens, signing_key, data):
    """The verifier splits the compact JWS itself (hhl/auth/verifier.py says why); PyJWS is its oracle: every
    respelled token either both refuse as a JWS, or both read the same claims."""
    genuine = tokens.access()
    token = data.draw(respelled_tokens(genuine, signing_key))
    expected = _pyjws_verdict(token, signing_key)
    try:
        verdict = token_verifier.check_access_token(token)
    except JWS_REFUSALS:
        verdict = None
    except v.JwtVerificationError:  # the JWS verified; a claim of the edited payload was refused
        verdict = "claims refused"
    if verdict == "claims refused":
        assert expected is not None and expected != jwt.decode(genuine, options={"verify_signature": False})
    else:
        assert verdict == expected


def test_claims_agree_with_pyjwt(token_verifier, tokens, signing_key):
    token = tokens.access()
    assert token_verifier.verify_access_token(token) == jwt.decode(
        token, signing_key.private_key.public_key(), algorithms=["RS256"], options={"verify_aud": False}
    )


class CountingKeys(JwksCache):
    """The real key cache, counting how often a verification asks it for a key (once per full check)."""

    def __init__(self, url, clock):
        super().__init__(url, clock=clock)
        self.lookups = 0

    def get_key(self, kid):
        self.lookups += 1
        return super().get_key(kid)


@pytest.fixture
def remembering(jwks_server, clock):
    keys = CountingKeys(jwks_server.url, clock)
    return v.TokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=keys, clock=clock), keys


def test_a_verified_access_token_is_remembered_for_the_next_request(remembering, tokens, clock):
    verifier, keys = remembering
    token = tokens.access(iat=clock.now, exp=clock.now + 3600)
    first = verifier.verify_access_token(token)
    assert verifier.verify_access_token(token) == first
    assert keys.lookups == 1


def test_a_remembered_token_still_expires_on_time(remembering, tokens, clock):
    verifier, _ = remembering
    token = tokens.access(iat=clock.now, exp=clock.now + 60)
    verifier.verify_access_token(token)
    clock.now += 60
    with pytest.raises(v.JwtExpired):
        verifier.verify_access_token(token)


def test_a_remembered_token_is_checked_again_after_the_memory_horizon(remembering, tokens, clock):
    verifier, keys = remembering
    token = tokens.access(iat=clock.now, exp=clock.now + 3600)
    verifier.verify_access_token(token)
    clock.now += v.REMEMBER_SECONDS
    verifier.verify_access_token(token)
    assert keys.lookups == 2


def test_failures_are_never_remembered_and_another_spelling_is_checked_in_full(remembering, tokens, clock):
    verifier, keys = remembering
    token = tokens.access(iat=clock.now, exp=clock.now + 3600)
    verifier.verify_access_token(token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    for _ in range(2):
        with pytest.raises(v.JwtVerificationError):
            verifier.verify_access_token(tampered)
    assert keys.lookups == 3


def test_memory_is_bounded_and_forgets_the_oldest_first(remembering, tokens, clock):
    verifier, keys = remembering
    issued = [
        tokens.access(iat=clock.now, exp=clock.now + 3600, jti=f"token-{n}") for n in range(v.REMEMBERED_TOKENS + 1)
    ]
    for token in issued:
        verifier.verify_access_token(token)
    verifier.verify_access_token(issued[-1])
    assert keys.lookups == len(issued)
    verifier.verify_access_token(issued[0])
    assert keys.lookups == len(issued) + 1


def test_forgetting_does_not_race_when_requests_verify_on_several_threads(remembering, tokens, clock):
    """The local stack serves requests on threads that share one verifier: every one gets its own claims
    while the oldest tokens are being forgotten."""
    verifier, _ = remembering
    issued = [
        tokens.access(iat=clock.now, exp=clock.now + 3600, jti=f"thread-token-{n}")
        for n in range(v.REMEMBERED_TOKENS + 100)
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        verified = list(pool.map(lambda token: verifier.verify_access_token(token)["jti"], issued * 2))
    assert verified == [f"thread-token-{n}" for n in range(len(issued))] * 2
