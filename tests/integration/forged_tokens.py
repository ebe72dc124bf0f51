"""Tokens an attacker can send, for the tests that throw them at every route of the local stack.

Claims-based forgeries are signed with the emulator's real Cognito key (moto's bundled key, the one its
JWKS publishes), so only the check under test can refuse them; the rest break the JOSE layer itself.
Tokens are assembled byte by byte (`compact_jws`) because PyJWT would refuse to produce most of them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import requests
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kit.sign_in import TIMEOUT
from kit.template import ROOT, Route, http_routes
from local.hosted_ui import moto_signing_key

OPENAPI = ROOT / "docs" / "openapi.yaml"
COURSE = "hedgehog-lab-foundations"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rs256(signing_input: str, private_key: rsa.RSAPrivateKey) -> bytes:
    return private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())


def compact_jws(header: bytes, payload: bytes, private_key: rsa.RSAPrivateKey) -> str:
    """header.payload.signature over raw JSON bytes, RS256-signed with `private_key`."""
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    return f"{signing_input}.{b64url(rs256(signing_input, private_key))}"


@functools.cache
def emulator_key() -> tuple[str, rsa.RSAPrivateKey]:
    return moto_signing_key()


def signed(claims: dict, **header_fields) -> str:
    """`claims` signed with the emulator's key under its kid: as valid as the claims are."""
    kid, key = emulator_key()
    header = json.dumps({"alg": "RS256", "kid": kid, **header_fields}).encode()
    return compact_jws(header, json.dumps(claims).encode(), key)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _unknown_kid(claims: dict) -> str:
    header = json.dumps({"alg": "RS256", "kid": f"forged-{secrets.token_hex(8)}"}).encode()
    return compact_jws(header, json.dumps(claims).encode(), _other_key())


def _known_kid_other_key(claims: dict) -> str:
    header = json.dumps({"alg": "RS256", "kid": emulator_key()[0]}).encode()
    return compact_jws(header, json.dumps(claims).encode(), _other_key())


def _tampered(claims: dict) -> str:
    header, _, signature = signed(claims).split(".")
    return f"{header}.{b64url(json.dumps({**claims, 'sub': 'someone-else'}).encode())}.{signature}"


def _alg_none(claims: dict) -> str:
    header = json.dumps({"alg": "none", "kid": emulator_key()[0]}).encode()
    return f"{b64url(header)}.{b64url(json.dumps(claims).encode())}."


def _hs256_with_the_public_key(claims: dict) -> str:
    kid, key = emulator_key()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64url(json.dumps({'alg': 'HS256', 'kid': kid}).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())}"


def _raw_claims(claims: dict, **replacements: str) -> str:
    """Signed claims whose JSON has `name: <raw JSON text>` (NaN, Infinity) that json.dumps would not write."""
    kid, key = emulator_key()
    body = json.dumps({k: v for k, v in claims.items() if k not in replacements})
    extra = ",".join(f"{json.dumps(name)}:{text}" for name, text in replacements.items())
    header = json.dumps({"alg": "RS256", "kid": kid}).encode()
    return compact_jws(header, f"{body[:-1]},{extra}}}".encode(), key)


def _nested_header(claims: dict) -> str:
    kid, key = emulator_key()
    header = f'{{"alg":"RS256","kid":"{kid}","x":{"[" * 1500}{"]" * 1500}}}'.encode()
    return compact_jws(header, json.dumps(claims).encode(), key)


def _without(claims: dict, name: str) -> dict:
    return {k: v for k, v in claims.items() if k != name}


# name -> forge(claims of a genuine access token) -> token
FORGERIES: dict[str, Callable[[dict], str]] = {
    "unknown kid": _unknown_kid,
    "known kid, another key": _known_kid_other_key,
    "tampered claims": _tampered,
    "alg none": _alg_none,
    "HS256 signed with the public key": _hs256_with_the_public_key,
    "no kid": lambda c: compact_jws(json.dumps({"alg": "RS256"}).encode(), json.dumps(c).encode(), emulator_key()[1]),
    "garbage segments": lambda c: "a.b.c",
    "not base64": lambda c: "@@@.###.$$$",
    "two segments": lambda c: signed(c).rpartition(".")[0],
    "header not an object": lambda c: compact_jws(b"[]", json.dumps(c).encode(), emulator_key()[1]),
    "huge header": lambda c: signed(c, x="A" * 6000),
    "nested header": _nested_header,
    "exp NaN": lambda c: _raw_claims(c, exp="NaN"),
    "exp Infinity": lambda c: _raw_claims(c, exp="Infinity"),
    "iat NaN": lambda c: _raw_claims(c, iat="NaN"),
    "iat -Infinity": lambda c: _raw_claims(c, iat="-Infinity"),
    "exp true": lambda c: signed({**c, "exp": True}),
    "exp a string": lambda c: signed({**c, "exp": str(c["exp"])}),
    "wrong iss": lambda c: signed({**c, "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_attacker"}),
    "wrong client_id": lambda c: signed({**c, "client_id": "another-app-client"}),
    "token_use id": lambda c: signed({**c, "token_use": "id"}),
    "expired": lambda c: signed({**c, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}),
    "iat in the future": lambda c: signed({**c, "iat": int(time.time()) + 3600}),
    "no sub": lambda c: signed(_without(c, "sub")),
}


@functools.cache
def _openapi() -> dict:
    return yaml.safe_load(Path(OPENAPI).read_text())


def security_schemes(route: Route) -> set[str]:
    """The security scheme names docs/openapi.yaml gives the route (the document's default when it says none)."""
    spec = _openapi()
    operation = spec["paths"][route.path][route.method.lower()]
    return {name for requirement in operation.get("security", spec["security"]) for name in requirement}


def allows_anonymous(route: Route) -> bool:
    """The route also answers callers without any token (an empty security requirement, `{}`)."""
    spec = _openapi()
    operation = spec["paths"][route.path][route.method.lower()]
    return any(not requirement for requirement in operation.get("security", spec["security"]))


def concrete_path(route: Route) -> str:
    """The route's path with every parameter filled by a real course slug."""
    path = route.path
    while "{" in path:
        start = path.index("{")
        path = path[:start] + COURSE + path[path.index("}", start) + 1 :]
    return path


def routes() -> list[Route]:
    return sorted(http_routes(), key=lambda r: (r.path, r.method))


def call_with_token(
    stack, route: Route, token: str, way: str, origin: str, cookies: tuple[str, ...]
) -> requests.Response:
    """`route` called from `origin` with `token` as its Bearer (way "bearer") or as each cookie named in `cookies`;
    a JSON body of {} where the method takes one."""
    headers = {"origin": origin, "content-type": "application/json"}
    sent_cookies = {}
    if way == "bearer":
        headers["authorization"] = f"Bearer {token}"
    else:
        sent_cookies = dict.fromkeys(cookies, token)
    return requests.request(
        route.method,
        f"{stack['api_url']}{concrete_path(route)}",
        headers=headers,
        cookies=sent_cookies,
        data="{}" if route.method in ("POST", "PUT", "PATCH") else None,
        allow_redirects=False,
        timeout=TIMEOUT,
    )
