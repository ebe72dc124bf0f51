"""The theme's own scripts and content (public repository afewell-hh/hh-learn), pinned by commit.

The theme's code is not ours to commit, so a test reads a script (pinned by SHA-256 too) or a folder from a
local clone at test time: $HHL_THEME_REPO or the workplace's fetched mirror. Without a clone the calling test is
skipped with this message; with a clone whose script differs from the pin it fails (a changed script is a new
contract to read, not a silent update).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

THEME_COMMIT = "0a62674ec4f31f22235bb9d8faefbd8746963d2b"  # main, PR #477, content packaging
DEFAULT_CLONE = Path("/work/.mirror/afewell-hh+hh-learn/repo")
PINNED = {
    "clean-x-hedgehog-templates/assets/js/production-completion.js": (
        "5165ffbe528b0d944d556533ca82388d08f162c7fe1c400dec306e21cb06b470"
    ),
}


def theme_clone() -> Path:
    return Path(os.environ.get("HHL_THEME_REPO", DEFAULT_CLONE))


def _git_dir() -> Path:
    clone = theme_clone()
    if not clone.exists():
        pytest.skip(f"no clone of afewell-hh/hh-learn at {clone} (set HHL_THEME_REPO)")
    return clone if (clone / "objects").is_dir() else clone / ".git"  # a bare mirror or a work tree


def theme_folder(path: str, into: Path) -> Path:
    """The site repository's folder `path` at the pinned commit, written under `into`; skipped without a clone."""
    archive = subprocess.run(
        ["git", f"--git-dir={_git_dir()}", "archive", THEME_COMMIT, path], capture_output=True, check=False
    )
    assert archive.returncode == 0, f"{theme_clone()} lacks {THEME_COMMIT}:{path}: {archive.stderr.decode()[:200]}"
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / path


def theme_script(path: str) -> bytes:
    """The script's bytes at the pinned commit; the calling test is skipped, saying why, without a clone."""
    shown = subprocess.run(
        ["git", f"--git-dir={_git_dir()}", "show", f"{THEME_COMMIT}:{path}"], capture_output=True, check=False
    )
    assert shown.returncode == 0, f"{theme_clone()} lacks {THEME_COMMIT}:{path}: {shown.stderr.decode()[:200]}"
    assert hashlib.sha256(shown.stdout).hexdigest() == PINNED[path], f"the pinned theme script {path} changed"
    return shown.stdout
