"""The issuer's signing keys: the current one (KMS, ECC_NIST_P256) and those still published for old credentials.

CERTIFICATE_SIGNING_KEY_ID names the KMS key new credentials are signed with; CERTIFICATE_RETIRED_KEY_IDS
(comma-separated, optional) the keys of earlier credentials, published in the JWKS but never used to sign.
Each key's public half comes from KMS GetPublicKey once per container; its `kid` is its RFC 7638 JWK
thumbprint, so the same key has the same kid everywhere and a new key never reuses an old one's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from hhl.signing import b64url, kms

SIGNING_KEY_VARIABLE = "CERTIFICATE_SIGNING_KEY_ID"
RETIRED_KEYS_VARIABLE = "CERTIFICATE_RETIRED_KEY_IDS"


class SigningNotConfigured(RuntimeError):
    """No signing key is configured for this function."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str  # the KMS key id or ARN
    kid: str
    jwk: dict  # the public key as a JWK (kty EC, crv P-256, x, y, kid, alg, use)


def _b64url_int(value: int) -> str:
    return b64url(value.to_bytes(32, "big"))


@functools.cache
def published_key(key_id: str) -> SigningKey:
    """The key's public half from KMS (cached per container: a key's public half never changes)."""
    _, der = kms.client().public_key(key_id)
    public = load_der_public_key(der)
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise SigningNotConfigured(f"{SIGNING_KEY_VARIABLE} must name an ECC_NIST_P256 key")
    numbers = public.public_numbers()
    members = {"crv": "P-256", "kty": "EC", "x": _b64url_int(numbers.x), "y": _b64url_int(numbers.y)}
    thumbprint = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    kid = b64url(thumbprint)
    return SigningKey(key_id, kid, {**members, "kid": kid, "alg": "ES256", "use": "sig"})


def signing_key_id() -> str:
    key_id = os.environ.get(SIGNING_KEY_VARIABLE, "").strip()
    if not key_id:
        raise SigningNotConfigured(f"{SIGNING_KEY_VARIABLE} is not set")
    return key_id


def current_key() -> SigningKey:
    return published_key(signing_key_id())


def published_keys() -> list[SigningKey]:
    """The current key first, then every retired one still published."""
    retired = [k.strip() for k in os.environ.get(RETIRED_KEYS_VARIABLE, "").split(",") if k.strip()]
    ids = [signing_key_id(), *(k for k in retired if k != signing_key_id())]
    return [published_key(key_id) for key_id in ids]


def jwks() -> dict:
    return {"keys": [key.jwk for key in published_keys()]}


def sign(key: SigningKey, message: bytes) -> bytes:
    """KMS Sign (ECDSA_SHA_256) of the message with the key: the DER ECDSA signature."""
    return kms.client().sign(key.key_id, message)
