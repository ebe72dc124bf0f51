"""Property-based: token-shaped input, by Bearer and by cookie, on every route of the template, never
gets a 5xx; and on a route that takes the access token, anything not signed by the issuer's key is a 401.

Hypothesis builds tokens from the parts a verifier looks at: a header (any JSON, or nested deeply, or
bytes; alg and kid among the interesting values), claims (a genuine token's, each replaced by any JSON
value, NaN, Infinity, huge numbers, or removed), a signature (the emulator's real RS256 one over the
forged parts, random bytes or none), the segments' encoding and their count, and the way it is sent.
Generation is seeded (HHL_FUZZ_RANDOM=1 explores new inputs) and bounded (MAX_EXAMPLES requests).
"""

from __future__ import annotations

import json
import os
import secrets

import pytest
import requests
from hhl.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from kit.sign_in import TIMEOUT
from tests.integration.forged_tokens import (
    allows_anonymous,
    b64url,
    claims_of,
    concrete_path,
    emulator_key,
    routes,
    rs256,
    security_schemes,
)
from tests.support.site_http import new_learner

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 300
SEED = secrets.randbits(32) if os.environ.get("HHL_FUZZ_RANDOM") else 11
ACCESS_SCHEMES = {"accessCookie", "bearerToken"}
CLAIM_NAMES = ["sub", "iss", "client_id", "token_use", "exp", "iat", "auth_time", "scope", "username", "jti"]
# Characters a cookie value or header can carry as they are (no separators, quotes or whitespace).
TOKEN_TEXT = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/~!*'()$%&", max_size=300
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def to_json(value) -> bytes:
    return json.dumps(value).encode()  # NaN and Infinity written as JavaScript would not: what an attacker can send


@st.composite
def headers(draw) -> bytes:
    kind = draw(st.sampled_from(["object", "object", "object", "other json", "nested", "bytes"]))
    if kind == "nested":
        return b'{"alg":"RS256","x":' + nested(draw(st.integers(1, 3000))) + b"}"
    if kind == "bytes":
        return draw(st.binary(max_size=80))
    if kind == "other json":
        return to_json(draw(json_values))
    header = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3))
    alg = draw(st.sampled_from(["RS256", "RS256", "none", "HS256", "RS512", "rs256", "", None]) | json_values)
    kid = draw(st.sampled_from(["emulator", "emulator", "unknown", None]) | json_values)
    if alg is not None:
        header["alg"] = alg
    if kid == "emulator":
        header["kid"] = emulator_key()[0]
    elif kid == "unknown":
        header["kid"] = f"kid-{draw(st.text(alphabet='0123456789abcdef', min_size=8, max_size=8))}"
    elif kid is not None:
        header["kid"] = kid
    if draw(st.booleans()):
        header["pad"] = "A" * draw(st.integers(0, 4000))
    return to_json(header)


@st.composite
def payloads(draw, genuine: dict) -> bytes:
    kind = draw(st.sampled_from(["claims", "claims", "claims", "other json", "nested", "bytes"]))
    if kind == "nested":
        return nested(draw(st.integers(1, 3000)))
    if kind == "bytes":
        return draw(st.binary(max_size=80))
    if kind == "other json":
        return to_json(draw(json_values))
    claims = dict(genuine)
    for name in draw(st.lists(st.sampled_from(CLAIM_NAMES), max_size=3, unique=True)):
        if draw(st.booleans()):
            claims.pop(name, None)
        else:
            claims[name] = draw(json_values)
    return to_json(claims)


@st.composite
def tokens(draw, genuine: dict) -> tuple[str, bool]:
    """(token, signed by the issuer's key)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(TOKEN_TEXT), False
    header, payload = b64url(draw(headers())), b64url(draw(payloads(genuine)))
    signature_kind = draw(st.sampled_from(["emulator", "emulator", "random", "empty"]))
    signed = signature_kind == "emulator"
    if signed:
        signature = b64url(rs256(f"{header}.{payload}", emulator_key()[1]))
    elif signature_kind == "random":
        signature = b64url(draw(st.binary(min_size=1, max_size=600)))
    else:
        signature = ""
    segments = [header, payload, signature]
    shape = draw(st.sampled_from(["as is", "as is", "as is", "padded", "two", "four", "junk"]))
    if shape == "padded":
        segments = [s + "=" * (-len(s) % 4) for s in segments]
    elif shape == "two":
        segments, signed = segments[:2], False
    elif shape == "four":
        segments, signed = [*segments, draw(TOKEN_TEXT)], False
    elif shape == "junk":
        index = draw(st.integers(0, 2))
        segments[index] = segments[index] + draw(st.sampled_from(["!", "*", "%", "~", "$"]))
        signed = False  # the issuer never signed these bytes
    return ".".join(segments), signed


@pytest.fixture(scope="module")
def genuine(local_stack, create_user):
    return new_learner(local_stack, create_user, "token-fuzz", "Token", "Fuzzer")


def test_token_shaped_input_never_gets_a_5xx(local_stack, genuine):
    genuine_claims = claims_of(genuine.access_token)
    all_routes = routes()
    emulator_key()  # loaded before any draw: loading it imports moto, which touches the random module

    @given(data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    def property_holds(data):
        route = data.draw(st.sampled_from(all_routes), label="route")
        token, signed = data.draw(tokens(genuine_claims), label="token")
        way = data.draw(st.sampled_from(["Bearer ", "bearer ", "Bearer  ", "cookie"]), label="way")
        request_headers = {"origin": genuine.origin, "content-type": "application/json"}
        cookies = {}
        if way == "cookie":
            cookies = {ACCESS_COOKIE: token, REFRESH_COOKIE: token}
        else:
            request_headers["authorization"] = f"{way}{token}"
        response = requests.request(
            route.method,
            f"{local_stack['api_url']}{concrete_path(route)}",
            headers=request_headers,
            cookies=cookies,
            data="{}" if route.method == "POST" else None,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert response.status_code < 500, f"{route.route_key} -> {response.status_code} {response.text[:200]}"
        # An empty token is no token: a route open to anonymous callers answers it as one.
        no_token = not token.strip() and allows_anonymous(route)
        if not signed and not no_token and security_schemes(route) & ACCESS_SCHEMES:
            assert response.status_code == 401, f"{route.route_key} -> {response.status_code} {response.text[:200]}"
        if response.status_code >= 400:
            assert "error" in response.json()

    property_holds()
