"""Auth test fixtures: our own RSA keys served as a JWKS from a real HTTP server on loopback,
and a token minter that signs Cognito-shaped ID and access tokens with them."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hhl.auth import verifier
from hhl.config import settings

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


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return new_signing_key("unit-kid-1")


@dataclass
class JwksServer:
    """A loopback JWKS endpoint; `fetches` counts GETs, `fail` makes it answer 500."""

    keys: list[dict]
    url: str = ""
    fetches: int = 0
    fail: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="session")
def _jwks_server_session(signing_key):
    state = JwksServer(keys=[signing_key.jwk])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            with state._lock:
                state.fetches += 1
            if state.fail:
                self.send_response(500)
                self.end_headers()
                return
            body = json.dumps({"keys": state.keys}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/us-east-1_unitpool/.well-known/jwks.json"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def jwks_server(_jwks_server_session, signing_key):
    """The session's JWKS server, reset: only `signing_key` published, fetch count 0, answering."""
    state = _jwks_server_session
    state.keys, state.fetches, state.fail = [signing_key.jwk], 0, False
    return state


@pytest.fixture
def auth_env(service_env, jwks_server, monkeypatch):
    """Local-stage settings whose JWKS URL is the loopback server; container caches start empty."""
    monkeypatch.setenv("COGNITO_JWKS_URL", jwks_server.url)
    settings.cache_clear()
    verifier.cognito_verifier.cache_clear()
    yield service_env
    settings.cache_clear()
    verifier.cognito_verifier.cache_clear()


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


def _apply(claims: dict, overrides: dict) -> dict:
    """Overrides set claims; an override of None removes the claim."""
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


@pytest.fixture
def tokens(signing_key) -> TokenMinter:
    return TokenMinter(signing_key)
