"""Unit-test fixtures for everything that authenticates: our own RSA keys served as a JWKS from a real
HTTP server on loopback (a fake Cognito), and a token minter that signs Cognito-shaped ID and access tokens;
then the API in-process, signed in with those tokens, over moto's tables."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

import pytest
from hhl.auth import revocation, verifier
from hhl.config import settings
from hhl.storage import dynamodb as dynamodb_module
from moto.core.botocore_stubber import BotocoreStubber

from kit.dynamodb_calls import DynamoDBCallCounter
from kit.fake_http import Answer, Request, fake_http_server, json_answer
from local.api_gateway import Router
from tests.catalog_dirs import forget_loaded_catalog, write_catalog
from tests.support.in_process_api import ALLOWED_ORIGIN, USER_A, ApiClient, table_items
from tests.support.orchard_catalog import ANSWER_KEYS, CATALOG
from tests.support.tokens import CLIENT_ID, SigningKey, TokenMinter, at_hash, new_signing_key
from tests.support.unit_env import UNIT_CLIENT_SECRET


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return new_signing_key("unit-kid-1")


@dataclass
class IssuedCode:
    code_challenge: str
    nonce: str
    redirect_uri: str
    claims: dict


@dataclass
class FakeCognito:
    """Cognito on loopback: the JWKS (GET .../jwks.json) and the OAuth endpoints (/oauth2/token, /oauth2/revoke).

    `fetches` counts JWKS GETs; `fail` makes the JWKS answer 500; `token_status` forces the token
    endpoint's status; codes are issued by `issue_code` and redeemed once, only with the PKCE verifier.
    """

    keys: list[dict]
    minter: TokenMinter
    base: str = ""
    url: str = ""
    fetches: int = 0
    fail: bool = False
    token_status: int | None = None
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    # refresh token -> (sub, origin_jti, retired at or None): every token of one sign-in shares its origin_jti.
    refresh_tokens: dict[str, tuple[str, str, float | None]] = field(default_factory=dict)
    grace_seconds: float = 30.0  # the app client's RetryGracePeriodSeconds
    revoked: list[str] = field(default_factory=list)
    token_requests: list[dict] = field(default_factory=list)
    authorization_headers: list[str | None] = field(default_factory=list)
    # Confidential, as the template's client: token and revoke need HTTP Basic with it (None: a public client).
    client_secret: str | None = UNIT_CLIENT_SECRET
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_code(self, code_challenge: str, nonce: str, redirect_uri: str, **claims) -> str:
        code = uuid.uuid4().hex
        self.codes[code] = IssuedCode(code_challenge, nonce, redirect_uri, claims)
        return code

    def reset(self, keys: list[dict]) -> None:
        self.keys, self.fetches, self.fail, self.token_status = keys, 0, False, None
        self.grace_seconds = 30.0
        self.client_secret = UNIT_CLIENT_SECRET
        self.codes.clear()
        self.refresh_tokens.clear()
        self.revoked.clear()
        self.token_requests.clear()
        self.authorization_headers.clear()

    def token(self, form: dict[str, str]) -> tuple[int, dict]:
        self.token_requests.append(form)
        if self.token_status is not None:
            return self.token_status, {"error": "server_error" if self.token_status >= 500 else "invalid_grant"}
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_client"}
        if form.get("grant_type") == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if issued is None or challenge != issued.code_challenge or form.get("redirect_uri") != issued.redirect_uri:
                return 400, {"error": "invalid_grant"}
            sub = issued.claims.get("sub", "user-sub-1")
            origin_jti = str(uuid.uuid4())
            refresh_token = f"refresh-{uuid.uuid4().hex}"
            self.refresh_tokens[refresh_token] = (sub, origin_jti, None)
            access_token = self.minter.access(sub=sub, origin_jti=origin_jti)
            # Like Cognito, the ID token is bound to its access token by at_hash (unless a test says otherwise).
            id_claims = {"sub": sub, "at_hash": at_hash(access_token), **issued.claims}
            return 200, {
                "id_token": self.minter.id(issued.nonce, **id_claims),
                "access_token": access_token,
                "refresh_token": refresh_token,
                "expires_in": 3600,
                "token_type": "Bearer",
            }
        return 400, {"error": "unsupported_grant_type"}

    def get_tokens_from_refresh_token(self, body: dict) -> tuple[int, dict]:
        """Cognito's GetTokensFromRefreshToken with rotation on: a new refresh token per call, the one sent
        retired and still accepted for `grace_seconds`."""
        self.token_requests.append(body)
        if self.token_status is not None:
            error = "InternalErrorException" if self.token_status >= 500 else "NotAuthorizedException"
            return self.token_status, {"__type": error, "message": "forced"}
        if body.get("ClientId") != CLIENT_ID or (self.client_secret and body.get("ClientSecret") != self.client_secret):
            return 400, {"__type": "NotAuthorizedException", "message": "Invalid client"}
        found = self.refresh_tokens.get(body.get("RefreshToken", ""))
        if found is None:
            return 400, {"__type": "NotAuthorizedException", "message": "Invalid Refresh Token"}
        sub, origin_jti, retired_at = found
        if retired_at is not None and time.time() > retired_at + self.grace_seconds:
            return 400, {"__type": "RefreshTokenReuseException", "message": "Refresh token has been rotated"}
        if retired_at is None:
            self.refresh_tokens[body["RefreshToken"]] = (sub, origin_jti, time.time())
        new_refresh_token = f"refresh-{uuid.uuid4().hex}"
        self.refresh_tokens[new_refresh_token] = (sub, origin_jti, None)
        access_token = self.minter.access(sub=sub, origin_jti=origin_jti)
        return 200, {
            "AuthenticationResult": {
                "AccessToken": access_token,
                "IdToken": self.minter.id("", sub=sub, nonce=None, at_hash=at_hash(access_token)),
                "RefreshToken": new_refresh_token,
                "ExpiresIn": 3600,
                "TokenType": "Bearer",
            }
        }

    def client_authenticated(self, authorization: str | None) -> bool:
        if self.client_secret is None:
            return True
        expected = base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode()).decode()
        return authorization == f"Basic {expected}"

    def revoke(self, form: dict[str, str]) -> int:
        token = form.get("token", "")
        self.revoked.append(token)
        found = self.refresh_tokens.get(token)
        if found is not None:  # the whole sign-in: every refresh token rotated from the same one
            for other, (_, origin_jti, _) in list(self.refresh_tokens.items()):
                if origin_jti == found[1]:
                    del self.refresh_tokens[other]
        return 200

    def answer(self, request: Request) -> Answer:
        """The HTTP face: any GET is the JWKS; POSTs are Cognito's GetTokensFromRefreshToken, token and revoke."""
        if request.method == "GET":
            with self._lock:
                self.fetches += 1
            return json_answer(500, {}) if self.fail else json_answer(200, {"keys": self.keys})
        data = request.body.decode()
        if request.path == "/" and request.headers.get("x-amz-target", "").endswith(".GetTokensFromRefreshToken"):
            with self._lock:
                return json_answer(*self.get_tokens_from_refresh_token(json.loads(data)))
        form = dict(urllib.parse.parse_qsl(data))
        authorization = request.headers.get("authorization")
        with self._lock:
            self.authorization_headers.append(authorization)
            if not self.client_authenticated(authorization):
                return json_answer(401, {"error": "invalid_client"})
            if request.path == "/oauth2/token":
                return json_answer(*self.token(form))
            if request.path == "/oauth2/revoke":
                return json_answer(self.revoke(form), {})
            return json_answer(404, {})


@pytest.fixture(scope="session")
def _jwks_server_session(signing_key):
    state = FakeCognito(keys=[signing_key.jwk], minter=TokenMinter(signing_key))
    with fake_http_server(state.answer) as url:
        state.base = url.removeprefix("http://")
        state.url = f"{url}/us-east-1_unitpool/.well-known/jwks.json"
        yield state


@pytest.fixture
def jwks_server(_jwks_server_session, signing_key) -> FakeCognito:
    """The session's fake Cognito, reset: only `signing_key` published, no codes, counters at 0."""
    _jwks_server_session.reset([signing_key.jwk])
    return _jwks_server_session


@pytest.fixture
def fake_cognito(jwks_server) -> FakeCognito:
    return jwks_server


@pytest.fixture
def auth_env(service_env, jwks_server, monkeypatch):
    """Local-stage settings whose JWKS URL is the loopback server; container caches start empty."""
    monkeypatch.setenv("COGNITO_JWKS_URL", jwks_server.url)
    monkeypatch.setenv("COGNITO_DOMAIN", jwks_server.base)
    monkeypatch.setenv("COGNITO_API_URL", f"http://{jwks_server.base}")
    settings.cache_clear()
    verifier.cognito_verifier.cache_clear()
    revocation.ended_sessions.cache_clear()
    yield service_env
    settings.cache_clear()
    verifier.cognito_verifier.cache_clear()
    revocation.ended_sessions.cache_clear()


@pytest.fixture
def tokens(signing_key) -> TokenMinter:
    return TokenMinter(signing_key)


# The API in-process (tests/support/in_process_api.py): every handler through the local API Gateway router,
# against moto's tables, called with real RS256 access tokens the loopback JWKS server above publishes the key for.


@pytest.fixture
def learning_env(auth_env, dynamodb):
    """moto tables + loopback JWKS; the container's cached DynamoDB client and catalog start fresh."""
    dynamodb_module.client.cache_clear()
    forget_loaded_catalog()
    yield dynamodb
    dynamodb_module.client.cache_clear()
    forget_loaded_catalog()


@pytest.fixture
def router(learning_env) -> Router:
    return Router(allowed_origins=[ALLOWED_ORIGIN])


@pytest.fixture
def api_as(router, tokens):
    """api_as(user_id) -> an ApiClient signed in as that Cognito sub."""
    return lambda user_id: ApiClient(router, tokens.access(sub=user_id))


@pytest.fixture
def api(api_as) -> ApiClient:
    return api_as(USER_A)


@pytest.fixture
def anonymous(router) -> ApiClient:
    return ApiClient(router, None)


@pytest.fixture
def ddb_calls(learning_env, api) -> DynamoDBCallCounter:
    """Counts the DynamoDB calls the handlers make through the container's client, on a warm container: the
    learner's session was checked in the last 30 s (hhl.auth.revocation reads it once per 30 s), the common case."""
    api.get("/badges")
    with DynamoDBCallCounter(dynamodb_module.client()) as counter:
        yield counter


@pytest.fixture
def use_catalog(tmp_path, learning_env, serve_catalog):
    """use_catalog(data): serve a test catalog instead of the shipped one for this test."""
    return lambda data: serve_catalog(write_catalog(tmp_path / "catalog", data))


@pytest.fixture
def stored(learning_env, service_env):
    """stored("enrollments"|"progress"|"badges"|...) -> that table's items."""
    names = {
        "enrollments": service_env["DYNAMODB_ENROLLMENTS_TABLE"],
        "progress": service_env["DYNAMODB_PROGRESS_TABLE"],
        "badges": service_env["DYNAMODB_BADGES_TABLE"],
        "certificates": service_env["DYNAMODB_CERTIFICATES_TABLE"],
        "tasks": service_env["DYNAMODB_TASKS_TABLE"],
        "users": service_env["DYNAMODB_USERS_TABLE"],
    }
    return lambda table: table_items(learning_env, names[table])


@pytest.fixture
def orchard(tmp_path, learning_env, serve_catalog):
    """The orchard catalog of tests/support/orchard_catalog.py, with its answer keys, for this test."""
    serve_catalog(write_catalog(tmp_path / "orchard", CATALOG, ANSWER_KEYS))


@pytest.fixture
def atomic_moto(monkeypatch):
    """DynamoDB applies each request to an item atomically; moto is made to as well, one request at a time,
    for the tests that race requests against each other."""
    lock = threading.Lock()
    process_request = BotocoreStubber.process_request

    def one_at_a_time(self, request):
        with lock:
            return process_request(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)
