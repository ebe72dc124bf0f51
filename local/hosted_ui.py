"""A small stand-in for the Cognito hosted UI (dev only): /oauth2/authorize, /login, /oauth2/token,
/oauth2/revoke and /logout, plus the one user pools API call moto lacks, GetTokensFromRefreshToken
(POST / with X-Amz-Target, as on cognito-idp.<region>.amazonaws.com).

moto emulates the Cognito API but not the hosted UI, so this does only the browser-facing OAuth part;
users, passwords, tokens and keys stay moto's. moto's tokens lack the claims the hosted UI adds
(nonce, at_hash, scope, email_verified as a boolean, version) and ignore the app client's token
lifetimes, so they are re-signed with moto's own Cognito key (same kid), with the template's access
token lifetime: the backend then verifies them through moto's JWKS over HTTP, as in AWS.

Refresh tokens rotate as Cognito documents for an app client with RefreshTokenRotation ENABLED: each
refresh returns a new refresh token; the one sent stays valid for RetryGracePeriodSeconds after its first
use, then is refused (RefreshTokenReuseException from the API, invalid_grant from the token endpoint).
Every token of one sign-in keeps its origin_jti. Revoking any refresh token of a sign-in revokes them all.
Nothing here logs a token, code, verifier or password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm
from moto.utilities.utils import load_resource

from local.http_server import LocalHTTPServer

AUTH_CODE_TTL_SECONDS = 300
MAX_FORM_BYTES = 64 * 1024


class OAuthError(Exception):
    """An RFC 6749 error answered as JSON by the token and revoke endpoints (400; 401 for a failed client
    authentication, as Cognito answers a confidential client's missing or wrong secret)."""

    def __init__(self, error: str, description: str = "", status: int = 400):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class AppClient:
    client_id: str
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    scopes: tuple[str, ...]
    secret: str | None  # a confidential client's (GenerateSecret); None for a public one


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    scope: str
    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int
    expires_at: float


@dataclass(frozen=True)
class RefreshGrant:
    client_id: str
    auth_time: int
    sign_in: str  # moto's refresh token of the sign-in: moto mints the tokens, with the sign-in's origin_jti
    username: str  # whose sign-in: moto fails (HTTP 500) refreshing a deleted user's, Cognito refuses it
    retired_at: float | None = None  # when rotation replaced this token


@dataclass(frozen=True)
class TokenPolicy:
    """The app client's token settings, from template.yaml (kit/template.py reads them)."""

    access_token_seconds: int = 3600
    rotation: bool = False
    grace_seconds: int = 0


def moto_signing_key() -> tuple[str, RSAPrivateKey]:
    """moto signs every Cognito token with one bundled RSA key; its JWKS serves the public half."""
    jwk = load_resource("cognitoidp/resources/jwks-private.json")
    return jwk["kid"], RSAAlgorithm.from_jwk(json.dumps(jwk))


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


class HostedUI:
    """The OAuth state (codes, issued refresh tokens) and logic; `serve` puts HTTP in front of it."""

    def __init__(self, cognito, user_pool_id: str, policy: TokenPolicy | None = None, clock=time.time):
        self._cognito = cognito
        self._user_pool_id = user_pool_id
        self.policy = policy or TokenPolicy()
        self._clock = clock
        self._kid, self._private_key = moto_signing_key()
        self._public_key = self._private_key.public_key()
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._refresh_grants: dict[str, RefreshGrant] = {}
        self._clients: dict[str, AppClient] = {}

    # ---------------------------------------------------------------- app clients (moto's)
    def app_client(self, client_id: str) -> AppClient | None:
        if client_id not in self._clients:
            try:
                found = self._cognito.describe_user_pool_client(UserPoolId=self._user_pool_id, ClientId=client_id)
            except self._cognito.exceptions.ResourceNotFoundException:
                return None
            desc = found["UserPoolClient"]
            self._clients[client_id] = AppClient(
                client_id=client_id,
                callback_urls=tuple(desc.get("CallbackURLs", ())),
                logout_urls=tuple(desc.get("LogoutURLs", ())),
                scopes=tuple(desc.get("AllowedOAuthScopes", ())),
                secret=desc.get("ClientSecret"),
            )
        return self._clients[client_id]

    # ---------------------------------------------------------------- /oauth2/authorize and /login
    def check_authorize(self, params: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        """(page_error, redirect_error, granted_scope). A bad client or redirect_uri is shown on the page:
        redirecting to an unverified URI would make this an open redirector. Other errors go back to the client."""
        client = self.app_client(params.get("client_id", ""))
        if client is None:
            return "invalid_client: unknown client_id", None, None
        if params.get("redirect_uri") not in client.callback_urls:
            return "redirect_mismatch: redirect_uri is not a callback URL of this client", None, None
        if params.get("response_type") != "code":
            return None, "unsupported_response_type", None
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return None, "invalid_request", None
        requested = params.get("scope", "").split() or list(client.scopes)
        if not set(requested) <= set(client.scopes):
            return None, "invalid_scope", None
        return None, None, " ".join(requested)

    def login(self, params: dict[str, str], scope: str, username: str, password: str) -> str | None:
        """Check the password with moto; on success return a fresh single-use authorization code."""
        try:
            result = self._cognito.admin_initiate_auth(
                UserPoolId=self._user_pool_id,
                ClientId=params["client_id"],
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except (self._cognito.exceptions.NotAuthorizedException, self._cognito.exceptions.UserNotFoundException):
            return None
        tokens = result.get("AuthenticationResult")
        if tokens is None:  # a challenge (e.g. NEW_PASSWORD_REQUIRED) the local UI does not implement
            return None
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = AuthorizationCode(
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                code_challenge=params["code_challenge"],
                nonce=params.get("nonce"),
                scope=scope,
                id_token=tokens["IdToken"],
                access_token=tokens["AccessToken"],
                refresh_token=tokens["RefreshToken"],
                expires_in=tokens["ExpiresIn"],
                expires_at=time.time() + AUTH_CODE_TTL_SECONDS,
            )
        return code

    # ---------------------------------------------------------------- /oauth2/token
    def authenticated_client(self, form: dict[str, str], basic: tuple[str, str] | None) -> str:
        """The calling client's id. A confidential client must prove its secret, with HTTP Basic or the
        form's client_secret, as Cognito requires: otherwise 401 invalid_client."""
        client_id = basic[0] if basic else form.get("client_id", "")
        client = self.app_client(client_id)
        if client is None:
            raise OAuthError("invalid_client")
        if client.secret is not None:
            presented = basic[1] if basic else form.get("client_secret", "")
            if not presented or not hmac.compare_digest(presented.encode(), client.secret.encode()):
                raise OAuthError("invalid_client", "client authentication failed", status=401)
        return client_id

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict:
        client_id = self.authenticated_client(form, basic)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form, client_id)
        if grant_type == "refresh_token":
            return self._refresh(form, client_id)
        raise OAuthError("unsupported_grant_type")

    def _exchange_code(self, form: dict[str, str], client_id: str) -> dict:
        with self._lock:
            # Popped before any check: a code is spent by its first use, right or wrong (RFC 6749 4.1.2).
            code = self._codes.pop(form.get("code", ""), None)
        if code is None or code.expires_at < time.time() or code.client_id != client_id:
            raise OAuthError("invalid_grant")
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorize request")
        verifier = form.get("code_verifier", "")
        if not verifier or not secrets.compare_digest(pkce_challenge(verifier), code.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        access_token = self._resign(code.access_token, scope=code.scope)
        id_claims = {"at_hash": _at_hash(access_token)}
        if code.nonce:
            id_claims["nonce"] = code.nonce
        id_token = self._resign(code.id_token, **id_claims)
        refresh_token = secrets.token_urlsafe(48)
        signed_in = self._claims(code.id_token)
        with self._lock:
            self._refresh_grants[refresh_token] = RefreshGrant(
                client_id, signed_in["auth_time"], sign_in=code.refresh_token, username=signed_in["cognito:username"]
            )
        return {
            "id_token": id_token,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_in": self.policy.access_token_seconds,
            "token_type": "Bearer",
        }

    def _refresh(self, form: dict[str, str], client_id: str) -> dict:
        """The token endpoint's refresh_token grant (rotating too when the client rotates, as Cognito's does)."""
        try:
            tokens = self.refresh(form.get("refresh_token", ""), client_id)
        except OAuthError as exc:
            raise OAuthError("invalid_grant") from exc
        return {
            "id_token": tokens["IdToken"],
            "access_token": tokens["AccessToken"],
            **({"refresh_token": tokens["RefreshToken"]} if "RefreshToken" in tokens else {}),
            "expires_in": tokens["ExpiresIn"],
            "token_type": "Bearer",
        }

    def get_tokens_from_refresh_token(self, body: dict) -> dict:
        """The user pools API's GetTokensFromRefreshToken: {"AuthenticationResult": ...} or an OAuthError whose
        `error` is the API's exception name."""
        client = self.app_client(str(body.get("ClientId", "")))
        if client is None:
            raise OAuthError("ResourceNotFoundException", "unknown client")
        presented = str(body.get("ClientSecret", ""))
        if client.secret is not None and not hmac.compare_digest(presented.encode(), client.secret.encode()):
            raise OAuthError("NotAuthorizedException", "Client secret does not match")
        return {"AuthenticationResult": {**self.refresh(str(body.get("RefreshToken", "")), client.client_id)}}

    def refresh(self, refresh_token: str, client_id: str) -> dict:
        """New tokens for the sign-in `refresh_token` belongs to; with rotation, a new refresh token too."""
        now = self._clock()
        with self._lock:
            grant = self._refresh_grants.get(refresh_token)
            if grant is None or grant.client_id != client_id:
                raise OAuthError("NotAuthorizedException", "Invalid Refresh Token")
            if grant.retired_at is not None and now > grant.retired_at + self.policy.grace_seconds:
                raise OAuthError("RefreshTokenReuseException", "Refresh token has been rotated out")
            rotated = None
            if self.policy.rotation:
                if grant.retired_at is None:
                    self._refresh_grants[refresh_token] = replace(grant, retired_at=now)
                rotated = secrets.token_urlsafe(48)
                self._refresh_grants[rotated] = replace(grant, retired_at=None)
        # A deleted user (an erasure): with PreventUserExistenceErrors on, as the template sets it, Cognito refuses
        # the refresh token as revoked. moto would answer 500, so the user is looked up first.
        try:
            self._cognito.admin_get_user(UserPoolId=self._user_pool_id, Username=grant.username)
        except self._cognito.exceptions.UserNotFoundException:
            raise OAuthError("NotAuthorizedException", "Refresh Token has been revoked") from None
        try:
            result = self._cognito.admin_initiate_auth(
                UserPoolId=self._user_pool_id,
                ClientId=client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": grant.sign_in},
            )["AuthenticationResult"]
        except self._cognito.exceptions.NotAuthorizedException:  # e.g. after AdminUserGlobalSignOut
            raise OAuthError("NotAuthorizedException", "Refresh Token has been revoked") from None
        # Like Cognito: refreshed tokens keep the original sign-in time and carry no nonce.
        access_token = self._resign(result["AccessToken"], scope="openid email profile", auth_time=grant.auth_time)
        id_token = self._resign(result["IdToken"], at_hash=_at_hash(access_token), auth_time=grant.auth_time)
        answer = {
            "AccessToken": access_token,
            "IdToken": id_token,
            "ExpiresIn": self.policy.access_token_seconds,
            "TokenType": "Bearer",
        }
        if rotated is not None:
            answer["RefreshToken"] = rotated
        return answer

    # ---------------------------------------------------------------- /oauth2/revoke
    def revoke(self, form: dict[str, str], basic: tuple[str, str] | None) -> None:
        client_id = self.authenticated_client(form, basic)
        token = form.get("token", "")
        if not token:
            raise OAuthError("invalid_request")
        with self._lock:
            grant = self._refresh_grants.get(token)
            if grant is not None and grant.client_id != client_id:
                raise OAuthError("unauthorized_client")
            # Unknown tokens are answered 200 too (RFC 7009 2.2): revocation must not reveal which tokens exist.
            if grant is not None:  # the whole sign-in: every refresh token rotated from the same one
                for other in [t for t, g in self._refresh_grants.items() if g.sign_in == grant.sign_in]:
                    del self._refresh_grants[other]

    # ---------------------------------------------------------------- /logout
    def logout_target(self, params: dict[str, str]) -> str | None:
        client = self.app_client(params.get("client_id", ""))
        logout_uri = params.get("logout_uri", "")
        if client is None or logout_uri not in client.logout_urls:
            return None
        return logout_uri

    # ---------------------------------------------------------------- tokens
    def _claims(self, token: str) -> dict:
        return jwt.decode(token, self._public_key, algorithms=["RS256"], options={"verify_aud": False})

    def _resign(self, moto_token: str, **extra) -> str:
        """moto's token with the claims Cognito's hosted UI adds, signed again with moto's key."""
        claims = self._claims(moto_token)
        claims.update(extra, event_id=str(uuid.uuid4()))
        if claims["token_use"] == "access":
            claims["version"] = 2
            claims["exp"] = claims["iat"] + self.policy.access_token_seconds  # moto ignores the client's validity
        if "email_verified" in claims:  # moto copies the attribute string; Cognito's claim is a JSON boolean
            claims["email_verified"] = str(claims["email_verified"]).lower() == "true"
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self._kid})


# ==================================================================== HTTP
LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Hedgehog Learn (local)</title>
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto}}
label,input,button{{display:block;width:100%;margin:.4rem 0}} .error{{color:#b00020}}</style></head>
<body><h1>Sign in</h1><p><small>Local Cognito hosted UI (development only)</small></p>{error}
<form method="post" action="/login?{query}">
<label>Email <input name="username" type="email" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form></body></html>
"""

ERROR_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head>
<body><h1>An error was encountered with the requested page.</h1><p>{message}</p></body></html>
"""


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(client_id, client_secret) from HTTP Basic client authentication (RFC 6749 2.3.1: each form-encoded)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:], validate=True).decode("utf-8")
    except ValueError:
        return None
    client_id, _, secret = decoded.partition(":")
    return (urllib.parse.unquote(client_id), urllib.parse.unquote(secret)) if client_id else None


class _Handler(BaseHTTPRequestHandler):
    server_version = "hedgehog-learn-local-cognito"
    ui: HostedUI

    def log_request(self, code="-", size="-"):
        # The default logs the request line, whose query string may hold a code; log the path only.
        print(f"[cognito] {self.command} {self._url.path} {code}", flush=True)

    # ---------------------------------------------------------------- plumbing
    @property
    def _url(self) -> urllib.parse.SplitResult:
        return urllib.parse.urlsplit(self.path)

    def _query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self._url.query, keep_blank_values=True))

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_FORM_BYTES:
            raise OAuthError("invalid_request", "request body too large")
        return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True))

    def _send(self, status: int, body: str = "", content_type: str = "text/html; charset=utf-8", **headers) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("cache-control", "no-store")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, body: dict) -> None:
        self._send(status, json.dumps(body), "application/json;charset=UTF-8")

    def _redirect(self, location: str) -> None:
        self._send(302, location=location)

    def _redirect_back(self, redirect_uri: str, **params: str | None) -> None:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        self._redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")

    def _login_page(self, status: int = 200, error: str = "") -> None:
        error_html = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        self._send(status, LOGIN_PAGE.format(error=error_html, query=html.escape(self._url.query)))

    def _authorize_or_error(self) -> tuple[dict[str, str], str] | None:
        """Validate the authorize parameters; answer the error and return None if they are bad."""
        params = self._query()
        page_error, redirect_error, scope = self.ui.check_authorize(params)
        if page_error:
            self._send(400, ERROR_PAGE.format(message=html.escape(page_error)))
            return None
        if redirect_error:
            self._redirect_back(params["redirect_uri"], error=redirect_error, state=params.get("state"))
            return None
        return params, scope

    # ---------------------------------------------------------------- routes
    def do_GET(self):
        path = self._url.path
        if path == "/oauth2/authorize":
            if self._authorize_or_error():
                self._login_page()
        elif path == "/logout":
            target = self.ui.logout_target(self._query())
            if target is None:
                self._send(400, ERROR_PAGE.format(message="invalid_request: logout_uri is not a sign-out URL"))
            else:
                self._redirect(target)
        else:
            self._send(404, ERROR_PAGE.format(message="Not found"))

    def do_POST(self):
        path = self._url.path
        try:
            if path == "/login":
                self._post_login()
            elif path == "/oauth2/token":
                body = self.ui.token(self._form(), _basic_credentials(self.headers.get("authorization")))
                self._json(200, body)
            elif path == "/" and self.headers.get("x-amz-target", "").endswith(".GetTokensFromRefreshToken"):
                self._api_call()
                return
            elif path == "/oauth2/revoke":
                self.ui.revoke(self._form(), _basic_credentials(self.headers.get("authorization")))
                self._send(200, "", "application/json;charset=UTF-8")
            else:
                self._send(404, ERROR_PAGE.format(message="Not found"))
        except OAuthError as exc:
            body = {"error": exc.error}
            if exc.description:
                body["error_description"] = exc.description
            self._json(exc.status, body)

    def _api_call(self) -> None:
        """A user pools API call (JSON 1.1): errors are {"__type", "message"} with 400, as AWS answers them."""
        length = int(self.headers.get("content-length") or 0)
        try:
            if length > MAX_FORM_BYTES:
                raise OAuthError("InvalidParameterException", "request body too large")
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                raise OAuthError("SerializationException", "body is not JSON") from None
            answer = self.ui.get_tokens_from_refresh_token(body if isinstance(body, dict) else {})
            self._send(200, json.dumps(answer), "application/x-amz-json-1.1")
        except OAuthError as exc:
            self._send(400, json.dumps({"__type": exc.error, "message": exc.description}), "application/x-amz-json-1.1")

    def _post_login(self) -> None:
        authorized = self._authorize_or_error()
        if authorized is None:
            return
        params, scope = authorized
        form = self._form()
        code = self.ui.login(params, scope, form.get("username", "").strip(), form.get("password", ""))
        if code is None:
            self._login_page(200, "Incorrect username or password.")
            return
        self._redirect_back(params["redirect_uri"], code=code, state=params.get("state"))


def serve(ui: HostedUI, host: str, port: int) -> LocalHTTPServer:
    """Bind the hosted UI (not yet serving: the caller runs serve_forever in a thread)."""
    handler = type("HostedUIHandler", (_Handler,), {"ui": ui})
    return LocalHTTPServer((host, port), handler)
