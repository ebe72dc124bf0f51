"""Secrets, read through the AWS Parameters and Secrets Lambda Extension on first use inside a request.

Every stage, the local stack and the tests included, takes the same path: an HTTP GET to the extension
on localhost (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, default 2773) authenticated with AWS_SESSION_TOKEN.
The environment holds only the *name* of each secret (an SSM SecureString or a Secrets Manager secret),
never its value. The extension is used instead of boto3 so that login and logout never import the SDK
(it would double their cold start); it is a plain HTTP GET, so urllib is all we need.

Never at import: Lambda starts the function's init as soon as extensions *register*, before they
serve, and the extension answers only during INVOKE. Values are cached per container for the
extension's own TTL (SSM_PARAMETER_STORE_TTL / SECRETS_MANAGER_TTL, default 300 s), so a rotated secret
is picked up without recycling functions. An extension that is not ready yet (connection refused, or
400 "not ready to serve traffic") is retried for a bounded time; one that never answers becomes a 503
with Retry-After for the client, not a crash.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from dataclasses import dataclass

from hhl.config import ConfigError
from hhl.http import DependencyError

MIN_JWT_SECRET_LENGTH = 32
DEFAULT_EXTENSION_PORT = "2773"
DEFAULT_TTL_SECONDS = 300  # the extension's own default for both stores
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
# Bounded wait for an extension that is still starting: backoff 25, 50, 100 ... ms, 2 s in all.
READY_BUDGET_SECONDS = 2.0
FIRST_BACKOFF_SECONDS = 0.025
MAX_BACKOFF_SECONDS = 0.4
RETRY_AFTER_SECONDS = 5
MAX_RESPONSE_BYTES = 256 * 1024


@dataclass(frozen=True)
class _Store:
    path: str
    id_query: str
    extra_query: tuple[tuple[str, str], ...]
    ttl_variable: str
    kind: str

    def value(self, document: dict) -> str:
        value = document["Parameter"]["Value"] if self.kind == "SSM parameter" else document["SecretString"]
        if not isinstance(value, str):
            raise TypeError("not a string")
        return value


SSM = _Store(
    "/systemsmanager/parameters/get", "name", (("withDecryption", "true"),), "SSM_PARAMETER_STORE_TTL", "SSM parameter"
)
SECRETS_MANAGER = _Store("/secretsmanager/get", "secretId", (), "SECRETS_MANAGER_TTL", "Secrets Manager secret")

# Each secret: where it lives, and the environment variable that names it there.
SECRETS = {
    "JWT_SECRET": (SSM, "JWT_SECRET_PARAMETER"),
    "HUBSPOT_PRIVATE_APP_TOKEN": (SSM, "HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER"),
    "COGNITO_CLIENT_SECRET": (SECRETS_MANAGER, "COGNITO_CLIENT_SECRET_ID"),
}


class SecretUnavailable(DependencyError):
    """The extension did not answer in time: the request can be retried shortly (503 + Retry-After)."""

    status = 503

    def __init__(self):
        super().__init__(
            "Service temporarily unavailable, retry shortly", headers={"retry-after": str(RETRY_AFTER_SECONDS)}
        )


class _NotReady(Exception):
    """The extension is starting (or briefly failing): worth another try within the budget."""


_cache: dict[str, tuple[str, float]] = {}  # secret name -> (value, monotonic expiry)


def get_secret(name: str) -> str:
    """The secret called `name` (a key of SECRETS), from the container's cache or through the extension.

    Raises SecretUnavailable (503) when the extension does not answer within the budget, and ConfigError
    (logged, naming the variable and the secret's name, never its value) when the deployment is wrong."""
    cached = _cache.get(name)
    now = time.monotonic()
    if cached and now < cached[1]:
        return cached[0]
    store, variable = SECRETS[name]
    try:
        value = _read(name, store, variable)
    except ConfigError as exc:
        raise _logged(exc) from None
    ttl = _ttl(store)
    if ttl > 0:
        _cache[name] = (value, time.monotonic() + ttl)
    return value


def jwt_secret() -> str:
    secret = get_secret("JWT_SECRET")
    if len(secret) < MIN_JWT_SECRET_LENGTH:
        raise _logged(ConfigError(f"JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters"))
    return secret


def clear_cache() -> None:
    """Forget every cached value (tests; a container never needs to)."""
    _cache.clear()


def _read(name: str, store: _Store, variable: str) -> str:
    # A plaintext value in the environment is refused, not used, in every stage.
    if os.environ.get(name):
        raise ConfigError(f"Environment variable {name} must not be set; set {variable} to the secret's name instead")
    secret_id = os.environ.get(variable, "").strip()
    if not secret_id:
        raise ConfigError(f"Missing required environment variable {variable}")
    query = urllib.parse.urlencode({store.id_query: secret_id, **dict(store.extra_query)})
    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", DEFAULT_EXTENSION_PORT)
    url = f"http://localhost:{port}{store.path}?{query}"
    document = _get_when_ready(url, f"{name} ({store.kind} {secret_id})")
    try:
        value = store.value(document)
    except (KeyError, TypeError):
        raise ConfigError(f"The extension's answer for {name} ({store.kind} {secret_id}) has no value") from None
    if not value:
        raise ConfigError(f"{store.kind} {secret_id} for {name} is empty")
    return value


def _get_when_ready(url: str, what: str) -> dict:
    deadline = time.monotonic() + READY_BUDGET_SECONDS
    backoff = FIRST_BACKOFF_SECONDS
    while True:
        remaining = deadline - time.monotonic()
        try:
            return _get(url, what, timeout=max(remaining, 0.05))
        except _NotReady as exc:
            if time.monotonic() + backoff >= deadline:
                _log_unavailable(what, str(exc))
                raise SecretUnavailable() from None
        time.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def _get(url: str, what: str, timeout: float) -> dict:
    import urllib.error
    import urllib.request

    from hhl.tls import aws_opener

    request = urllib.request.Request(url, headers={TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")})
    try:
        with aws_opener().open(request, timeout=timeout) as response:
            return json.loads(response.read(MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as exc:
        body = exc.read(1024).decode("utf-8", "replace")
        error_type = exc.headers.get("x-amzn-errortype") or ""
        if exc.code == 400 and "not ready" in body.lower():
            raise _NotReady("not ready") from None
        if exc.code >= 500 or exc.code == 429:  # the store unreachable or throttled: transient
            raise _NotReady(f"HTTP {exc.code} {error_type}".strip()) from None
        # 401: the session token was refused (SnapStart functions have none); 400/403: the secret is
        # missing or not granted. A deployment to fix, not a request to retry.
        raise ConfigError(f"Could not read {what}: HTTP {exc.code} {error_type}".strip()) from None
    except (OSError, ValueError) as exc:  # refused, reset, timed out; or a garbled answer
        raise _NotReady(type(exc).__name__) from None


def _ttl(store: _Store) -> float:
    raw = os.environ.get(store.ttl_variable, "")
    try:
        return max(float(raw), 0.0) if raw.strip() else DEFAULT_TTL_SECONDS
    except ValueError:
        return DEFAULT_TTL_SECONDS


def _logged(error: ConfigError) -> ConfigError:
    """One log line naming the variable; imported lazily so the happy path loads no logger here."""
    from hhl.observability import logger

    logger.error(str(error))
    return error


def _log_unavailable(what: str, reason: str) -> None:
    from hhl.observability import logger

    logger.error("Parameters and Secrets extension did not answer", extra={"secret": what, "reason": reason})
