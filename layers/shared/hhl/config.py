"""Service settings, read from the environment once per container and validated at init.

A missing required variable fails the container's init with one log line naming it, so a
bad deployment shows up as a clear init error instead of a confusing 500 on the first request.
"""

from __future__ import annotations

import functools
import logging
import os
import urllib.parse
from dataclasses import dataclass

# The service's logger name; hhl.observability's Powertools logger is this stdlib logger, formatted as JSON.
SERVICE = "hedgehog-learn"
LOCAL_STAGE = "local"
STAGES = ("local", "dev", "prod")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.1, localhost, or a name under .localhost (RFC 6761: always loopback; the local stack's
    www.hedgehog.localhost and api.hedgehog.localhost mirror hedgehog.cloud and api.hedgehog.cloud)."""
    return host in LOOPBACK_HOSTS or (host or "").endswith(".localhost")


class ConfigError(RuntimeError):
    """A required setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Tables:
    users: str
    enrollments: str
    progress: str
    badges: str
    certificates: str
    tasks: str
    ended_sessions: str
    crm_sends: str
    erasures: str


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    site_base_url: str
    allowed_origins: tuple[str, ...]
    user_pool_id: str
    client_id: str
    cognito_domain: str
    redirect_uri: str
    issuer: str
    jwks_url: str
    cognito_idp_url: str
    tables: Tables
    enable_crm_progress: bool

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE

    @property
    def api_base_url(self) -> str:
        """The API's public origin (where the browser reaches /auth/callback): what credentials and links name."""
        parts = urllib.parse.urlsplit(self.redirect_uri)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def cognito_base_url(self) -> str:
        # The local hosted UI listens on plain http on loopback; every real stage is https only.
        scheme = "http" if self.is_local else "https"
        return f"{scheme}://{self.cognito_domain}"


def _required(env: dict[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"Missing required environment variable {name}")
    return value


def _checked_url(name: str, value: str, stage: str) -> str:
    """https, except plain http on loopback outside prod: the local stack's stand-ins, and
    `sam local start-api` on http://localhost against a dev stack (README)."""
    value = value.strip().rstrip("/")
    parts = urllib.parse.urlsplit(value)
    loopback_http = parts.scheme == "http" and is_loopback_host(parts.hostname) and stage != "prod"
    if not parts.hostname or (parts.scheme != "https" and not loopback_http):
        raise ConfigError(f"Environment variable {name} must be an https URL (http only on loopback outside prod)")
    return value


def _url(env: dict[str, str], name: str, stage: str) -> str:
    return _checked_url(name, _required(env, name), stage)


def _host(env: dict[str, str], name: str) -> str:
    value = _required(env, name).rstrip("/")
    if "://" in value or "/" in value:
        raise ConfigError(f"Environment variable {name} must be a host name (no scheme or path), got {value!r}")
    return value


def _bool(env: dict[str, str], name: str) -> bool:
    value = env.get(name, "false").strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(f"Environment variable {name} must be 'true' or 'false', got {value!r}")
    return value == "true"


def _cognito_idp_url(env: dict[str, str], stage: str) -> str:
    override = env.get("COGNITO_API_URL", "").strip()
    if override:
        return _checked_url("COGNITO_API_URL", override, stage)
    region = env.get("AWS_REGION") or _required(env, "AWS_DEFAULT_REGION")
    return f"https://cognito-idp.{region}.amazonaws.com"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    stage = _required(env, "APP_STAGE")
    if stage not in STAGES:
        raise ConfigError(f"Environment variable APP_STAGE must be one of {', '.join(STAGES)}, got {stage!r}")
    issuer = _url(env, "COGNITO_ISSUER", stage)
    origins = tuple(
        _checked_url("ALLOWED_ORIGINS", origin, stage)
        for origin in _required(env, "ALLOWED_ORIGINS").split(",")
        if origin.strip()
    )
    jwks_url = _url(env, "COGNITO_JWKS_URL", stage) if env.get("COGNITO_JWKS_URL", "").strip() else None
    return Settings(
        stage=stage,
        # Lambda always sets AWS_REGION; AWS_DEFAULT_REGION is what the AWS CLI and SDK tooling use locally.
        region=env.get("AWS_REGION") or _required(env, "AWS_DEFAULT_REGION"),
        site_base_url=_url(env, "SITE_BASE_URL", stage),
        allowed_origins=origins,
        user_pool_id=_required(env, "COGNITO_USER_POOL_ID"),
        client_id=_required(env, "COGNITO_CLIENT_ID"),
        cognito_domain=_host(env, "COGNITO_DOMAIN"),
        redirect_uri=_url(env, "COGNITO_REDIRECT_URI", stage),
        issuer=issuer,
        # Separate from the issuer: the local emulator serves its JWKS somewhere other than <iss>/.well-known.
        jwks_url=jwks_url or f"{issuer}/.well-known/jwks.json",
        # Cognito's user pools API (GetTokensFromRefreshToken); COGNITO_API_URL points it at the local stack's
        # stand-in (not the SDKs' AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: the stack's own boto3 clients
        # would follow that one too, away from the emulator).
        cognito_idp_url=_cognito_idp_url(env, stage),
        tables=Tables(
            users=_required(env, "DYNAMODB_USERS_TABLE"),
            enrollments=_required(env, "DYNAMODB_ENROLLMENTS_TABLE"),
            progress=_required(env, "DYNAMODB_PROGRESS_TABLE"),
            badges=_required(env, "DYNAMODB_BADGES_TABLE"),
            certificates=_required(env, "DYNAMODB_CERTIFICATES_TABLE"),
            tasks=_required(env, "DYNAMODB_TASKS_TABLE"),
            ended_sessions=_required(env, "DYNAMODB_ENDED_SESSIONS_TABLE"),
            crm_sends=_required(env, "DYNAMODB_CRM_SENDS_TABLE"),
            erasures=_required(env, "DYNAMODB_ERASURES_TABLE"),
        ),
        enable_crm_progress=_bool(env, "ENABLE_CRM_PROGRESS"),
    )


@functools.cache
def settings() -> Settings:
    """The container's settings; the first call (at handler import) validates them."""
    try:
        return load_settings()
    except ConfigError as exc:
        # Through the service's stdlib logger: config sits below observability and must not import it.
        logging.getLogger(SERVICE).error(str(exc))
        raise


def local_seconds(variable: str, default: int) -> int:
    """`default`, or at APP_STAGE=local the whole number of seconds in `variable`: how the local stack's tests
    shorten a wait AWS keeps long (the recent-sign-in window, the erasure's last sweep). Read per call."""
    value = os.environ.get(variable, "").strip()
    return int(value) if settings().is_local and value.isdigit() else default
