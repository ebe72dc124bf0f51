"""No token, cookie, authorization code, state, PKCE material, password or secret ever reaches a log line.

The CRM stack of tests/integration/conftest.py (CRM sync on, a fake HubSpot with a recognisable token stored in
the emulator's SSM, its JWT secret read back from there, every logger at DEBUG) goes through a whole session the way a
browser and a careless client would: a failed and a successful hosted-UI sign-in, a callback replayed
with a forged state, /auth/me with cookie, Bearer and forged tokens, enrolling and completing a course
(badge, CRM sync to HubSpot), a refresh and a logout. Everything the stack's handlers printed
(local/stack.py runs them in-process, their stdout and stderr go to its log file) is then searched for
each of those values and for anything JWT-shaped.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from hhl.auth.transaction import unseal_all

from kit.sign_in import (
    ACCESS_COOKIE,
    LOGIN_COOKIE,
    REFRESH_COOKIE,
    TIMEOUT,
    set_cookies,
    site_origin,
    start_login,
    submit_hosted_ui,
)
from kit.template import ROOT

pytestmark = pytest.mark.integration

COURSE = "hedgehog-lab-foundations"
CATALOG = json.loads((ROOT / "layers/catalog/hhl_catalog/catalog.json").read_text())
JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")
SYNC_TIMEOUT_SECONDS = 20


@pytest.fixture(scope="module")
def jwt_secret(crm_stack) -> str:
    """The run's random JWT secret, from the emulator's SSM where the stack stored it."""
    return crm_stack.stored_secret("JWT_SECRET_PARAMETER")


def query_param(url: str, name: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)[name][0]


@pytest.fixture(scope="module")
def log_start(crm_stack) -> int:
    """Where the shared stack's log stood before this module's session (other modules may have used it first)."""
    return Path(crm_stack["log_file"]).stat().st_size


@pytest.fixture(scope="module")
def session_secrets(crm_stack, fake_hubspot, jwt_secret, create_user, log_start) -> dict[str, str]:
    """Run the whole session; returns every secret value it involved, by what it is."""
    api = crm_stack["api_url"]
    # A learner of our own: the demo user's password is printed on purpose in the stack's banner.
    demo = {
        "username": f"log-hygiene-{secrets.token_hex(4)}@example.com",
        "password": f"Pw-{secrets.token_urlsafe(18)}1a",
    }
    create_user(crm_stack, demo["username"], demo["password"], "Logan", "Hygiene")
    found = {
        "JWT secret": jwt_secret,
        "HubSpot token": fake_hubspot.token,
        "app client secret": crm_stack.client_secret(),
        "password": demo["password"],
    }
    basic = f"{crm_stack['client_id']}:{found['app client secret']}"
    found["client Basic credentials"] = base64.b64encode(basic.encode()).decode()

    # A sign-in with the wrong password, then the real one; every value of the exchange is a secret.
    wrong_password = f"Wrong-{secrets.token_urlsafe(12)}"
    found["wrong password"] = wrong_password
    authorize_url, _ = start_login(crm_stack)
    page = requests.get(authorize_url, timeout=TIMEOUT)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)[1].replace("&amp;", "&")
    requests.post(
        urllib.parse.urljoin(authorize_url, action),
        data={"username": demo["username"], "password": wrong_password},
        timeout=TIMEOUT,
    )

    authorize_url, login_cookie = start_login(crm_stack, "/learn/courses/first")
    found |= {"state": query_param(authorize_url, "state"), "login transaction cookie": login_cookie}
    found["PKCE challenge"] = query_param(authorize_url, "code_challenge")
    # The verifier and nonce never leave the sealed cookie; with the stack's JWT secret the test can open it.
    (transaction,) = unseal_all(login_cookie, jwt_secret)
    found |= {"PKCE verifier": transaction.code_verifier, "nonce": transaction.nonce}
    callback_url = submit_hosted_ui(authorize_url, demo["username"], demo["password"])
    found["authorization code"] = query_param(callback_url, "code")

    # The callback replayed with a forged state first (refused), then for real.
    forged = callback_url.replace(found["state"], secrets.token_urlsafe(32))
    refused = requests.get(forged, cookies={LOGIN_COOKIE: login_cookie}, allow_redirects=False, timeout=TIMEOUT)
    assert refused.status_code >= 400
    callback = requests.get(callback_url, cookies={LOGIN_COOKIE: login_cookie}, allow_redirects=False, timeout=TIMEOUT)
    assert callback.status_code == 302, callback.text
    cookies = set_cookies(callback)
    access, refresh = cookies[ACCESS_COOKIE], cookies[REFRESH_COOKIE]
    found |= {"access token": access, "refresh token": refresh}
    found["access token signature"] = access.rsplit(".", 1)[1]

    bearer = {"authorization": f"Bearer {access}"}
    assert requests.get(f"{api}/auth/me", cookies={ACCESS_COOKIE: access}, timeout=TIMEOUT).status_code == 200
    user = requests.get(f"{api}/auth/me", headers=bearer, timeout=TIMEOUT).json()
    forged_token = access[:-12] + secrets.token_urlsafe(9)
    found["forged token"] = forged_token
    assert (
        requests.get(f"{api}/auth/me", headers={"authorization": f"Bearer {forged_token}"}, timeout=TIMEOUT).status_code
        == 401
    )

    # Learning: enroll, complete every module (a badge), read it all back; CRM sync runs on the streams.
    enrolled = requests.post(
        f"{api}/enrollments", json={"courseSlug": COURSE, "source": "catalog"}, headers=bearer, timeout=TIMEOUT
    )
    assert enrolled.status_code in (200, 201), enrolled.text
    (course,) = [c for c in CATALOG["courses"] if c["slug"] == COURSE]
    for module in course["modules"]:
        body = {"courseSlug": COURSE, "moduleSlug": module, "event": "completed"}
        recorded = requests.post(f"{api}/progress", json=body, headers=bearer, timeout=TIMEOUT)
        assert recorded.status_code in (200, 201), recorded.text
    for path in ("/enrollments", "/progress", f"/progress/{COURSE}", "/badges"):
        assert requests.get(f"{api}{path}", headers=bearer, timeout=TIMEOUT).status_code == 200, path
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while not fake_hubspot.contact(user["email"]):
        assert time.monotonic() < deadline, "the CRM sync never reached HubSpot"
        time.sleep(0.2)

    refreshed = requests.post(
        f"{api}/auth/refresh",
        cookies={REFRESH_COOKIE: refresh},
        headers={"origin": site_origin(crm_stack)},
        timeout=TIMEOUT,
    )
    assert refreshed.status_code == 200, refreshed.text
    found["refreshed access token"] = set_cookies(refreshed)[ACCESS_COOKIE]
    logout = requests.post(
        f"{api}/auth/logout",
        cookies={ACCESS_COOKIE: access, REFRESH_COOKIE: refresh},
        headers={"origin": site_origin(crm_stack)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert logout.status_code == 302
    return found


@pytest.fixture(scope="module")
def log_text(crm_stack, session_secrets, log_start) -> str:
    # HubSpot holds the contact before crm_sync logs its batch (it re-reads the learner after pushing),
    # so wait for that last line (of this session's, not an earlier module's) rather than a fixed pause a
    # loaded machine can outrun. The whole log is searched.
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while True:
        logged = Path(crm_stack["log_file"]).read_bytes()
        if b"crm sync batch done" in logged[log_start:] or time.monotonic() > deadline:
            return logged.decode("utf-8", errors="replace")
        time.sleep(0.2)


def test_the_handlers_logs_were_captured(log_text):
    handler_lines = [json.loads(line) for line in log_text.splitlines() if line.startswith('{"level"')]
    assert any(line.get("correlation_id") for line in handler_lines), "no API handler log lines captured"
    # By message: the stack runs crm_sync in a thread beside the API handlers, and Powertools' logger is one
    # object per process, so a batch's line can carry another handler's function_name.
    assert any(line.get("message") == "crm sync batch done" for line in handler_lines), "no CRM sync log lines"


SECRET_KINDS = [
    "JWT secret",
    "HubSpot token",
    "app client secret",
    "client Basic credentials",
    "password",
    "wrong password",
    "state",
    "login transaction cookie",
    "PKCE challenge",
    "PKCE verifier",
    "nonce",
    "authorization code",
    "access token",
    "access token signature",
    "refresh token",
    "forged token",
    "refreshed access token",
]


@pytest.mark.parametrize("kind", SECRET_KINDS)
def test_no_secret_value_appears_in_the_logs(session_secrets, log_text, kind):
    value = session_secrets[kind]
    assert len(value) >= 12, f"{kind} is too short to search for meaningfully"
    assert value not in log_text, f"the {kind} appears in the stack's log"


def test_nothing_jwt_shaped_or_cookie_shaped_appears_in_the_logs(log_text):
    assert not JWT_SHAPE.search(log_text), JWT_SHAPE.search(log_text)[0][:40]
    for cookie in (ACCESS_COOKIE, REFRESH_COOKIE, LOGIN_COOKIE):
        assert not re.search(rf"{re.escape(cookie)}=[^;\s\"']", log_text), cookie
    assert not re.search(r"Bearer [\w-]{12,}", log_text)
