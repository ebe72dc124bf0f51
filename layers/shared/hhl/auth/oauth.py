"""Cognito's OAuth endpoints (/oauth2/token, /oauth2/revoke) and its GetTokensFromRefreshToken API
(the only refresh that completes refresh-token rotation) over urllib with short timeouts.

urllib rather than an HTTP library: four POSTs do not justify a dependency in every auth
function's cold start. The app client is confidential: every call authenticates with HTTP Basic
(client id and secret), the secret read from Secrets Manager through the extension (hhl.secret_store).
The browser-facing hosted UI URLs, which need no secret, are in hhl.auth.hosted_ui.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

from hhl.config import settings
from hhl.deadline import attempt_timeout
from hhl.http import RETRY_SHORTLY, DependencyError
from hhl.observability import logger
from hhl.secret_store import SecretUnavailable, get_secret

TOKEN_TIMEOUT_SECONDS = 3.0
REVOKE_TIMEOUT_SECONDS = 2.0
MAX_RESPONSE_BYTES = 64 * 1024
# GetTokensFromRefreshToken errors that refuse the refresh token itself (revoked, expired, retired by
# rotation, its user gone); TooManyRequests and InternalError mean "try again"; anything else is ours.
REFUSED_REFRESH = frozenset({"NotAuthorizedException", "RefreshTokenReuseException", "UserNotFoundException"})
RETRYABLE_API_ERRORS = frozenset({"TooManyRequestsException", "InternalErrorException"})


class TokenEndpointError(DependencyError):
    """Cognito failed or refused: the sign-in or refresh cannot complete. Unreachable, slow or failing
    (5xx, throttled): 503 with Retry-After, the same request is worth repeating; any other failure 502."""

    def __init__(self, message: str, rejected: bool, oauth_error: str | None = None, unavailable: bool = False):
        if unavailable:
            super().__init__(message, status=503, headers=RETRY_SHORTLY)
        else:
            super().__init__(message)
        # True when Cognito answered and refused the grant (4xx), False when it could not be reached or broke.
        self.rejected = rejected
        self.oauth_error = oauth_error  # Cognito's RFC 6749 error code when it refused (e.g. invalid_grant)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    id_token: str | None
    refresh_token: str | None
    expires_in: int


def exchange_code(code: str, code_verifier: str) -> TokenSet:
    return _token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": settings().redirect_uri,
            "code_verifier": code_verifier,
        }
    )


def refresh_tokens(refresh_token: str) -> TokenSet:
    """New tokens from a refresh token (GetTokensFromRefreshToken). With rotation on, the answer carries a
    new refresh token and the one sent is retired after the app client's grace period."""
    import urllib.error
    import urllib.request

    from hhl.tls import aws_opener

    body = {"ClientId": settings().client_id, "RefreshToken": refresh_token}
    secret = client_secret()
    if secret:
        body["ClientSecret"] = secret
    request = urllib.request.Request(
        settings().cognito_idp_url + "/",
        data=json.dumps(body).encode(),
        headers={
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
        },
        method="POST",
    )
    try:
        timeout = attempt_timeout(TOKEN_TIMEOUT_SECONDS, "Cognito")
        with aws_opener().open(request, timeout=timeout) as response:
            document = json.loads(response.read(MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as exc:
        code = _api_error(exc)
        if code in REFUSED_REFRESH:
            raise TokenEndpointError(f"Refresh refused ({code})", rejected=True, oauth_error=code) from None
        retry = exc.code >= 500 or code in RETRYABLE_API_ERRORS
        raise TokenEndpointError(f"Cognito refresh failed ({code})", rejected=False, unavailable=retry) from None
    except (OSError, ValueError):
        raise TokenEndpointError("Cognito unavailable", rejected=False, unavailable=True) from None
    result = document.get("AuthenticationResult") if isinstance(document, dict) else None
    result = result if isinstance(result, dict) else {}
    return _token_set(
        result.get("AccessToken"), result.get("IdToken"), result.get("RefreshToken"), result.get("ExpiresIn")
    )


def revoke(refresh_token: str) -> bool:
    """Revoke the refresh token (and the access tokens issued from it). Best effort: False on any failure."""
    try:
        with _post("/oauth2/revoke", {"token": refresh_token}, REVOKE_TIMEOUT_SECONDS):
            return True
    # URLError/HTTPError/timeouts are OSErrors; SecretUnavailable: the client secret could not be read.
    except (OSError, ValueError, SecretUnavailable) as exc:
        logger.warning("refresh token revocation failed", extra={"error": type(exc).__name__})
        return False


def _token_request(form: dict[str, str]) -> TokenSet:
    import urllib.error

    try:
        with _post("/oauth2/token", form, TOKEN_TIMEOUT_SECONDS) as response:
            document = json.loads(response.read(MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as exc:
        # Only Cognito's error code is kept: the body could echo what we sent.
        rejected, oauth_error = 400 <= exc.code < 500, _oauth_error(exc)
        raise TokenEndpointError(
            f"Token endpoint refused the request ({oauth_error})", rejected, oauth_error, unavailable=exc.code >= 500
        ) from None
    except (OSError, ValueError):
        raise TokenEndpointError("Token endpoint unavailable", rejected=False, unavailable=True) from None
    document = document if isinstance(document, dict) else {}
    return _token_set(
        document.get("access_token"),
        document.get("id_token"),
        document.get("refresh_token"),
        document.get("expires_in"),
    )


def _token_set(access_token, id_token, refresh_token, expires_in) -> TokenSet:
    if not isinstance(access_token, str) or not access_token:
        raise TokenEndpointError("Cognito returned no access token", rejected=False)
    return TokenSet(
        access_token=access_token,
        id_token=id_token if isinstance(id_token, str) else None,
        refresh_token=refresh_token if isinstance(refresh_token, str) and refresh_token else None,
        expires_in=expires_in if isinstance(expires_in, int) and expires_in > 0 else 3600,
    )


def _post(path: str, form: dict[str, str], timeout: float):
    # Imported here: urllib.request (http.client, ssl, email) costs ~15 ms of cold start, and logout needs
    # it only when there is a refresh token to revoke.
    import urllib.request

    from hhl.tls import aws_opener

    config = settings()
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
    form = {**form, "client_id": config.client_id}
    secret = client_secret()
    if secret:
        credentials = f"{urllib.parse.quote(config.client_id)}:{urllib.parse.quote(secret)}"
        headers["authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    request = urllib.request.Request(
        f"{config.cognito_base_url}{path}",
        data=urllib.parse.urlencode(form).encode(),
        headers=headers,
        method="POST",
    )
    # The invocation's deadline cuts the timeout; with no time left DeadlineExceeded (an OSError) is raised,
    # which callers already treat as an unreachable Cognito.
    return aws_opener().open(request, timeout=attempt_timeout(timeout, "Cognito"))


def client_secret() -> str | None:
    """The confidential app client's secret (Secrets Manager, through the extension, cached by the secret
    store for its TTL); None when COGNITO_CLIENT_SECRET_ID names none (an existing public client)."""
    return get_secret("COGNITO_CLIENT_SECRET") if os.environ.get("COGNITO_CLIENT_SECRET_ID") else None


def _api_error(exc) -> str:
    """The Cognito API's error type (`__type`, possibly namespaced `...#Name`); only the name is kept."""
    try:
        code = json.loads(exc.read(MAX_RESPONSE_BYTES)).get("__type")
    except (OSError, ValueError, AttributeError):
        code = None
    code = code.rpartition("#")[2] if isinstance(code, str) else ""
    return code if code.isidentifier() else f"HTTP {exc.code}"


def _oauth_error(exc) -> str:
    try:
        code = json.loads(exc.read(MAX_RESPONSE_BYTES)).get("error")
    except (OSError, ValueError, AttributeError):
        code = None
    return code if isinstance(code, str) and code.isidentifier() else f"HTTP {exc.code}"
