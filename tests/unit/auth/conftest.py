"""The auth endpoints' fixtures: `api` here is the auth endpoints in-process (tests/support/auth_api.py), not the
learning API client of tests/unit/conftest.py; `start_login` begins a sign-in, `signed_in` runs a whole one;
`clock` is a time the test moves."""

from __future__ import annotations

import pytest
from hhl.storage import dynamodb as dynamodb_module

from local.api_gateway import Router
from tests.support.auth_api import SITE, AuthApi, Reply, StartedLogin


@pytest.fixture
def api(auth_env, dynamodb) -> AuthApi:
    dynamodb_module.client.cache_clear()
    yield AuthApi(Router(allowed_origins=[SITE]))
    dynamodb_module.client.cache_clear()


@pytest.fixture
def start_login(api):
    def start(return_to=None) -> StartedLogin:
        reply = api.login(return_to)
        query = reply.query
        return StartedLogin(
            reply, reply.set_cookies["__Host-hhl_login"][0], query["state"], query["nonce"], query["code_challenge"]
        )

    return start


@pytest.fixture
def signed_in(api, start_login, fake_cognito):
    """Run a whole login; returns the callback reply."""

    def sign_in(return_to=None, **claims) -> Reply:
        login = start_login(return_to)
        code = fake_cognito.issue_code(login.code_challenge, login.nonce, f"{SITE}/auth/callback", **claims)
        return api.callback({"code": code, "state": login.state}, login.cookie)

    return sign_in


class FakeClock:
    """time.time for the code under test, moved only by the test (`now`)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
