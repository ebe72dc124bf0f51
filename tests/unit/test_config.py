"""Configuration is validated once per container at init; a bad deployment fails with one clear log
line naming the variable. (Secrets are read later, inside requests: tests/unit/test_secret_store.py.)"""

from __future__ import annotations

import pytest
from hhl.config import ConfigError, load_settings, settings

from tests.support.unit_env import UNIT_ENV

AWS_ENV = {
    **UNIT_ENV,
    "APP_STAGE": "prod",
    "AWS_REGION": "us-west-2",
    "SITE_BASE_URL": "https://hedgehog.cloud",
    "ALLOWED_ORIGINS": "https://hedgehog.cloud,https://www.hedgehog.cloud",
    "COGNITO_DOMAIN": "hedgehog-learn-prod.auth.us-west-2.amazoncognito.com",
    "COGNITO_REDIRECT_URI": "https://hedgehog.cloud/auth/callback",
    "COGNITO_ISSUER": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_pool",
    "COGNITO_JWKS_URL": "",
}


def error_lines(caplog) -> list[dict]:
    """The service logger's ERROR records, as message and whether a traceback was attached."""
    return [
        {"message": r.getMessage(), "traceback": r.exc_info is not None}
        for r in caplog.records
        if r.name == "hedgehog-learn" and r.levelname == "ERROR"
    ]


@pytest.fixture
def fresh_caches():
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def aws_env(monkeypatch, fresh_caches):
    for name in UNIT_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    return AWS_ENV


# ==================================================================== settings
REQUIRED = [
    "APP_STAGE",
    "SITE_BASE_URL",
    "ALLOWED_ORIGINS",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    "COGNITO_DOMAIN",
    "COGNITO_REDIRECT_URI",
    "COGNITO_ISSUER",
    "DYNAMODB_USERS_TABLE",
    "DYNAMODB_ENROLLMENTS_TABLE",
    "DYNAMODB_PROGRESS_TABLE",
    "DYNAMODB_BADGES_TABLE",
    "DYNAMODB_CERTIFICATES_TABLE",
    "DYNAMODB_TASKS_TABLE",
    "DYNAMODB_ENDED_SESSIONS_TABLE",
    "DYNAMODB_CRM_SENDS_TABLE",
    "DYNAMODB_ERASURES_TABLE",
]


@pytest.mark.parametrize("name", REQUIRED)
def test_a_missing_variable_fails_init_with_one_log_line_naming_it(aws_env, monkeypatch, caplog, name):
    monkeypatch.delenv(name)
    with pytest.raises(ConfigError, match=name):
        settings()
    (line,) = error_lines(caplog)
    assert name in line["message"]
    assert not line["traceback"]  # a clear line, not a traceback


def test_a_blank_variable_counts_as_missing(aws_env, monkeypatch):
    monkeypatch.setenv("COGNITO_CLIENT_ID", "   ")
    with pytest.raises(ConfigError, match="COGNITO_CLIENT_ID"):
        load_settings()


def test_valid_aws_configuration_loads_with_derived_jwks_url(aws_env):
    loaded = settings()
    assert loaded.stage == "prod"
    assert loaded.region == "us-west-2"
    assert loaded.allowed_origins == ("https://hedgehog.cloud", "https://www.hedgehog.cloud")
    assert loaded.jwks_url == f"{AWS_ENV['COGNITO_ISSUER']}/.well-known/jwks.json"
    assert loaded.cognito_base_url == f"https://{AWS_ENV['COGNITO_DOMAIN']}"
    assert loaded.tables.users == AWS_ENV["DYNAMODB_USERS_TABLE"]
    assert loaded.enable_crm_progress is False


def test_an_unknown_stage_is_refused(aws_env, monkeypatch):
    monkeypatch.setenv("APP_STAGE", "staging")
    with pytest.raises(ConfigError, match="APP_STAGE"):
        load_settings()


@pytest.mark.parametrize("value", ["yes", "1", "TRUE!"])
def test_the_crm_switch_must_be_true_or_false(aws_env, monkeypatch, value):
    monkeypatch.setenv("ENABLE_CRM_PROGRESS", value)
    with pytest.raises(ConfigError, match="ENABLE_CRM_PROGRESS"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SITE_BASE_URL", "http://hedgehog.cloud"),
        ("SITE_BASE_URL", "http://localhost:3000"),
        ("SITE_BASE_URL", "hedgehog.cloud"),
        ("ALLOWED_ORIGINS", "https://hedgehog.cloud,http://evil.example"),
        ("COGNITO_ISSUER", "http://cognito-idp.us-west-2.amazonaws.com/pool"),
        ("COGNITO_JWKS_URL", "http://127.0.0.1:5000/pool/.well-known/jwks.json"),
        ("COGNITO_REDIRECT_URI", "http://hedgehog.cloud/auth/callback"),
    ],
)
def test_plain_http_urls_are_refused_in_prod(aws_env, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_http_off_loopback_is_refused_in_every_aws_stage(aws_env, monkeypatch, stage):
    monkeypatch.setenv("APP_STAGE", stage)
    monkeypatch.setenv("SITE_BASE_URL", "http://hedgehog.cloud")
    with pytest.raises(ConfigError, match="SITE_BASE_URL"):
        load_settings()


@pytest.mark.parametrize(
    "site, callback",
    [
        ("http://localhost:3000", "http://localhost:3000/auth/callback"),  # sam local
        ("http://www.hedgehog.localhost:8000", "http://api.hedgehog.localhost:3000/auth/callback"),  # make dev
    ],
    ids=["localhost", "names-under-localhost"],
)
def test_http_on_loopback_is_accepted_outside_prod_only(aws_env, monkeypatch, site, callback):
    monkeypatch.setenv("SITE_BASE_URL", site)
    monkeypatch.setenv("COGNITO_REDIRECT_URI", callback)
    with pytest.raises(ConfigError, match="SITE_BASE_URL"):
        load_settings()
    monkeypatch.setenv("APP_STAGE", "dev")
    settings = load_settings()
    assert (settings.site_base_url, settings.redirect_uri) == (site, callback)


def test_a_name_that_only_starts_with_localhost_is_not_loopback(aws_env, monkeypatch):
    monkeypatch.setenv("APP_STAGE", "dev")
    monkeypatch.setenv("SITE_BASE_URL", "http://localhost.evil.example")
    with pytest.raises(ConfigError, match="SITE_BASE_URL"):
        load_settings()


def test_the_local_stage_accepts_its_loopback_http_urls(service_env, fresh_caches):
    loaded = settings()
    assert loaded.is_local
    assert loaded.site_base_url == "http://127.0.0.1:3000"
    assert loaded.cognito_base_url == "http://127.0.0.1:9229"
    assert loaded.jwks_url == service_env["COGNITO_JWKS_URL"]


def test_the_cognito_domain_is_a_host_name(aws_env, monkeypatch):
    monkeypatch.setenv("COGNITO_DOMAIN", "https://hedgehog-learn-prod.auth.us-west-2.amazoncognito.com")
    with pytest.raises(ConfigError, match="COGNITO_DOMAIN"):
        load_settings()
