"""The local stack for integration tests: one `python -m local.stack` per pytest session (per xdist
worker), on free ports with its own state dir, stopped at the end with everything it started."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from local.stack import create_user as _create_cognito_user
from local.template import ROOT

STARTUP_TIMEOUT_SECONDS = 60


class StackInfo(dict):
    """stack.json, readable as stack["api_url"] or stack.api_url (nested dicts too)."""

    def __getattr__(self, name):
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return StackInfo(value) if isinstance(value, dict) else value

    def cognito(self):
        return boto3.client(
            "cognito-idp",
            region_name=self["region"],
            endpoint_url=self["aws_endpoint_url"],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def dynamodb(self):
        return boto3.client(
            "dynamodb",
            region_name=self["region"],
            endpoint_url=self["aws_endpoint_url"],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _wait_until_up(process: subprocess.Popen, state_file: Path, log_file: Path) -> StackInfo:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited with {process.returncode}:\n{log_file.read_text()[-4000:]}")
        if state_file.exists():
            stack = StackInfo(json.loads(state_file.read_text()))
            if requests.get(f"{stack['api_url']}/learn", timeout=2).status_code == 200:
                return stack
        time.sleep(0.2)
    raise RuntimeError(f"local stack not up after {STARTUP_TIMEOUT_SECONDS}s:\n{log_file.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the stack's process group (the stack and its emulator), then SIGKILL whatever is left,
    so nothing outlives the session even if the stack hangs or died uncleanly."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def launch_stack(state_dir: Path, **extra_env: str) -> Iterator[StackInfo]:
    """`python -m local.stack` on free ports with its own state dir (and e.g. ENABLE_CRM_PROGRESS="true"),
    up and answering; stopped with everything it started when the block ends, however it ends."""
    api, aws, cognito = _free_ports(3)
    env = {
        **os.environ,
        "HHL_API_PORT": str(api),
        "HHL_AWS_PORT": str(aws),
        "HHL_COGNITO_PORT": str(cognito),
        "HHL_STATE_DIR": str(state_dir),
        "PYTHONUNBUFFERED": "1",
        "HHL_EXIT_WITH_PARENT": "1",  # a session killed without teardown (e.g. SIGTERM) leaves no stack behind
        **extra_env,
    }
    log_file = state_dir / "stack.log"
    with log_file.open("wb") as log:
        # A new session makes the stack the leader of a process group that also holds its emulator.
        process = subprocess.Popen(
            [sys.executable, "-m", "local.stack"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        stack = _wait_until_up(process, state_dir / "stack.json", log_file)
        stack["log_file"] = str(log_file)
        stack["state_dir"] = str(state_dir)
        yield stack
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory) -> Iterator[StackInfo]:
    """The shared stack (CRM sync off): stack.json as a StackInfo, plus log_file and state_dir."""
    with launch_stack(tmp_path_factory.mktemp("local-stack")) as stack:
        yield stack


def _create_user(stack: StackInfo, email: str, password: str, given_name: str, family_name: str) -> str:
    """A confirmed user in the stack's pool, able to sign in through the hosted UI; returns its sub."""
    return _create_cognito_user(stack.cognito(), stack["user_pool_id"], email, password, given_name, family_name)


@pytest.fixture(scope="session")
def create_user():
    """create_user(stack, email, password, given_name, family_name) -> sub, for multi-user tests."""
    return _create_user
