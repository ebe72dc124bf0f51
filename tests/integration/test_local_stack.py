"""The local stack as a developer (and the backend) meets it: the deployment guide's two smoke checks,
the hosted UI's OAuth behaviour, tokens verified over HTTP against the emulator's JWKS, and the
API router's payload-2.0 events and responses."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from pathlib import Path

import jwt
import pytest
import requests

from kit.sign_in import loopback_url
from kit.template import ROOT, Route
from local import api_gateway
from local.hosted_ui import pkce_challenge
from local.launcher import free_ports, launch_stack

pytestmark = pytest.mark.integration


# ==================================================================== helpers
def authorize_params(stack, verifier: str, **overrides) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": stack.client_id,
        "redirect_uri": f"{stack.site_api_url}/auth/callback",
        "scope": "openid email profile",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def submit_login(stack, params: dict[str, str], username: str, password: str) -> requests.Response:
    """What the browser does with the hosted UI's form: POST it to /login?<the authorize query>."""
    return requests.post(
        f"{stack.cognito_base_url}/login?{urllib.parse.urlencode(params)}",
        data={"username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )


def sign_in(stack, username: str | None = None, password: str | None = None, **overrides):
    """Run the hosted UI as a browser would; returns (authorize params, verifier, code)."""
    verifier = secrets.token_urlsafe(48)
    params = authorize_params(stack, verifier, **overrides)
    response = submit_login(stack, params, username or stack.demo_user.username, password or stack.demo_user.password)
    assert response.status_code == 302, response.text
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(response.headers["location"]).query)
    return params, verifier, query["code"][0]


def client_auth(stack, form: dict) -> tuple[str, str] | None:
    """HTTP Basic with the app client's secret, as the backend authenticates (not for a made-up client)."""
    return (stack.client_id, stack.client_secret()) if form.get("client_id") == stack.client_id else None


def token_request(stack, **form) -> requests.Response:
    return requests.post(f"{stack.cognito_base_url}/oauth2/token", data=form, auth=client_auth(stack, form), timeout=10)


def exchange(stack, params, verifier, code) -> requests.Response:
    return token_request(
        stack,
        grant_type="authorization_code",
        client_id=stack.client_id,
        code=code,
        redirect_uri=params["redirect_uri"],
        code_verifier=verifier,
    )


def verify(stack, token: str, **options) -> dict:
    """Verify a token as the backend does in AWS: RS256, key from the issuer's JWKS fetched over HTTP."""
    jwks = jwt.PyJWKClient(stack.handler_env.COGNITO_JWKS_URL)
    return jwt.decode(
        token,
        jwks.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        issuer=stack.handler_env.COGNITO_ISSUER,
        options={"require": ["exp", "iat", "iss", "sub", "token_use"]},
        **options,
    )


@pytest.fixture(scope="module")
def tokens(local_stack):
    params, verifier, code = sign_in(local_stack)
    response = exchange(local_stack, params, verifier, code)
    assert response.status_code == 200, response.text
    return params, response.json()


# ==================================================================== the deployment guide's smoke checks
def test_me_without_a_token_is_401_with_the_guides_body(local_stack):
    response = requests.get(f"{local_stack.api_url}/auth/me", timeout=10)
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized: Missing access token"}


def test_login_redirects_to_the_local_hosted_ui(local_stack):
    response = requests.get(f"{local_stack.api_url}/auth/login", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["location"].startswith(f"{local_stack.cognito_base_url}/oauth2/authorize?")


def test_stack_json_describes_the_running_stack(local_stack):
    assert local_stack.user_pool_id == local_stack.handler_env.COGNITO_USER_POOL_ID
    assert local_stack.client_id == local_stack.handler_env.COGNITO_CLIENT_ID
    assert local_stack.handler_env.APP_STAGE == "local"
    assert "JWT_SECRET" not in local_stack.handler_env  # secrets by name only, read through the extension
    assert len(local_stack.stored_secret("JWT_SECRET_PARAMETER")) >= 32
    tables = local_stack.dynamodb().list_tables()["TableNames"]
    assert sorted(tables) == sorted(
        f"hedgehog-learn-local-{name}"
        for name in (
            "users",
            "enrollments",
            "progress",
            "badges",
            "certificates",
            "tasks",
            "ended-sessions",
            "crm-sends",
            "erasures",
        )
    )
    client = local_stack.cognito().describe_user_pool_client(
        UserPoolId=local_stack.user_pool_id, ClientId=local_stack.client_id
    )["UserPoolClient"]
    assert client["CallbackURLs"] == [f"{local_stack.site_api_url}/auth/callback"]
    assert client["LogoutURLs"] == [local_stack.site_url]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]


def test_a_second_stack_on_busy_ports_says_which_variable_to_change(local_stack, tmp_path):
    port = urllib.parse.urlsplit(local_stack.api_url).port
    result = subprocess.run(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env={**os.environ, "HHL_API_PORT": str(port), "HHL_STATE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "HHL_API_PORT" in result.stderr
    assert not (tmp_path / "stack.json").exists()
    assert requests.get(f"{local_stack.api_url}/catalog", timeout=10).status_code == 200


def stack_env(state_dir: Path) -> dict[str, str]:
    """The environment of a stack of our own: free ports, its own state dir."""
    api, site, aws, cognito, extension = free_ports(5)
    ports = {
        "HHL_API_PORT": api,
        "HHL_SITE_PORT": site,
        "HHL_AWS_PORT": aws,
        "HHL_COGNITO_PORT": cognito,
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": extension,
    }
    return {**os.environ, **{name: str(port) for name, port in ports.items()}, "HHL_STATE_DIR": str(state_dir)}


def run_stack(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "local.stack"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_second_stack_in_the_same_checkout_fails_and_leaves_the_running_one_alone(local_stack):
    state_dir = Path(local_stack.state_dir)
    before = (state_dir / "stack.json").read_bytes()
    result = run_stack(stack_env(state_dir))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("local stack: a local stack is already running from") and "HHL_STATE_DIR" in line
    assert str(local_stack.pid) in line
    assert (state_dir / "stack.json").read_bytes() == before
    assert requests.get(f"{local_stack.api_url}/catalog", timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HHL_API_PORT", "abc"),
        ("HHL_SITE_PORT", "70000"),
        ("HHL_AWS_PORT", "-1"),
        ("HHL_COGNITO_PORT", "0"),
        ("HHL_SITE_ORIGIN", "www.hedgehog.localhost:8000"),
        ("HHL_ALLOWED_ORIGINS", "http://theme.hedgehog.localhost:4000/learn"),
    ],
)
def test_a_bad_port_or_origin_is_one_clear_line(tmp_path, variable, value):
    result = run_stack({**stack_env(tmp_path), variable: value})
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"local stack: {variable}") and repr(value) in line, line
    assert not (tmp_path / "stack.json").exists()


def test_the_stack_says_so_and_exits_when_the_emulator_dies(tmp_path):
    stack = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=stack_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "stack.json").exists():
            assert stack.poll() is None and time.monotonic() < deadline, "stack did not start"
            time.sleep(0.2)
        os.kill(json.loads((tmp_path / "stack.json").read_text())["emulator_pid"], signal.SIGKILL)
        assert stack.wait(timeout=15) == 1
        assert "local stack: the AWS emulator exited with code -9" in stack.stderr.read()
        assert not (tmp_path / "stack.json").exists()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(stack.pid, signal.SIGKILL)
        stack.wait()


# ==================================================================== the Parameters and Secrets extension stand-in
def test_the_stacks_secrets_come_from_the_extension_stand_in_like_lambdas(local_stack):
    name = local_stack.handler_env.JWT_SECRET_PARAMETER
    url = f"{local_stack.secrets_extension_url}/systemsmanager/parameters/get"
    query = {"name": name, "withDecryption": "true"}
    refused = requests.get(url, params=query, timeout=10)
    assert (refused.status_code, refused.text) == (401, "bad session token or header key")
    token = {"X-Aws-Parameters-Secrets-Token": local_stack.handler_env.AWS_SESSION_TOKEN}
    served = requests.get(url, params=query, headers=token, timeout=10)
    assert served.status_code == 200
    assert served.json()["Parameter"]["Value"] == local_stack.stored_secret("JWT_SECRET_PARAMETER")
    port = local_stack.handler_env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT
    assert local_stack.secrets_extension_url == f"http://127.0.0.1:{port}"


def test_a_busy_extension_port_is_named_by_its_variable_before_anything_starts(tmp_path):
    env = stack_env(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"])))
        busy.listen(1)
        result = run_stack(env)
    assert result.returncode == 1
    assert "set PARAMETERS_SECRETS_EXTENSION_HTTP_PORT to another port" in result.stderr


LAUNCHER = """
import subprocess, sys
stack = subprocess.Popen([sys.executable, "-m", "local.stack"])
print(stack.pid, flush=True)
stack.wait()
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has stopped; reaping it is its new parent's business


@pytest.mark.skipif(sys.platform != "linux", reason="checks processes through /proc")
def test_a_stack_whose_launcher_dies_without_teardown_stops_with_its_emulator(tmp_path):
    """What happens when a test session is killed (SIGKILL, or SIGTERM to pytest): nothing is left running."""
    env = {**stack_env(tmp_path), "HHL_EXIT_WITH_PARENT": "1"}
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stack_pid = int(launcher.stdout.readline())
        deadline = time.monotonic() + 60
        while not (tmp_path / "stack.json").exists():
            assert time.monotonic() < deadline, "stack did not start"
            time.sleep(0.2)
        emulator_pids = [int(p) for p in Path(f"/proc/{stack_pid}/task/{stack_pid}/children").read_text().split()]
        assert emulator_pids
        launcher.kill()
        launcher.wait()
        deadline = time.monotonic() + 15
        while any(map(_running, [stack_pid, *emulator_pids])):
            assert time.monotonic() < deadline, "the stack or its emulator outlived the launcher"
            time.sleep(0.2)
        assert not (tmp_path / "stack.json").exists()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launcher.pid, signal.SIGKILL)


# ==================================================================== hosted UI: /oauth2/authorize and /login
def test_authorize_renders_a_login_form_posting_back_with_the_same_query(local_stack):
    params = authorize_params(local_stack, "v" * 50)
    response = requests.get(f"{local_stack.cognito_base_url}/oauth2/authorize", params=params, timeout=10)
    assert response.status_code == 200
    page = response.text
    assert 'name="username"' in page
    assert 'name="password"' in page
    assert 'type="submit"' in page
    action = page.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    path, _, query = action.partition("?")
    assert path == "/login"
    assert dict(urllib.parse.parse_qsl(query)) == params


@pytest.mark.parametrize(
    "override",
    [
        {"redirect_uri": "https://evil.example/auth/callback"},
        {"redirect_uri": None},
        {"client_id": "not-a-client"},
    ],
    ids=["foreign-redirect-uri", "missing-redirect-uri", "unknown-client"],
)
def test_authorize_refuses_unregistered_clients_and_redirect_uris_without_redirecting(local_stack, override):
    params = authorize_params(local_stack, "v" * 50, **override)
    response = requests.get(
        f"{local_stack.cognito_base_url}/oauth2/authorize", params=params, allow_redirects=False, timeout=10
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert 'name="password"' not in response.text


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"scope": "openid aws.cognito.signin.user.admin"}, "invalid_scope"),
    ],
    ids=["implicit-flow", "plain-pkce", "no-pkce", "scope-not-allowed"],
)
def test_authorize_sends_other_errors_back_to_the_client_with_its_state(local_stack, override, error):
    params = authorize_params(local_stack, "v" * 50, **override)
    response = requests.get(
        f"{local_stack.cognito_base_url}/oauth2/authorize", params=params, allow_redirects=False, timeout=10
    )
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == params["redirect_uri"]
    assert dict(urllib.parse.parse_qsl(location.query)) == {"error": error, "state": params["state"]}


def test_wrong_password_shows_the_form_again_with_an_error_and_no_code(local_stack):
    params = authorize_params(local_stack, "v" * 50)
    response = submit_login(local_stack, params, local_stack.demo_user.username, "Wrong-password-123")
    assert response.status_code == 200
    assert "location" not in response.headers
    assert "Incorrect username or password." in response.text
    assert 'name="password"' in response.text


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(local_stack):
    params = authorize_params(local_stack, "v" * 50)
    response = submit_login(local_stack, params, "nobody@example.com", "Whatever-password-1")
    assert response.status_code == 200
    assert "Incorrect username or password." in response.text


def test_login_redirects_to_the_callback_with_a_code_and_the_state(local_stack):
    verifier = secrets.token_urlsafe(48)
    params = authorize_params(local_stack, verifier)
    response = submit_login(local_stack, params, local_stack.demo_user.username, local_stack.demo_user.password)
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == params["redirect_uri"]
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["state"] == params["state"]
    assert len(query["code"]) >= 32


# ==================================================================== hosted UI: /oauth2/token
def test_id_token_verifies_over_jwks_and_carries_cognitos_claims(local_stack, tokens):
    params, body = tokens
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    claims = verify(local_stack, body["id_token"], audience=local_stack.client_id)
    assert claims["token_use"] == "id"
    assert claims["aud"] == local_stack.client_id
    assert claims["nonce"] == params["nonce"]
    assert claims["email"] == local_stack.demo_user.email
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Demo"
    assert claims["family_name"] == "Learner"
    assert claims["cognito:username"] == claims["sub"]  # email-as-username pools put the sub there
    assert claims["auth_time"] <= claims["iat"] < claims["exp"]
    assert jwt.get_unverified_header(body["id_token"])["kid"]


def test_access_token_verifies_over_jwks_and_carries_cognitos_claims(local_stack, tokens):
    _, body = tokens
    claims = verify(local_stack, body["access_token"])
    assert claims["token_use"] == "access"
    assert claims["client_id"] == local_stack.client_id
    assert claims["scope"] == "openid email profile"
    assert claims["username"] == claims["sub"]
    assert claims["jti"]
    assert "aud" not in claims  # Cognito access tokens have client_id, not aud


def test_tokens_belong_to_the_user_who_signed_in(local_stack, create_user):
    email = f"learner-{secrets.token_hex(4)}@example.com"
    sub = create_user(local_stack, email, "Second-learner-2026", "Second", "Learner")
    params, verifier, code = sign_in(local_stack, email, "Second-learner-2026")
    body = exchange(local_stack, params, verifier, code).json()
    claims = verify(local_stack, body["id_token"], audience=local_stack.client_id)
    assert (claims["sub"], claims["email"], claims["given_name"]) == (sub, email, "Second")


def test_a_code_works_only_once(local_stack):
    params, verifier, code = sign_in(local_stack)
    assert exchange(local_stack, params, verifier, code).status_code == 200
    replay = exchange(local_stack, params, verifier, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_a_wrong_pkce_verifier_is_refused_and_spends_the_code(local_stack):
    params, verifier, code = sign_in(local_stack)
    wrong = exchange(local_stack, params, secrets.token_urlsafe(48), code)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert exchange(local_stack, params, verifier, code).status_code == 400


def test_a_missing_pkce_verifier_is_refused(local_stack):
    params, _, code = sign_in(local_stack)
    response = exchange(local_stack, params, "", code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_the_redirect_uri_must_match_the_authorize_request(local_stack):
    params, verifier, code = sign_in(local_stack)
    response = exchange(local_stack, {**params, "redirect_uri": f"{local_stack.api_url}/other"}, verifier, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_endpoint_errors_are_oauth_json(local_stack):
    unknown_grant = token_request(local_stack, grant_type="password", client_id=local_stack.client_id)
    assert (unknown_grant.status_code, unknown_grant.json()["error"]) == (400, "unsupported_grant_type")
    unknown_client = token_request(local_stack, grant_type="authorization_code", client_id="nope", code="x")
    assert (unknown_client.status_code, unknown_client.json()["error"]) == (400, "invalid_client")
    made_up_code = token_request(
        local_stack,
        grant_type="authorization_code",
        client_id=local_stack.client_id,
        code="made-up",
        redirect_uri=f"{local_stack.site_api_url}/auth/callback",
        code_verifier="v" * 50,
    )
    assert (made_up_code.status_code, made_up_code.json()["error"]) == (400, "invalid_grant")


def test_refresh_gives_new_verifiable_tokens_with_the_original_sign_in_time_and_session(local_stack):
    params, verifier, code = sign_in(local_stack)
    first = exchange(local_stack, params, verifier, code).json()
    response = token_request(
        local_stack, grant_type="refresh_token", client_id=local_stack.client_id, refresh_token=first["refresh_token"]
    )
    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"] != first["refresh_token"]  # the template's app client rotates refresh tokens
    id_claims = verify(local_stack, body["id_token"], audience=local_stack.client_id)
    access_claims = verify(local_stack, body["access_token"])
    original = verify(local_stack, first["id_token"], audience=local_stack.client_id)
    assert id_claims["sub"] == access_claims["sub"] == original["sub"]
    assert id_claims["auth_time"] == original["auth_time"]
    assert access_claims["token_use"] == "access"
    first_access = verify(local_stack, first["access_token"])
    assert access_claims["origin_jti"] == first_access["origin_jti"]  # one sign-in, one session id
    assert access_claims["exp"] - access_claims["iat"] == 15 * 60  # the template's AccessTokenValidity
    assert "nonce" not in id_claims


def test_refresh_with_an_unknown_token_is_invalid_grant(local_stack):
    response = token_request(
        local_stack, grant_type="refresh_token", client_id=local_stack.client_id, refresh_token="made-up"
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


# ==================================================================== hosted UI: /oauth2/revoke and /logout
def test_a_revoked_refresh_token_no_longer_refreshes(local_stack):
    params, verifier, code = sign_in(local_stack)
    refresh_token = exchange(local_stack, params, verifier, code).json()["refresh_token"]
    revoke = requests.post(
        f"{local_stack.cognito_base_url}/oauth2/revoke",
        data={"token": refresh_token, "client_id": local_stack.client_id},
        auth=(local_stack.client_id, local_stack.client_secret()),
        timeout=10,
    )
    assert revoke.status_code == 200
    response = token_request(
        local_stack, grant_type="refresh_token", client_id=local_stack.client_id, refresh_token=refresh_token
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_a_global_sign_out_in_cognito_ends_refreshing(local_stack, create_user):
    email, password = f"signout-{secrets.token_hex(4)}@example.com", "Signed-out-2026"
    create_user(local_stack, email, password, "Signed", "Out")
    params, verifier, code = sign_in(local_stack, email, password)
    refresh_token = exchange(local_stack, params, verifier, code).json()["refresh_token"]
    local_stack.cognito().admin_user_global_sign_out(UserPoolId=local_stack.user_pool_id, Username=email)
    response = token_request(
        local_stack, grant_type="refresh_token", client_id=local_stack.client_id, refresh_token=refresh_token
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("secret", [None, "not-the-client-secret"], ids=["no-secret", "wrong-secret"])
def test_the_confidential_client_must_prove_its_secret_as_cognito_requires(local_stack, secret):
    params, verifier, code = sign_in(local_stack)
    auth = None if secret is None else (local_stack.client_id, secret)
    form = {
        "grant_type": "authorization_code",
        "client_id": local_stack.client_id,
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "code_verifier": verifier,
    }
    refused = requests.post(f"{local_stack.cognito_base_url}/oauth2/token", data=form, auth=auth, timeout=10)
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    revoke = {"token": "any", "client_id": local_stack.client_id}
    refused = requests.post(f"{local_stack.cognito_base_url}/oauth2/revoke", data=revoke, auth=auth, timeout=10)
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    # Nothing was spent: with the secret (from Secrets Manager, as the functions read it) the code redeems.
    assert exchange(local_stack, params, verifier, code).status_code == 200


def test_revoke_needs_a_known_client(local_stack):
    response = requests.post(
        f"{local_stack.cognito_base_url}/oauth2/revoke", data={"token": "x", "client_id": "nope"}, timeout=10
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_client")


def test_logout_redirects_only_to_a_registered_sign_out_url(local_stack):
    allowed = requests.get(
        f"{local_stack.cognito_base_url}/logout",
        params={"client_id": local_stack.client_id, "logout_uri": local_stack.site_url},
        allow_redirects=False,
        timeout=10,
    )
    assert allowed.status_code == 302
    assert allowed.headers["location"] == local_stack.site_url
    for logout_uri in (
        "https://evil.example/learn",
        f"{local_stack.site_url}/../admin",
        f"{local_stack.api_url}/learn",
        "",
    ):
        refused = requests.get(
            f"{local_stack.cognito_base_url}/logout",
            params={"client_id": local_stack.client_id, "logout_uri": logout_uri},
            allow_redirects=False,
            timeout=10,
        )
        assert refused.status_code == 400, logout_uri
        assert "location" not in refused.headers


def test_the_stack_log_never_contains_passwords_codes_or_tokens(local_stack, create_user):
    email, password = f"quiet-{secrets.token_hex(4)}@example.com", f"Quiet-{secrets.token_hex(8)}"
    create_user(local_stack, email, password, "Quiet", "Learner")
    submit_login(local_stack, authorize_params(local_stack, "v" * 50), email, f"{password}-wrong")
    params, verifier, code = sign_in(local_stack, email, password)
    body = exchange(local_stack, params, verifier, code).json()
    log = Path(local_stack.log_file).read_text()
    for secret in (password, code, verifier, body["refresh_token"], body["access_token"], body["id_token"]):
        assert secret not in log


# ==================================================================== API router (real stack)
def test_unknown_routes_are_api_gateways_404(local_stack):
    for method, path in (("GET", "/nope"), ("POST", "/auth/me"), ("GET", "/enrollments/a/b")):
        response = requests.request(method, f"{local_stack.api_url}{path}", timeout=10)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"message": "Not Found"}


def test_preflight_follows_the_templates_cors_configuration(local_stack):
    origin = local_stack.handler_env.SITE_BASE_URL
    allowed = requests.options(
        f"{local_stack.api_url}/enrollments",
        headers={"origin": origin, "access-control-request-method": "POST"},
        timeout=10,
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == origin
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "content-type" in allowed.headers["access-control-allow-headers"]
    foreign = requests.options(
        f"{local_stack.api_url}/enrollments",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        timeout=10,
    )
    assert foreign.status_code == 204
    assert "access-control-allow-origin" not in foreign.headers


def test_the_site_is_its_own_origin_same_site_with_the_api_as_in_production(local_stack):
    site, site_api = urllib.parse.urlsplit(local_stack.site_url), urllib.parse.urlsplit(local_stack.site_api_url)
    assert (site.hostname, site_api.hostname) == ("www.hedgehog.localhost", "api.hedgehog.localhost")
    assert site.port != site_api.port  # another origin, the same site (hedgehog.localhost)
    assert f"http://{site.netloc}" == local_stack.handler_env.SITE_BASE_URL
    assert local_stack.handler_env.ALLOWED_ORIGINS.split(",") == [f"http://{site.netloc}"]
    assert f"{local_stack.site_api_url}/auth/callback" == local_stack.handler_env.COGNITO_REDIRECT_URI
    assert urllib.parse.urlsplit(local_stack.api_url).hostname == "127.0.0.1"
    # Pages are the site's, not the API's (API Gateway serves no pages).
    assert requests.get(f"{local_stack.api_url}/learn", timeout=10).status_code == 404


def test_the_site_reads_the_catalog_cross_origin_and_revalidates_it_with_its_etag(local_stack):
    site = local_stack.handler_env.SITE_BASE_URL
    first = requests.get(f"{local_stack.api_url}/catalog", headers={"origin": site}, timeout=10)
    assert first.status_code == 200 and first.json()["courses"]
    assert first.headers["access-control-allow-origin"] == site
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = requests.get(
        f"{local_stack.api_url}/catalog", headers={"origin": site, "if-none-match": first.headers["etag"]}, timeout=10
    )
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", first.headers["etag"])
    assert again.headers["access-control-allow-origin"] == site
    foreign = requests.get(f"{local_stack.api_url}/catalog", headers={"origin": "https://evil.example"}, timeout=10)
    assert foreign.status_code == 200 and "access-control-allow-origin" not in foreign.headers


def test_a_theme_dev_server_can_be_the_site_and_more_origins_allowed(tmp_path):
    theme, preview = "http://theme.hedgehog.localhost:4000", "http://preview.hedgehog.localhost:4001"
    with launch_stack(tmp_path, HHL_SITE_ORIGIN=theme, HHL_ALLOWED_ORIGINS=f" {preview}/ ,") as stack:
        env = stack.handler_env
        assert (env.SITE_BASE_URL, env.ALLOWED_ORIGINS.split(",")) == (theme, [theme, stack_origin(stack), preview])
        client = stack.cognito().describe_user_pool_client(UserPoolId=stack.user_pool_id, ClientId=stack.client_id)
        assert client["UserPoolClient"]["LogoutURLs"] == [f"{theme}/learn"]
        banner = printed_banner(stack)
        assert f"site origin    {theme}   (HHL_SITE_ORIGIN" in banner
        assert f"allowed        {theme}, {stack_origin(stack)}, {preview}   (CORS" in banner
        for origin in (theme, preview):
            preflight = requests.options(
                f"{stack.api_url}/enrollments",
                headers={"origin": origin, "access-control-request-method": "POST"},
                timeout=10,
            )
            assert preflight.headers.get("access-control-allow-origin") == origin


def printed_banner(stack) -> str:
    """The stack's start-up banner, printed just after stack.json is written."""
    log = Path(stack["log_file"])
    deadline = time.monotonic() + 10
    while "Ctrl-C stops everything" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.05)
    return log.read_text(encoding="utf-8")


def stack_origin(stack) -> str:
    """The demo site's origin, which stays allowed whatever HHL_SITE_ORIGIN says."""
    site = urllib.parse.urlsplit(stack.site_url)
    return f"{site.scheme}://{site.netloc}"


def test_the_site_serves_the_demo_page_calling_the_api_by_its_site_name(local_stack):
    page = requests.get(loopback_url(f"{local_stack.site_url}/some/course"), timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'data-api-base="{local_stack.site_api_url}"' in page.text
    assert "{{" not in page.text
    assert '<script src="/site/hhl.js"></script>' in page.text
    client = requests.get(loopback_url(local_stack.site_url.replace("/learn", "/site/hhl.js")), timeout=10)
    assert client.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "window.hhIdentity" in client.text
    theme = requests.get(loopback_url(f"{local_stack.site_url}/theme-example"), timeout=10).text
    assert f'data-auth-me-url="{local_stack.site_api_url}/auth/me"' in theme and "{{" not in theme
    assert "data-api-base" not in theme  # the theme's pages carry only the three auth URLs
    site_root = loopback_url(local_stack.site_url).removesuffix("/learn")
    for escape in ("/site/%2e%2e/template.yaml", "/site/", "/template.yaml"):
        assert requests.get(f"{site_root}{escape}", timeout=10).status_code == 404, escape


# ==================================================================== API router (echo handler on loopback)
ECHO_APP = """
    import json

    def handler(event, context):
        return {
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-function": context.function_name},
            "cookies": ["a=1; Path=/; HttpOnly", "b=2; Path=/auth; Secure"],
            "body": json.dumps(event),
        }
"""

BOOM_APP = """
    def handler(event, context):
        raise RuntimeError("secret detail that must not reach the client")
"""


@pytest.fixture(scope="module")
def echo_api(tmp_path_factory):
    """The router in front of two throwaway functions, served on a free loopback port."""
    root = tmp_path_factory.mktemp("functions")
    routes = []
    for name, source, method, path in (
        ("echo", ECHO_APP, "POST", "/things/{thingId}"),
        ("echo", ECHO_APP, "GET", "/things"),
        ("boom", BOOM_APP, "GET", "/boom"),
    ):
        (root / name).mkdir(exist_ok=True)
        (root / name / "app.py").write_text(textwrap.dedent(source))
        routes.append(Route(method=method, path=path, function=name, code_uri=root / name, handler="app.handler"))
    router = api_gateway.Router(["http://127.0.0.1:1"], routes=routes)
    server = api_gateway.serve(router, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_router_builds_a_payload_2_event(echo_api):
    response = requests.post(
        f"{echo_api}/things/a%20b?x=1&x=2&y=",
        headers={"X-Custom": "Yes", "Cookie": "c1=v1; c2=v2", "Content-Type": "application/json", "User-Agent": "t"},
        data=b'{"k": "v"}',
        timeout=10,
    )
    assert response.status_code == 201
    event = response.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /things/{thingId}"
    assert event["rawPath"] == "/things/a%20b"
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["pathParameters"] == {"thingId": "a b"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["x-custom"] == "Yes"
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    assert event["body"] == '{"k": "v"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/things/a%20b",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "t",
    }
    assert context["routeKey"] == event["routeKey"]
    assert context["stage"] == "$default"
    assert context["requestId"]
    assert isinstance(context["timeEpoch"], int)
    for key in ("accountId", "apiId", "domainName", "time"):
        assert context[key]


def raw_request(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes no HTTP library would send, and read the one response."""
    url = urllib.parse.urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


@pytest.mark.parametrize(
    ("request_head", "status", "message"),
    [
        (b"POST /things/x HTTP/1.1\r\nHost: api\r\nContent-Length: abc\r\n\r\n{}", 400, "Bad Request"),
        (b"POST /things/x HTTP/1.1\r\nHost: api\r\nContent-Length: -2\r\n\r\n{}", 400, "Bad Request"),
        (
            b"POST /things/x HTTP/1.1\r\nHost: api\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            400,
            "Bad Request",
        ),
        (
            b"POST /things/x HTTP/1.1\r\nHost: api\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            411,
            "Length Required",
        ),
        (b"TRACE /things HTTP/1.1\r\nHost: api\r\n\r\n", 404, "Not Found"),
        (b"BREW /things HTTP/1.1\r\nHost: api\r\n\r\n", 404, "Not Found"),
        (b"NONSENSE\r\n\r\n", 400, "Bad Request"),
        (
            b"GET /things HTTP/1.1\r\nHost: api\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
            431,
            "Request Header Fields Too Large",
        ),
    ],
)
def test_router_answers_malformed_requests_with_json_like_api_gateway(echo_api, request_head, status, message):
    code, headers, body = raw_request(echo_api, request_head)
    assert (code, headers["content-type"], json.loads(body)) == (status, "application/json", {"message": message})
    if status != 404:  # the request's framing cannot be trusted: nothing after it is read as a request
        assert headers["connection"] == "close"


# Linux delays an ACK by at least 40 ms. With Nagle's algorithm on, a response written as headers then body
# waits that long for the ACK of the headers before the body may leave: every kept-alive request pays it.
DELAYED_ACK_SECONDS = 0.040


def test_keep_alive_requests_are_not_held_back_by_nagles_algorithm(echo_api):
    url = urllib.parse.urlsplit(echo_api)
    kept_alive = http.client.HTTPConnection(url.hostname, url.port, timeout=10)  # the lightest client: no CPU noise
    times = []
    try:
        for _ in range(16):  # the first opens the connection and imports the handler
            start = time.perf_counter()
            kept_alive.request("GET", "/things")
            response = kept_alive.getresponse()
            assert (response.status, response.read()[:1]) == (201, b"{")
            times.append(time.perf_counter() - start)
    finally:
        kept_alive.close()
    median = sorted(times[1:])[len(times) // 2]
    assert median < DELAYED_ACK_SECONDS / 2, f"a kept-alive request takes {median * 1000:.1f} ms"


def test_router_leaves_out_what_the_request_does_not_have(echo_api):
    event = requests.get(f"{echo_api}/things", timeout=10).json()
    for absent in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert absent not in event
    assert event["rawQueryString"] == ""


def test_router_base64_encodes_binary_bodies(echo_api):
    event = requests.post(
        f"{echo_api}/things/x", data=b"\xff\x00", headers={"content-type": "application/octet-stream"}, timeout=10
    ).json()
    assert event["isBase64Encoded"] is True
    assert event["body"] == "/wA="


def test_router_sends_one_set_cookie_per_cookie_and_the_handlers_headers(echo_api):
    response = requests.get(f"{echo_api}/things", timeout=10)
    assert response.raw.headers.getlist("set-cookie") == ["a=1; Path=/; HttpOnly", "b=2; Path=/auth; Secure"]
    assert response.headers["x-function"] == "hedgehog-learn-local-echo"


def test_router_turns_a_crash_into_api_gateways_500_without_details(echo_api):
    response = requests.get(f"{echo_api}/boom", timeout=10)
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "secret detail" not in response.text


def test_router_result_without_status_code_is_a_json_200():
    assert api_gateway.to_http({"hello": "world"}) == (
        200,
        {"content-type": "application/json"},
        [],
        json.dumps({"hello": "world"}).encode(),
    )
