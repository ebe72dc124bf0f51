"""The local stack the bench measures against: its own instance, on free ports of its own.

Its own instance (state dir .local/bench-stack) so that a `make dev` or a test session running at
the same time neither shares the emulator's state with the bench nor collides with it on ports.
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

from bench.runtime import ROOT

STATE_DIR = ROOT / ".local" / "bench-stack"
START_TIMEOUT_SECONDS = 90


def _free_ports(count: int) -> list[str]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [str(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _reachable(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False
    return True


@contextlib.contextmanager
def local_stack() -> Iterator[dict]:
    """Start `python -m local.stack`, yield its stack.json, stop it."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    stack_file = STATE_DIR / "stack.json"
    stack_file.unlink(missing_ok=True)
    log = (STATE_DIR / "stack.log").open("w")
    ports = dict(zip(("HHL_API_PORT", "HHL_AWS_PORT", "HHL_COGNITO_PORT"), _free_ports(3), strict=True))
    env = {**os.environ, **ports, "HHL_STATE_DIR": str(STATE_DIR)}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        stack = _wait_for_stack(process, stack_file)
        yield stack
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _wait_for_stack(process: subprocess.Popen, stack_file: Path) -> dict:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited with {process.returncode}; see {STATE_DIR / 'stack.log'}")
        if stack_file.exists():
            stack = json.loads(stack_file.read_text())
            if _reachable(stack["api_url"].rstrip("/") + "/learn"):
                return stack
        time.sleep(0.3)
    raise RuntimeError(f"local stack did not come up in {START_TIMEOUT_SECONDS}s; see {STATE_DIR / 'stack.log'}")
