"""The local stack the bench measures against: its own instance, on free ports of its own.

Its own instance (state dir .local/bench-stack) so that a `make dev` or a test session running at
the same time neither shares the emulator's state with the bench nor collides with it on ports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from bench.runtime import ROOT
from local.launcher import launch_stack

STATE_DIR = ROOT / ".local" / "bench-stack"


@contextlib.contextmanager
def local_stack() -> Iterator[dict]:
    """Start `python -m local.stack`, yield its stack.json, stop it."""
    with launch_stack(STATE_DIR) as stack:
        yield stack
