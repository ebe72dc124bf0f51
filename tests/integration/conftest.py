"""Integration-test helpers; the shared `local_stack` fixture itself is in tests/conftest.py so the
browser tests use the same stack instance. The stack with CRM sync on (`crm_stack`, with `fake_hubspot`)
is here: every module that needs HubSpot shares it; `crm_content_stack` is the same on the test content tree."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from local.fake_hubspot import FakeHubSpot
from local.launcher import StackInfo, launch_stack
from local.stack import create_user as _create_cognito_user
from tests.catalog_dirs import FIXTURE_CONTENT


def _create_user(stack: StackInfo, email: str, password: str, given_name: str, family_name: str) -> str:
    """A confirmed user in the stack's pool, able to sign in through the hosted UI; returns its sub."""
    return _create_cognito_user(stack.cognito(), stack["user_pool_id"], email, password, given_name, family_name)


@pytest.fixture(scope="session")
def create_user():
    """create_user(stack, email, password, given_name, family_name) -> sub, for multi-user tests."""
    return _create_user


@pytest.fixture(scope="session")
def emulator():
    """A moto server of our own (not the local stack's), so tests can reset it; yields its endpoint URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.2)
    yield endpoint
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def fake_hubspot():
    """The fake HubSpot on loopback, with a private-app token as recognisable as a real one (pat-na1-...)."""
    with FakeHubSpot(token=f"pat-na1-{secrets.token_hex(16)}") as fake:
        yield fake


def _crm_env(fake: FakeHubSpot) -> dict[str, str]:
    """CRM sync on, HubSpot pointed at the fake with fast retries, every logger at DEBUG."""
    return {
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "ENABLE_CRM_PROGRESS": "true",
        "HUBSPOT_API_BASE_URL": fake.base_url,
        "HUBSPOT_MAX_ATTEMPTS": "3",
        "HUBSPOT_BACKOFF_BASE_SECONDS": "0.05",
        "HUBSPOT_BACKOFF_MAX_SECONDS": "0.2",
        "HUBSPOT_TIMEOUT_SECONDS": "1",
    }


@pytest.fixture(scope="session")
def crm_stack(fake_hubspot, tmp_path_factory):
    """A stack of its own with CRM sync on (the shared `local_stack` runs with it off), HubSpot pointed at the
    fake with fast retries, and every logger at DEBUG so the log-hygiene test sees everything a handler says."""
    with launch_stack(tmp_path_factory.mktemp("crm-stack"), **_crm_env(fake_hubspot)) as stack:
        # As an operator does in AWS: the token goes into SSM; crm_sync reads it through the extension.
        stack.store_secret("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER", fake_hubspot.token)
        yield stack


@pytest.fixture(scope="module")
def crm_content_stack(fake_hubspot, tmp_path_factory):
    """`crm_stack`'s settings and fake HubSpot on a stack serving the test content tree (tests/fixtures/content),
    as `content_stack` does: the shipped catalog has no quiz or lab, so the task routes need this one. Module
    scope: the extra stack runs only while a module that uses it does."""
    with launch_stack(
        tmp_path_factory.mktemp("crm-content-stack"), HHL_CONTENT_DIR=str(FIXTURE_CONTENT), **_crm_env(fake_hubspot)
    ) as stack:
        stack.store_secret("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER", fake_hubspot.token)
        yield stack
