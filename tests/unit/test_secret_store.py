"""Secrets come through the Parameters and Secrets extension (its stand-in, over moto, on a free loopback
port), on first use inside a request: never at import, cached for the extension's TTL, retried while
the extension starts, and a clear 503 when it never answers. The stand-in itself answers like the real one.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from hhl import secret_store
from hhl.config import ConfigError

from kit.template import http_routes
from local import secrets_extension as extension_module
from local.api_gateway import build_event, import_handler, match_route
from tests.support.unit_env import UNIT_ENV, UNIT_JWT_SECRET, UNIT_SESSION_TOKEN

ROUTES = {route.route_key: route for route in http_routes()}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def login(lambda_context) -> dict:
    route = ROUTES["GET /auth/login"]
    _, params = match_route([route], "GET", "/auth/login")
    event = build_event(route, params, "GET", "/auth/login", "return_to=/learn", [], b"")
    return import_handler(route)(event, lambda_context)


def error_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "hedgehog-learn" and r.levelname == "ERROR"]


@pytest.fixture
def secrets(dynamodb, secrets_extension):
    return secrets_extension


# ==================================================================== read on first use, never at import
def test_importing_a_handler_reads_no_secret(secrets, monkeypatch, lambda_context):
    """Lambda runs init while the extension may still be starting: importing must not need it."""
    monkeypatch.setenv(extension_module.PORT_VARIABLE, str(closed_port()))
    route = ROUTES["GET /auth/login"]
    handler = import_handler(route)  # would raise (or hang) if init read the secret

    monkeypatch.setenv(extension_module.PORT_VARIABLE, str(secrets.port))
    _, params = match_route([route], "GET", "/auth/login")
    response = handler(build_event(route, params, "GET", "/auth/login", "", [], b""), lambda_context)
    assert response["statusCode"] == 302
    assert any(cookie.startswith("__Host-hhl_login=") for cookie in response["cookies"])


def test_the_jwt_secret_is_the_ssm_parameter_named_by_the_template(secrets):
    assert secret_store.jwt_secret() == UNIT_JWT_SECRET


def test_a_rotated_secret_is_used_after_the_ttl_without_a_new_container(secrets, monkeypatch):
    monkeypatch.setenv("SSM_PARAMETER_STORE_TTL", "0.3")
    secrets.extension.ttl["ssm"] = 0.3
    assert secret_store.jwt_secret() == UNIT_JWT_SECRET

    rotated = "r" * 48
    secrets.store("JWT_SECRET_PARAMETER", rotated)
    assert secret_store.jwt_secret() == UNIT_JWT_SECRET  # cached: within the TTL nothing is fetched
    time.sleep(0.7)  # the container's cache, then the extension's, expire
    assert secret_store.jwt_secret() == rotated


def test_a_ttl_of_zero_reads_through_every_time(secrets, monkeypatch):
    monkeypatch.setenv("SSM_PARAMETER_STORE_TTL", "0")
    secrets.extension.ttl["ssm"] = 0
    assert secret_store.jwt_secret() == UNIT_JWT_SECRET
    secrets.store("JWT_SECRET_PARAMETER", "n" * 40)
    assert secret_store.jwt_secret() == "n" * 40


# ==================================================================== an extension that is not ready
def test_an_extension_still_starting_is_waited_for(secrets, lambda_context):
    """The INIT race: the first request can arrive while the extension answers 400 "not ready"."""
    secrets.extension.ready.clear()
    threading.Timer(0.3, secrets.extension.ready.set).start()

    response = login(lambda_context)

    assert response["statusCode"] == 302


def test_an_extension_not_listening_yet_is_waited_for(secrets, monkeypatch, lambda_context):
    """Connection refused until the extension binds its port, 0.3 s later."""
    port = closed_port()
    monkeypatch.setenv(extension_module.PORT_VARIABLE, str(port))
    started = []

    def start_late():
        server = extension_module.serve(secrets.extension, "127.0.0.1", port)
        started.append(server)
        server.serve_forever(poll_interval=0.05)

    threading.Timer(0.3, start_late).start()
    try:
        response = login(lambda_context)
    finally:
        for server in started:
            server.shutdown()
            server.server_close()

    assert response["statusCode"] == 302


@pytest.mark.parametrize("failure", ["not listening", "never ready"])
def test_an_extension_that_never_answers_is_a_503_with_retry_after(secrets, monkeypatch, lambda_context, failure):
    if failure == "not listening":
        monkeypatch.setenv(extension_module.PORT_VARIABLE, str(closed_port()))
    else:
        secrets.extension.ready.clear()

    started = time.monotonic()
    response = login(lambda_context)
    elapsed = time.monotonic() - started

    assert response["statusCode"] == 503
    assert response["headers"]["retry-after"] == str(secret_store.RETRY_AFTER_SECONDS)
    assert json.loads(response["body"]) == {"error": "Service temporarily unavailable, retry shortly"}
    assert "cookies" not in response
    assert elapsed < secret_store.READY_BUDGET_SECONDS + 1  # bounded: well inside the function's timeout


def test_a_hung_extension_is_cut_at_the_budget(secrets, monkeypatch, lambda_context):
    """It accepts the connection and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv(extension_module.PORT_VARIABLE, str(silent.getsockname()[1]))
        started = time.monotonic()
        response = login(lambda_context)
        elapsed = time.monotonic() - started

    assert response["statusCode"] == 503
    assert elapsed < secret_store.READY_BUDGET_SECONDS + 1


# ==================================================================== deployment mistakes, named in the log
def test_a_refused_session_token_is_a_server_error_naming_the_secret(secrets, monkeypatch, caplog, lambda_context):
    """SnapStart functions get no AWS_SESSION_TOKEN; the extension then refuses every call (401)."""
    monkeypatch.setenv("AWS_SESSION_TOKEN", "stale")
    response = login(lambda_context)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {"error": "Internal server error"}
    assert any("JWT_SECRET" in line and "401" in line for line in error_lines(caplog))


def test_a_missing_parameter_is_named_with_the_stores_error(secrets, monkeypatch, caplog):
    monkeypatch.setenv("JWT_SECRET_PARAMETER", "/hedgehog-learn/local/nothing-here")
    with pytest.raises(ConfigError, match=r"JWT_SECRET.*/hedgehog-learn/local/nothing-here.*400 ParameterNotFound"):
        secret_store.jwt_secret()
    assert error_lines(caplog)


@pytest.mark.parametrize("name", ["JWT_SECRET", "HUBSPOT_PRIVATE_APP_TOKEN"])
def test_a_plaintext_secret_in_the_environment_is_refused_and_never_logged(secrets, monkeypatch, caplog, name):
    monkeypatch.setenv(name, "p" * 40)
    with pytest.raises(ConfigError, match=f"{name} must not be set"):
        secret_store.get_secret(name)
    (line,) = error_lines(caplog)
    assert "p" * 40 not in line


def test_a_missing_parameter_name_is_named(secrets, monkeypatch):
    monkeypatch.delenv("JWT_SECRET_PARAMETER")
    with pytest.raises(ConfigError, match="JWT_SECRET_PARAMETER"):
        secret_store.jwt_secret()


def test_a_short_jwt_secret_is_refused_without_logging_it(secrets, caplog):
    secrets.store("JWT_SECRET_PARAMETER", "x" * 31)
    with pytest.raises(ConfigError, match="at least 32 characters"):
        secret_store.jwt_secret()
    assert all("x" * 31 not in line for line in error_lines(caplog))


# ==================================================================== the stand-in answers as the real one
def call(secrets, path: str, token: str | None = UNIT_SESSION_TOKEN) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{secrets.port}{path}")
    if token is not None:
        request.add_header(extension_module.TOKEN_HEADER, token)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


JWT_PATH = f"/systemsmanager/parameters/get?name={UNIT_ENV['JWT_SECRET_PARAMETER']}&withDecryption=true"


def test_stand_in_serves_the_securestring_decrypted(secrets):
    status, _, body = call(secrets, JWT_PATH)
    assert status == 200
    parameter = json.loads(body)["Parameter"]
    assert parameter["Value"] == UNIT_JWT_SECRET
    assert parameter["Type"] == "SecureString"


@pytest.mark.parametrize("token", [None, "", "someone-elses-token"])
def test_stand_in_refuses_a_missing_or_wrong_session_token(secrets, token):
    status, headers, body = call(secrets, JWT_PATH, token=token)
    assert (status, body) == (401, b"bad session token or header key")
    assert headers["x-amzn-errortype"] == "AccessDeniedException"


def test_stand_in_passes_through_the_stores_not_found(secrets):
    status, headers, _ = call(secrets, "/systemsmanager/parameters/get?name=/nope&withDecryption=true")
    assert (status, headers["x-amzn-errortype"]) == (400, "ParameterNotFound")
    status, headers, _ = call(secrets, "/secretsmanager/get?secretId=nope")
    assert (status, headers["x-amzn-errortype"]) == (400, "ResourceNotFoundException")


def test_stand_in_says_not_ready_while_starting(secrets):
    secrets.extension.ready.clear()
    assert call(secrets, JWT_PATH)[::2] == (400, b"not ready to serve traffic, please wait")


def test_stand_in_serves_secrets_manager_secrets(secrets):
    import boto3

    boto3.client("secretsmanager", region_name=secrets.region).create_secret(Name="unit/secret", SecretString="s3")
    status, _, body = call(secrets, "/secretsmanager/get?secretId=unit/secret")
    assert status == 200
    assert json.loads(body)["SecretString"] == "s3"
