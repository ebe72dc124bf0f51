"""Integration-test helpers; the shared `local_stack` fixture itself is in tests/conftest.py so the
browser tests use the same stack instance."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from local.launcher import StackInfo
from local.stack import create_user as _create_cognito_user


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
