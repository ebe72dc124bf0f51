"""Code run in a fresh interpreter, as a new Lambda container runs it: nothing this test process imported or
cached carries over. The child prints a JSON report as its last line."""

from __future__ import annotations

import json
import subprocess
import sys


def report_of_child(code: str, *args: str, env: dict[str, str]) -> dict:
    """Run `python -c code args...` with exactly `env`; fail with its stderr unless it exits 0; its report."""
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
