"""The five auth endpoints, run in-process through the local API Gateway router (payload-2.0 events)
against moto's users table and a fake Cognito (token, revoke, JWKS) on loopback.

Every Set-Cookie any response here carries is checked for its flags by `AuthApi.request`.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time

import jwt
import pytest
from hhl.auth import transaction as transaction_module

from kit.template import ROOT
from tests.support.auth_api import NAVIGATION, SECRET, SITE, Reply, assert_rejected, refresh, user_row
from tests.support.tokens import CLIENT_ID
from tests.support.unit_env import UNIT_CLIENT_SECRET, UNIT_ENV


def emitted_metrics(captured: str) -> dict[str, float]:
    found = {}
    for line in captured.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for definition in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                found[definition["Name"]] = document[definition["Name"]]
    return found


# ---------------------------------------------------------------- /auth/login


def test_login_redirects_to_the_hosted_ui_with_pkce_state_and_nonce(start_login, fake_cognito):
    login = start_login("/learn/courses/x")
    reply = login.reply
    assert reply.status == 302
    assert f"{reply.location.scheme}://{reply.location.netloc}{reply.location.path}" == (
        f"http://{fake_cognito.base}/oauth2/authorize"
    )
    query = reply.query
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"{SITE}/auth/callback"
    assert query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32 and len(query["code_challenge"]) == 43
    assert set(query) == {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    }
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["referrer-policy"] == "no-referrer"
    sealed = transaction_module.unseal_all(login.cookie, SECRET)[0]
    assert sealed.code_verifier not in reply.headers["location"]
    assert sealed.state == login.state and sealed.nonce == login.nonce
    assert sealed.return_to == "/learn/courses/x"


def test_every_login_is_a_fresh_transaction(start_login):
    first, second = start_login(), start_login()
    assert first.state != second.state
    assert first.nonce != second.nonce
    assert first.code_challenge != second.code_challenge


def test_login_with_an_open_redirect_return_to_stores_learn(start_login):
    login = start_login("//evil.example/phish")
    assert transaction_module.unseal_all(login.cookie, SECRET)[0].return_to == "/learn"


@pytest.mark.parametrize(("prompt", "forwarded"), [("login", "login"), ("none", None), ("consent", None)])
def test_login_forwards_only_prompt_login_to_the_hosted_ui(api, prompt, forwarded):
    """A learner erasing their account is sent back with prompt=login so Cognito asks for the password again
    (a fresh auth_time); no other prompt value reaches the hosted UI."""
    reply = api.request("GET", "/auth/login", query={"return_to": "/learn", "prompt": prompt})
    assert reply.status == 302
    assert reply.query.get("prompt") == forwarded


def test_a_plain_login_asks_for_no_prompt(start_login):
    assert "prompt" not in start_login().reply.query


@pytest.mark.parametrize("function", ["login", "logout", "catalog"])
def test_anonymous_entry_points_never_import_boto3(service_env, function):
    code = (
        "import runpy, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'functions' / function)!r}, {str(ROOT / 'layers' / 'shared')!r},"
        f" {str(ROOT / 'layers' / 'catalog')!r}]\n"
        f"runpy.run_path({str(ROOT / 'functions' / function / 'app.py')!r})\n"
        "assert 'boto3' not in sys.modules, sorted(sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


# ---------------------------------------------------------------- /auth/callback


def test_callback_signs_in_and_redirects_to_return_to(signed_in, dynamodb):
    reply = signed_in("/learn/courses/x?tab=1")
    assert reply.status == 302
    assert reply.headers["location"] == f"{SITE}/learn/courses/x?tab=1"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["referrer-policy"] == "no-referrer"
    access_value, access_attrs = reply.set_cookies["__Host-hhl_access_token"]
    assert access_value.count(".") == 2
    assert 3500 <= int(access_attrs["max-age"]) <= 3600
    # The refresh cookie names its session (sub and origin_jti, MAC'd) before Cognito's token.
    user_id, session_id, _, refresh_token = reply.set_cookies["__Host-hhl_refresh_token"][0].split(":")
    assert (
        user_id == "user-sub-1"
        and session_id == jwt.decode(access_value, options={"verify_signature": False})["origin_jti"]
    )
    assert refresh_token.startswith("refresh-")
    assert reply.cleared("__Host-hhl_login")
    row = user_row(dynamodb)
    assert row["email"]["S"] == "learner@example.com"
    assert row["givenName"]["S"] == "Ada" and row["familyName"]["S"] == "Lovelace"
    assert row["displayName"]["S"] == "Ada Lovelace"


def test_callback_emits_the_logins_metric(signed_in, capsys):
    capsys.readouterr()
    signed_in()
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics.get("Logins") == [1.0]
    assert "LoginFailures" not in metrics


def test_second_sign_in_keeps_created_at_and_updates_the_profile(signed_in, dynamodb):
    signed_in()
    first = user_row(dynamodb)
    time.sleep(0.002)
    signed_in(email="ada@example.org", given_name="Augusta", family_name=None, name="Augusta Ada King")
    second = user_row(dynamodb)
    assert second["createdAt"] == first["createdAt"]
    assert second["updatedAt"]["S"] > first["updatedAt"]["S"]
    assert second["email"]["S"] == "ada@example.org"
    assert second["givenName"]["S"] == "Augusta"
    assert "familyName" not in second
    assert second["displayName"]["S"] == "Augusta Ada King"


def test_hosted_ui_error_redirects_to_return_to_with_the_code(api, start_login, capsys):
    login = start_login("/learn/courses/x?tab=1")
    capsys.readouterr()
    reply = api.callback({"error": "access_denied", "state": login.state}, login.cookie, NAVIGATION)
    assert reply.status == 302
    assert reply.headers["location"] == f"{SITE}/learn/courses/x?tab=1&auth_error=access_denied"
    assert reply.cleared("__Host-hhl_login")
    assert "__Host-hhl_access_token" not in reply.set_cookies
    assert emitted_metrics(capsys.readouterr().out).get("LoginFailures") == [1.0]


@pytest.mark.parametrize(
    ("cognito_error", "auth_error"),
    [
        ("invalid_request", "sign_in_failed"),
        ("unauthorized_client", "sign_in_failed"),
        ("<script>x</script>", "sign_in_failed"),
        ("server_error", "service_unavailable"),
        ("temporarily_unavailable", "service_unavailable"),
    ],
)
def test_hosted_ui_errors_become_documented_codes(api, start_login, cognito_error, auth_error):
    login = start_login()
    reply = api.callback({"error": cognito_error, "state": login.state}, login.cookie, NAVIGATION)
    assert reply.headers["location"] == f"{SITE}/learn?auth_error={auth_error}"


def test_hosted_ui_error_for_an_api_client_is_json(api, start_login):
    login = start_login()
    reply = api.callback({"error": "access_denied", "state": login.state}, login.cookie)
    assert reply.status == 400
    assert "access_denied" in reply.body["error"]
    assert reply.cleared("__Host-hhl_login")


def test_callback_without_the_transaction_cookie_is_400(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    assert_rejected(api.callback({"code": code, "state": login.state}, None), 400, dynamodb)
    assert fake_cognito.token_requests == []


def test_callback_with_a_tampered_transaction_cookie_is_400(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    tampered = login.cookie[:-2] + ("AA" if not login.cookie.endswith("AA") else "BB")
    assert_rejected(api.callback({"code": code, "state": login.state}, tampered), 400, dynamodb)
    assert fake_cognito.token_requests == []


def test_callback_with_an_expired_transaction_is_400(api, fake_cognito, dynamodb):
    old = transaction_module.LoginTransaction.begin("/learn")
    old = transaction_module.LoginTransaction(old.state, old.nonce, old.code_verifier, "/learn", int(time.time()) - 601)
    code = fake_cognito.issue_code(old.code_challenge, old.nonce, f"{SITE}/auth/callback")
    reply = api.callback({"code": code, "state": old.state}, transaction_module.seal_all([old], SECRET))
    assert_rejected(reply, 400, dynamodb)
    assert "expired" in reply.body["error"]


def test_callback_with_a_state_mismatch_is_400(api, start_login, fake_cognito, dynamodb):
    # Login CSRF: the attacker's own code and state, delivered to a victim who started a login of their own.
    victim, attacker = start_login(), start_login()
    code = fake_cognito.issue_code(attacker.code_challenge, attacker.nonce, f"{SITE}/auth/callback", sub="attacker")
    reply = api.callback({"code": code, "state": attacker.state}, victim.cookie)
    assert_rejected(reply, 400, dynamodb)
    assert "__Host-hhl_login" not in reply.set_cookies  # the victim's own sign-in in progress is left alone
    assert fake_cognito.token_requests == []


def test_callback_without_state_is_400(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    assert_rejected(api.callback({"code": code}, login.cookie), 400, dynamodb)


def test_callback_without_code_is_400(api, start_login, dynamodb):
    login = start_login()
    assert_rejected(api.callback({"state": login.state}, login.cookie), 400, dynamodb)


def test_replayed_state_is_400(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    assert api.callback({"code": code, "state": login.state}, login.cookie).status == 302
    second_code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    replay = api.callback({"code": second_code, "state": login.state}, login.cookie)
    assert replay.status == 400
    assert "already used" in replay.body["error"]
    assert "__Host-hhl_access_token" not in replay.set_cookies
    assert len(fake_cognito.token_requests) == 1


def test_nonce_mismatch_on_callback_is_400(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, "nonce-of-another-login", f"{SITE}/auth/callback")
    assert_rejected(api.callback({"code": code, "state": login.state}, login.cookie), 400, dynamodb)


def test_id_token_for_another_client_is_400(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback", aud="other-client")
    assert_rejected(api.callback({"code": code, "state": login.state}, login.cookie), 400, dynamodb)


def test_code_sent_with_the_pkce_verifier_of_the_transaction(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    api.callback({"code": code, "state": login.state}, login.cookie)
    (form,) = fake_cognito.token_requests
    assert form["grant_type"] == "authorization_code"
    assert form["code_verifier"] == transaction_module.unseal_all(login.cookie, SECRET)[0].code_verifier
    assert form["redirect_uri"] == f"{SITE}/auth/callback"
    basic = base64.b64encode(f"{CLIENT_ID}:{UNIT_CLIENT_SECRET}".encode()).decode()
    assert fake_cognito.authorization_headers == [f"Basic {basic}"]  # the confidential client's credentials


def test_token_and_revoke_calls_authenticate_with_the_client_secret_from_secrets_manager(api, signed_in, fake_cognito):
    """The fake Cognito, like Cognito for a confidential client, answers 401 invalid_client without it."""
    signed_in_reply = signed_in()
    assert signed_in_reply.status == 302
    basic = base64.b64encode(f"{CLIENT_ID}:{UNIT_CLIENT_SECRET}".encode()).decode()
    assert fake_cognito.authorization_headers == [f"Basic {basic}"]


def test_a_rotated_client_secret_is_used_after_the_ttl(api, signed_in, fake_cognito, secrets_extension, monkeypatch):
    import boto3

    monkeypatch.setenv("SECRETS_MANAGER_TTL", "0")
    secrets_extension.extension.ttl["secretsmanager"] = 0
    boto3.client("secretsmanager", region_name=secrets_extension.region).put_secret_value(
        SecretId=UNIT_ENV["COGNITO_CLIENT_SECRET_ID"], SecretString="rotated-secret-0123456789abcdef"
    )
    fake_cognito.client_secret = "rotated-secret-0123456789abcdef"
    assert signed_in().status == 302


def test_an_existing_public_client_sends_no_secret(api, signed_in, fake_cognito, monkeypatch):
    monkeypatch.delenv("COGNITO_CLIENT_SECRET_ID")
    fake_cognito.client_secret = None
    assert signed_in().status == 302
    assert fake_cognito.authorization_headers == [None]


def test_refused_code_is_a_400_not_an_outage(api, start_login, fake_cognito, dynamodb, capsys):
    # issue 11 item 3: Cognito's invalid_grant (made-up, expired or already used code) is the browser's problem.
    login = start_login()
    code = fake_cognito.issue_code("a-different-challenge", login.nonce, f"{SITE}/auth/callback")
    capsys.readouterr()
    reply = api.callback({"code": code, "state": login.state}, login.cookie)
    assert_rejected(reply, 400, dynamodb)
    assert "invalid_grant" in reply.body["error"]
    assert emitted_metrics(capsys.readouterr().out).get("LoginFailures") == [1.0]


def test_made_up_code_in_a_browser_goes_back_to_the_site(api, start_login, dynamodb):
    login = start_login("/learn/courses/x")
    reply = api.callback({"code": "made-up", "state": login.state}, login.cookie, NAVIGATION)
    assert reply.status == 302
    assert reply.headers["location"] == f"{SITE}/learn/courses/x?auth_error=sign_in_failed"
    assert reply.cleared("__Host-hhl_login")
    assert "__Host-hhl_access_token" not in reply.set_cookies
    assert user_row(dynamodb) is None


def _assert_retry_later(reply: Reply, dynamodb) -> None:
    """Cognito down or slow: 503 with Retry-After, nothing set, nobody signed in."""
    assert_rejected(reply, 503, dynamodb)
    assert reply.headers["retry-after"] == "1"


def test_an_outage_in_a_browser_is_still_a_503(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    fake_cognito.token_status = 503
    _assert_retry_later(api.callback({"code": code, "state": login.state}, login.cookie, NAVIGATION), dynamodb)


def test_token_endpoint_failure_is_503_with_retry_after(api, start_login, fake_cognito, dynamodb):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    fake_cognito.token_status = 500
    _assert_retry_later(api.callback({"code": code, "state": login.state}, login.cookie), dynamodb)


def test_unreachable_token_endpoint_is_503_with_retry_after(api, start_login, fake_cognito, dynamodb, monkeypatch):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    monkeypatch.setenv("COGNITO_DOMAIN", "127.0.0.1:9")  # discard port: connection refused
    from hhl.config import settings

    settings.cache_clear()
    _assert_retry_later(api.callback({"code": code, "state": login.state}, login.cookie), dynamodb)


@pytest.fixture
def hanging_cognito(monkeypatch):
    """Point COGNITO_DOMAIN at a socket that accepts connections and never answers."""
    from hhl.config import settings

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        monkeypatch.setenv("COGNITO_DOMAIN", f"127.0.0.1:{listener.getsockname()[1]}")
        settings.cache_clear()
        yield
    settings.cache_clear()


def test_a_hanging_token_endpoint_is_503_within_3_seconds(api, start_login, fake_cognito, dynamodb, request):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    request.getfixturevalue("hanging_cognito")
    started = time.monotonic()
    _assert_retry_later(api.callback({"code": code, "state": login.state}, login.cookie), dynamodb)
    assert time.monotonic() - started < 3.5


def test_a_hanging_revoke_endpoint_still_logs_out_within_2_seconds(api, hanging_cognito):
    started = time.monotonic()
    reply = api.request(
        "POST", "/auth/logout", cookies={"__Host-hhl_refresh_token": "refresh-x"}, headers={"origin": SITE}
    )
    assert reply.status == 302
    assert reply.cleared("__Host-hhl_access_token") and reply.cleared("__Host-hhl_refresh_token")
    assert time.monotonic() - started < 2.5


def test_callback_never_logs_codes_tokens_or_verifiers(api, start_login, fake_cognito, capsys):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, "wrong-nonce", f"{SITE}/auth/callback")
    capsys.readouterr()
    api.callback({"code": code, "state": login.state}, login.cookie)
    ok = start_login()
    ok_code = fake_cognito.issue_code(ok.code_challenge, ok.nonce, f"{SITE}/auth/callback")
    reply = api.callback({"code": ok_code, "state": ok.state}, ok.cookie)
    output = capsys.readouterr()
    logged = output.out + output.err
    verifier = transaction_module.unseal_all(ok.cookie, SECRET)[0].code_verifier
    for secret in (code, ok_code, login.cookie, ok.cookie, login.state, verifier, SECRET):
        assert secret not in logged
    assert reply.set_cookies["__Host-hhl_access_token"][0] not in logged
    assert reply.set_cookies["__Host-hhl_refresh_token"][0] not in logged


# ---------------------------------------------------------------- /auth/me


def test_me_returns_the_profile_after_sign_in(api, signed_in):
    session = signed_in()
    reply = api.request(
        "GET", "/auth/me", cookies={"__Host-hhl_access_token": session.set_cookies["__Host-hhl_access_token"][0]}
    )
    assert reply.status == 200
    assert reply.headers["cache-control"] == "no-store, private"
    body = reply.body
    assert set(body) == {
        "userId",
        "email",
        "displayName",
        "givenName",
        "familyName",
        "createdAt",
        "updatedAt",
        "hubspotContactId",
    }
    assert body["userId"] == "user-sub-1"
    assert body["email"] == "learner@example.com"
    assert body["displayName"] == "Ada Lovelace"
    assert body["hubspotContactId"] is None
    assert body["createdAt"].endswith("Z")


def test_me_with_a_bearer_token_works_too(api, signed_in, tokens):
    signed_in()
    reply = api.request("GET", "/auth/me", headers={"authorization": f"Bearer {tokens.access()}"})
    assert reply.status == 200


def test_me_without_a_user_row_is_404(api, tokens):
    reply = api.request("GET", "/auth/me", headers={"authorization": f"Bearer {tokens.access(sub='nobody')}"})
    assert (reply.status, reply.body) == (404, {"error": "User not found"})


def test_me_without_a_token_is_401(api):
    reply = api.request("GET", "/auth/me")
    assert (reply.status, reply.body) == (401, {"error": "Unauthorized: Missing access token"})
    assert reply.headers["www-authenticate"] == 'Bearer realm="Hedgehog Learn"'


def test_me_with_an_expired_token_is_401(api, signed_in, tokens):
    signed_in()
    past = int(time.time()) - 7200
    reply = api.request(
        "GET", "/auth/me", cookies={"__Host-hhl_access_token": tokens.access(iat=past, exp=past + 3600)}
    )
    assert (reply.status, reply.body) == (401, {"error": "Unauthorized: Invalid or expired token"})


# ---------------------------------------------------------------- /auth/refresh


SESSION_ENDED_BODY = {"error": "Unauthorized: Session ended", "details": {"code": "session_ended"}}


def token_of(refresh_cookie: str) -> str:
    """Cognito's refresh token inside the refresh cookie (which names its session first)."""
    return refresh_cookie.rsplit(":", 1)[-1]


def test_refresh_rotates_both_cookies(api, signed_in, fake_cognito):
    session = signed_in()
    first = session.set_cookies["__Host-hhl_refresh_token"][0]
    reply = refresh(api, first)
    assert reply.status == 200
    new_access = reply.set_cookies["__Host-hhl_access_token"][0]
    assert new_access and new_access != session.set_cookies["__Host-hhl_access_token"][0]
    second, attrs = reply.set_cookies["__Host-hhl_refresh_token"]
    assert token_of(second) != token_of(first) and token_of(second) in fake_cognito.refresh_tokens
    assert second.split(":")[:2] == first.split(":")[:2]  # the same session
    assert attrs["samesite"] == "Strict" and int(attrs["max-age"]) == 30 * 24 * 3600
    assert reply.headers["cache-control"] == "no-store"
    assert api.request("GET", "/auth/me", cookies={"__Host-hhl_access_token": new_access}).status == 200
    assert refresh(api, second).status == 200  # the rotated token works in its turn


def test_a_retired_refresh_token_within_the_grace_period_still_refreshes(api, signed_in):
    first = signed_in().set_cookies["__Host-hhl_refresh_token"][0]
    assert refresh(api, first).status == 200
    assert refresh(api, first).status == 200  # a second tab that sent the same cookie at the same time


def test_a_retired_refresh_token_reused_after_the_grace_period_ends_the_session(api, signed_in, fake_cognito):
    session = signed_in()
    first = session.set_cookies["__Host-hhl_refresh_token"][0]
    fake_cognito.grace_seconds = 0
    learner = refresh(api, first)
    assert learner.status == 200
    learner_access = learner.set_cookies["__Host-hhl_access_token"][0]
    assert api.request("GET", "/auth/me", cookies={"__Host-hhl_access_token": learner_access}).status == 200
    replay = refresh(api, first)  # a stolen copy of the retired cookie
    assert (replay.status, replay.body) == (401, SESSION_ENDED_BODY)
    assert replay.cleared("__Host-hhl_access_token") and replay.cleared("__Host-hhl_refresh_token")
    # The whole sign-in ends: the learner's current tokens too (this container learns it at once).
    me = api.request("GET", "/auth/me", cookies={"__Host-hhl_access_token": learner_access})
    assert (me.status, me.body) == (401, SESSION_ENDED_BODY)
    assert refresh(api, learner.set_cookies["__Host-hhl_refresh_token"][0]).status == 401


def test_a_forged_session_in_the_refresh_cookie_ends_nothing(api, signed_in, dynamodb):
    session = signed_in()
    access = session.set_cookies["__Host-hhl_access_token"][0]
    user_id, session_id, _, _ = session.set_cookies["__Host-hhl_refresh_token"][0].split(":")
    forged = f"{user_id}:{session_id}:AAAAAAAAAAAAAAAAAAAAAA:refresh-made-up"
    assert refresh(api, forged).status == 401
    assert dynamodb.scan(TableName="hedgehog-learn-local-ended-sessions")["Items"] == []
    assert api.request("GET", "/auth/me", cookies={"__Host-hhl_access_token": access}).status == 200


def test_refresh_without_the_cookie_is_401_and_clears_both(api):
    reply = refresh(api)
    assert (reply.status, reply.body) == (401, SESSION_ENDED_BODY)
    assert reply.cleared("__Host-hhl_access_token") and reply.cleared("__Host-hhl_refresh_token")


def test_refused_refresh_token_is_401_and_clears_both(api, signed_in):
    reply = refresh(api, "refresh-not-issued-by-cognito")
    assert (reply.status, reply.body) == (401, SESSION_ENDED_BODY)
    assert reply.cleared("__Host-hhl_access_token") and reply.cleared("__Host-hhl_refresh_token")


@pytest.mark.parametrize("status", [500, 503])
def test_refresh_during_a_cognito_outage_is_503_with_retry_after_and_keeps_the_session(
    api, signed_in, fake_cognito, status
):
    session = signed_in()
    fake_cognito.token_status = status
    reply = refresh(api, session.set_cookies["__Host-hhl_refresh_token"][0])
    assert reply.status == 503
    assert reply.headers["retry-after"] == "1"
    assert reply.set_cookies == {}


def test_refresh_of_an_unreachable_cognito_is_503(api, signed_in, monkeypatch):
    session = signed_in()
    monkeypatch.setenv("COGNITO_API_URL", "http://127.0.0.1:9")
    from hhl.config import settings

    settings.cache_clear()
    reply = refresh(api, session.set_cookies["__Host-hhl_refresh_token"][0])
    assert (reply.status, reply.headers["retry-after"]) == (503, "1")
    assert reply.set_cookies == {}


def test_refresh_from_a_foreign_origin_is_403(api, signed_in, fake_cognito):
    session = signed_in()
    reply = refresh(api, session.set_cookies["__Host-hhl_refresh_token"][0], origin="https://evil.example")
    assert reply.status == 403
    assert len(fake_cognito.token_requests) == 1  # only the sign-in's


# ---------------------------------------------------------------- /auth/logout

# The site's sign-out button: a navigation from a page on the site (GET), or a POST carrying the site's Origin.
SAME_SITE_LOGOUT = {
    "GET": {"sec-fetch-site": "same-site", "sec-fetch-mode": "navigate", "referer": f"{SITE}/learn"},
    "POST": {"origin": SITE},
}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_logout_revokes_clears_and_ends_the_hosted_ui_session(api, signed_in, fake_cognito, method):
    session = signed_in()
    refresh_token = session.set_cookies["__Host-hhl_refresh_token"][0]
    cookies = {
        "__Host-hhl_refresh_token": refresh_token,
        "__Host-hhl_access_token": session.set_cookies["__Host-hhl_access_token"][0],
    }
    reply = api.request(method, "/auth/logout", cookies=cookies, headers=SAME_SITE_LOGOUT[method])
    assert reply.status == 302
    assert f"{reply.location.scheme}://{reply.location.netloc}{reply.location.path}" == (
        f"http://{fake_cognito.base}/logout"
    )
    assert reply.query == {"client_id": CLIENT_ID, "logout_uri": f"{SITE}/learn"}
    assert reply.cleared("__Host-hhl_access_token") and reply.cleared("__Host-hhl_refresh_token")
    assert fake_cognito.revoked == [token_of(refresh_token)]
    assert refresh(api, refresh_token).status == 401
    # The access token of the signed-out session is refused, by cookie and Bearer.
    access = cookies["__Host-hhl_access_token"]
    me = api.request("GET", "/auth/me", cookies={"__Host-hhl_access_token": access})
    assert (me.status, me.body) == (401, SESSION_ENDED_BODY)
    assert api.request("GET", "/auth/me", headers={"authorization": f"Bearer {access}"}).status == 401


def test_logout_with_only_the_refresh_cookie_still_ends_the_session(api, signed_in):
    """After 15 idle minutes the browser holds no access cookie: the refresh cookie names the session."""
    session = signed_in()
    access = session.set_cookies["__Host-hhl_access_token"][0]
    reply = api.request(
        "POST",
        "/auth/logout",
        cookies={"__Host-hhl_refresh_token": session.set_cookies["__Host-hhl_refresh_token"][0]},
        headers={"origin": SITE},
    )
    assert reply.status == 302
    me = api.request("GET", "/auth/me", headers={"authorization": f"Bearer {access}"})
    assert (me.status, me.body) == (401, SESSION_ENDED_BODY)


def test_logout_with_only_an_access_cookie_ends_its_session(api, signed_in, fake_cognito):
    access = signed_in().set_cookies["__Host-hhl_access_token"][0]
    reply = api.request("POST", "/auth/logout", cookies={"__Host-hhl_access_token": access}, headers={"origin": SITE})
    assert reply.status == 302 and fake_cognito.revoked == []
    me = api.request("GET", "/auth/me", headers={"authorization": f"Bearer {access}"})
    assert (me.status, me.body) == (401, SESSION_ENDED_BODY)


def test_logout_still_logs_out_when_revocation_fails(api, monkeypatch):
    monkeypatch.setenv("COGNITO_DOMAIN", "127.0.0.1:9")
    from hhl.config import settings

    settings.cache_clear()
    reply = api.request(
        "GET", "/auth/logout", cookies={"__Host-hhl_refresh_token": "refresh-x"}, headers=SAME_SITE_LOGOUT["GET"]
    )
    assert reply.status == 302
    assert reply.cleared("__Host-hhl_access_token") and reply.cleared("__Host-hhl_refresh_token")


def test_logout_without_cookies_still_redirects(api, fake_cognito):
    reply = api.request("GET", "/auth/logout", headers=SAME_SITE_LOGOUT["GET"])
    assert reply.status == 302
    assert fake_cognito.revoked == []


def _session_cookies(session: Reply) -> dict[str, str]:
    return {name: session.set_cookies[name][0] for name in ("__Host-hhl_access_token", "__Host-hhl_refresh_token")}


def _assert_logout_outcome(api, cookies: dict[str, str], headers: dict, signs_out: bool, fake_cognito) -> None:
    """A GET /auth/logout navigation: signed out at the hosted UI, or only sent back to the site."""
    reply = api.request("GET", "/auth/logout", cookies=cookies, headers=headers)
    assert reply.status == 302
    if signs_out:
        assert reply.location.path == "/logout"
        assert reply.cleared("__Host-hhl_access_token") and reply.cleared("__Host-hhl_refresh_token")
    else:
        assert reply.headers["location"] == f"{SITE}/learn"
        _assert_nothing_cleared_or_revoked(reply, fake_cognito)


def _assert_nothing_cleared_or_revoked(reply: Reply, fake_cognito) -> None:
    assert reply.set_cookies == {}
    assert fake_cognito.revoked == []


# ---------------------------------------------------------------- logout CSRF (issue 11 item 8)


@pytest.mark.parametrize("fetch_site", ["same-origin", "none"])
def test_logout_by_a_same_site_navigation_signs_out(api, signed_in, fake_cognito, fetch_site):
    session = signed_in()
    reply = api.request(
        "GET", "/auth/logout", cookies=_session_cookies(session), headers={"sec-fetch-site": fetch_site}
    )
    assert reply.location.path == "/logout"
    assert reply.cleared("__Host-hhl_access_token") and reply.cleared("__Host-hhl_refresh_token")
    assert fake_cognito.revoked == [token_of(session.set_cookies["__Host-hhl_refresh_token"][0])]


def test_logout_by_a_cross_site_navigation_only_redirects(api, signed_in, fake_cognito):
    session = signed_in()
    reply = api.request(
        "GET",
        "/auth/logout",
        query={"redirect_url": "/learn/courses/x"},
        cookies=_session_cookies(session),
        headers={"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
    )
    assert reply.status == 302
    assert reply.headers["location"] == f"{SITE}/learn/courses/x"
    _assert_nothing_cleared_or_revoked(reply, fake_cognito)
    me = api.request(
        "GET", "/auth/me", cookies={"__Host-hhl_access_token": _session_cookies(session)["__Host-hhl_access_token"]}
    )
    assert me.status == 200


@pytest.mark.parametrize(
    ("referer", "signs_out"),
    [
        (f"{SITE}/learn/courses/x", True),  # an old browser on one of our pages
        ("http://localhost:3000/", True),  # another allowed origin
        ("https://evil.example/page", False),
        (None, False),  # no Referer at all: a page can suppress it, so it proves nothing
        ("not a url", False),
    ],
)
def test_logout_without_sec_fetch_site_falls_back_to_the_referer(api, signed_in, fake_cognito, referer, signs_out):
    session = signed_in()
    headers = {"referer": referer} if referer else {}
    _assert_logout_outcome(api, _session_cookies(session), headers, signs_out, fake_cognito)


@pytest.mark.parametrize(
    ("referer", "signs_out"),
    [
        (f"{SITE}/learn", True),  # the site's own page: its Referer is an allowed origin
        ("https://blog.127.0.0.1/post", False),  # any other host of the same site
        (None, False),  # same-site without a Referer proves nothing
    ],
)
def test_a_same_site_logout_needs_a_referer_from_an_allowed_origin(api, signed_in, fake_cognito, referer, signs_out):
    session = signed_in()
    headers = {"sec-fetch-site": "same-site", "sec-fetch-mode": "navigate", **({"referer": referer} if referer else {})}
    _assert_logout_outcome(api, _session_cookies(session), headers, signs_out, fake_cognito)


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null", f"{SITE}/", f"{SITE} "])
def test_logout_post_needs_an_allowed_origin(api, signed_in, fake_cognito, origin):
    session = signed_in()
    headers = {"origin": origin} if origin else {}
    reply = api.request("POST", "/auth/logout", cookies=_session_cookies(session), headers=headers)
    assert reply.status == 403
    assert reply.body == {"error": "Forbidden: Origin not allowed"}
    _assert_nothing_cleared_or_revoked(reply, fake_cognito)


# ---------------------------------------------------------------- forged callback error (issue 11 item 9)


@pytest.mark.parametrize("state", [None, "not-the-transactions-state"])
def test_callback_error_without_the_transactions_state_clears_nothing(api, start_login, fake_cognito, state):
    login = start_login("/learn/courses/x")
    query = {"error": "access_denied", **({"state": state} if state else {})}
    forged = api.callback(query, login.cookie, NAVIGATION)
    assert forged.status == 302
    assert forged.headers["location"] == f"{SITE}/learn?auth_error=session_expired"
    assert forged.set_cookies == {}
    # The sign-in in progress still completes.
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    done = api.callback({"code": code, "state": login.state}, login.cookie, NAVIGATION)
    assert done.headers["location"] == f"{SITE}/learn/courses/x"
    assert "__Host-hhl_access_token" in done.set_cookies


# ---------------------------------------------------------------- friendly browser errors (issue 9)


def test_callback_without_a_transaction_in_a_browser_says_session_expired(api, start_login, fake_cognito):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    reply = api.callback({"code": code, "state": login.state}, None, NAVIGATION)
    assert reply.status == 302
    assert reply.headers["location"] == f"{SITE}/learn?auth_error=session_expired"
    assert reply.set_cookies == {}
    assert fake_cognito.token_requests == []


def test_expired_transaction_in_a_browser_goes_to_its_return_to(api, fake_cognito):
    old = transaction_module.LoginTransaction.begin("/learn/courses/x")
    old = transaction_module.LoginTransaction(
        old.state, old.nonce, old.code_verifier, old.return_to, int(time.time()) - 601
    )
    sealed = transaction_module.seal_all([old], SECRET)
    reply = api.callback({"code": "c", "state": old.state}, sealed, NAVIGATION)
    assert reply.headers["location"] == f"{SITE}/learn/courses/x?auth_error=session_expired"
    assert reply.cleared("__Host-hhl_login")


def test_reloaded_callback_in_a_browser_says_session_expired(api, start_login, fake_cognito):
    login = start_login()
    code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback")
    first = api.callback({"code": code, "state": login.state}, login.cookie, NAVIGATION)
    assert first.cleared("__Host-hhl_login")
    reload = api.callback({"code": code, "state": login.state}, login.cookie, NAVIGATION)
    assert reload.headers["location"] == f"{SITE}/learn?auth_error=session_expired"
    assert "__Host-hhl_access_token" not in reload.set_cookies
    assert len(fake_cognito.token_requests) == 1


def test_accept_json_keeps_json_even_for_a_navigation(api, start_login):
    login = start_login()
    reply = api.callback({"code": "made-up", "state": login.state}, login.cookie, {"accept": "application/json"})
    assert reply.status == 400 and reply.body["error"]


# ---------------------------------------------------------------- two tabs signing in (issue 9)


class Jar:
    """One browser's login cookie, updated from each answer's Set-Cookie as a browser does."""

    def __init__(self) -> None:
        self.login: str | None = None

    def take(self, reply: Reply) -> Reply:
        if "__Host-hhl_login" in reply.set_cookies:
            self.login = reply.set_cookies["__Host-hhl_login"][0] or None
        return reply


def _start(api, jar: Jar, return_to: str) -> dict[str, str]:
    cookies = {"__Host-hhl_login": jar.login} if jar.login else None
    reply = jar.take(api.request("GET", "/auth/login", query={"return_to": return_to}, cookies=cookies))
    return reply.query


def _finish(api, jar: Jar, fake_cognito, authorize: dict[str, str], **claims) -> Reply:
    code = fake_cognito.issue_code(authorize["code_challenge"], authorize["nonce"], f"{SITE}/auth/callback", **claims)
    return jar.take(api.callback({"code": code, "state": authorize["state"]}, jar.login, NAVIGATION))


def test_two_tabs_started_one_after_the_other_both_sign_in(api, fake_cognito):
    jar = Jar()
    tab_a, tab_b = _start(api, jar, "/learn/a"), _start(api, jar, "/learn/b")
    done_b = _finish(api, jar, fake_cognito, tab_b)
    assert done_b.headers["location"] == f"{SITE}/learn/b"
    assert jar.login, "the other tab's transaction is kept"
    done_a = _finish(api, jar, fake_cognito, tab_a)
    assert done_a.headers["location"] == f"{SITE}/learn/a"
    assert "__Host-hhl_access_token" in done_a.set_cookies and jar.login is None


def test_a_failed_sign_in_in_one_tab_keeps_the_other(api, fake_cognito):
    jar = Jar()
    tab_a, tab_b = _start(api, jar, "/learn/a"), _start(api, jar, "/learn/b")
    failed = jar.take(api.callback({"error": "access_denied", "state": tab_a["state"]}, jar.login, NAVIGATION))
    assert failed.headers["location"] == f"{SITE}/learn/a?auth_error=access_denied"
    refused = jar.take(api.callback({"code": "made-up", "state": tab_a["state"]}, jar.login, NAVIGATION))
    assert refused.headers["location"] == f"{SITE}/learn?auth_error=session_expired"
    assert _finish(api, jar, fake_cognito, tab_b).headers["location"] == f"{SITE}/learn/b"


def test_two_tabs_started_at_the_same_instant_the_later_one_signs_in(api, fake_cognito):
    # Both /auth/login requests leave before either answer arrives: neither carries the other's transaction,
    # and the browser keeps the Set-Cookie that arrives last.
    early, late = api.login("/learn/a"), api.login("/learn/b")
    jar = Jar()
    jar.take(early)
    jar.take(late)
    done = _finish(api, jar, fake_cognito, late.query)
    assert done.headers["location"] == f"{SITE}/learn/b"
    lost = _finish(api, jar, fake_cognito, early.query)
    assert lost.headers["location"] == f"{SITE}/learn?auth_error=session_expired"


def test_the_login_cookie_holds_a_bounded_number_of_transactions(api, fake_cognito):
    jar = Jar()
    tabs = [_start(api, jar, f"/learn/{n}") for n in range(transaction_module.MAX_TRANSACTIONS + 1)]
    assert len(jar.login) < 3800  # well inside a browser's 4096 bytes per cookie, even with long return_to
    oldest = _finish(api, jar, fake_cognito, tabs[0])
    assert oldest.headers["location"] == f"{SITE}/learn?auth_error=session_expired"
    for n, tab in enumerate(tabs[1:], start=1):
        assert _finish(api, jar, fake_cognito, tab).headers["location"] == f"{SITE}/learn/{n}"


def test_a_full_login_cookie_with_long_return_paths_stays_under_the_browser_limit(api):
    jar = Jar()
    for n in range(transaction_module.MAX_TRANSACTIONS + 2):
        _start(api, jar, "/learn/" + "x" * 500 + str(n))
    assert len("__Host-hhl_login=" + jar.login) < 4096


# ---------------------------------------------------------------- redirect_url alias (issue 9)


def test_login_accepts_redirect_url_as_return_to(api):
    reply = api.request("GET", "/auth/login", query={"redirect_url": "/learn/courses/x?tab=2"})
    (transaction,) = transaction_module.unseal_all(reply.set_cookies["__Host-hhl_login"][0], SECRET)
    assert transaction.return_to == "/learn/courses/x?tab=2"


def test_return_to_wins_over_redirect_url(api):
    reply = api.request("GET", "/auth/login", query={"return_to": "/learn/a", "redirect_url": "/learn/b"})
    (transaction,) = transaction_module.unseal_all(reply.set_cookies["__Host-hhl_login"][0], SECRET)
    assert transaction.return_to == "/learn/a"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/phish",
        "https://evil.example/",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "javascript:alert(1)",
        "/\tevil",
        "\\evil.example",
    ],
)
def test_redirect_url_is_allow_listed_like_return_to(api, fake_cognito, target):
    login = api.request("GET", "/auth/login", query={"redirect_url": target})
    (transaction,) = transaction_module.unseal_all(login.set_cookies["__Host-hhl_login"][0], SECRET)
    assert transaction.return_to == "/learn"
    logout = api.request(
        "GET", "/auth/logout", query={"redirect_url": target}, headers={"sec-fetch-site": "cross-site"}
    )
    assert logout.headers["location"] == f"{SITE}/learn"
