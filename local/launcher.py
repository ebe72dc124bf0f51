"""Start and stop a whole local stack from another process: the tests' fixtures, the CRM and log
tests' own instances, and `make bench` all launch it this one way.

Each launch gets free ports and its own state dir, so launches never share an emulator or collide
with a `make dev` running beside them. Stopping takes the whole process group (the stack and its
emulator), and HHL_EXIT_WITH_PARENT makes the stack stop by itself if its launcher dies first.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3

from kit.template import ROOT

STARTUP_TIMEOUT_SECONDS = 90


class StackInfo(dict):
    """stack.json, readable as stack["api_url"] or stack.api_url (nested dicts too)."""

    def __getattr__(self, name):
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return StackInfo(value) if isinstance(value, dict) else value

    def _client(self, service: str):
        return boto3.client(
            service,
            region_name=self["region"],
            endpoint_url=self["aws_endpoint_url"],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def cognito(self):
        return self._client("cognito-idp")

    def dynamodb(self):
        return self._client("dynamodb")

    def ssm(self):
        return self._client("ssm")

    def store_secret(self, variable: str, value: str) -> None:
        """Store (or rotate) the SecureString the handlers' `variable` names, e.g. the HubSpot token under
        HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER, as an operator does with `aws ssm put-parameter` in AWS."""
        name = self["handler_env"][variable]
        self.ssm().put_parameter(Name=name, Type="SecureString", Value=value, Overwrite=True)

    def stored_secret(self, variable: str) -> str:
        name = self["handler_env"][variable]
        return self.ssm().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]

    def client_secret(self) -> str:
        """The confidential app client's secret, from the emulator's Secrets Manager (as the functions get it)."""
        secret_id = self["handler_env"]["COGNITO_CLIENT_SECRET_ID"]
        return self._client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def _wait_until_up(process: subprocess.Popen, state_file: Path, log_file: Path) -> StackInfo:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited with {process.returncode}:\n{log_file.read_text()[-4000:]}")
        if state_file.exists():
            stack = StackInfo(json.loads(state_file.read_text()))
            if _answers(f"{stack['api_url']}/catalog"):
                return stack
        time.sleep(0.2)
    raise RuntimeError(f"local stack not up after {STARTUP_TIMEOUT_SECONDS}s:\n{log_file.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the stack's process group (the stack and its emulator), then SIGKILL whatever is left."""
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
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "stack.json").unlink(missing_ok=True)
    api, site, aws, cognito, extension = free_ports(5)
    # A developer's theme-server origins (README) are theirs: a launched stack gets only the ones passed here.
    inherited = {k: v for k, v in os.environ.items() if k not in ("HHL_SITE_ORIGIN", "HHL_ALLOWED_ORIGINS")}
    env = {
        **inherited,
        "HHL_API_PORT": str(api),
        "HHL_SITE_PORT": str(site),
        "HHL_AWS_PORT": str(aws),
        "HHL_COGNITO_PORT": str(cognito),
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(extension),
        "HHL_STATE_DIR": str(state_dir),
        "PYTHONUNBUFFERED": "1",
        "HHL_EXIT_WITH_PARENT": "1",
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
