"""Cognito-shaped tokens signed with our own RSA keys: what the unit tests' fake Cognito publishes and issues,
and what the tests present as a learner's Bearer token or forge to see it refused."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_unitpool"
CLIENT_ID = "unit-client-id"


@dataclass
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def jwk(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}


def new_signing_key(kid: str | None = None) -> SigningKey:
    return SigningKey(kid or uuid.uuid4().hex, rsa.generate_private_key(public_exponent=65537, key_size=2048))


class TokenMinter:
    def __init__(self, key: SigningKey):
        self.key = key

    def sign(self, claims: dict, headers: dict | None = None, key: SigningKey | None = None, **kwargs) -> str:
        key = key or self.key
        header = {"kid": key.kid, **(headers or {})}
        return jwt.encode(claims, key.private_key, algorithm=kwargs.get("algorithm", "RS256"), headers=header)

    def access_claims(self, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "sub": "user-sub-1",
            "iss": ISSUER,
            "client_id": CLIENT_ID,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": "openid email profile",
            "auth_time": now,
            "exp": now + 3600,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "username": "learner@example.com",
        }
        return _apply(claims, overrides)

    def id_claims(self, expected_nonce: str, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "sub": "user-sub-1",
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "token_use": "id",
            "cognito:username": "learner@example.com",
            "email": "learner@example.com",
            "email_verified": True,
            "given_name": "Ada",
            "family_name": "Lovelace",
            "nonce": expected_nonce,
            "auth_time": now,
            "exp": now + 3600,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
        return _apply(claims, overrides)

    def access(self, **overrides) -> str:
        return self.sign(self.access_claims(**overrides))

    def id(self, expected_nonce: str, **overrides) -> str:
        return self.sign(self.id_claims(expected_nonce, **overrides))


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: base64url of the left half of the SHA-256 of the access token's ASCII."""
    return base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()[:16]).rstrip(b"=").decode()


def _apply(claims: dict, overrides: dict) -> dict:
    """Overrides set claims; an override of None removes the claim."""
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims
