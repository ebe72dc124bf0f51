"""1EdTech's published Open Badges 3.0 AchievementCredential JSON Schema, pinned by commit and SHA-256.

The schema is 1EdTech's material, so it is not committed here: it is read from a local clone of the public
repository 1EdTech/openbadges-specification (the gh-pages build that purl.imsglobal.org serves), found at
$HHL_OB3_SPEC_REPO or the workplace's fetched mirror. Without a clone the tests that use it are skipped
with this message; with a clone whose file differs from the pin they fail.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator, FormatChecker

SPEC_COMMIT = "c73e9663afcdbe009a224f7be061ac895168a5b8"  # gh-pages "Automated build", 2024-07-30
SCHEMA_PATH = "docs/schema/achievementcredential.json"
SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json"
SCHEMA_SHA256 = "5753fb3ecf7d024ed273dd364bd683f483eb47257e718e6618832cf89eb2083a"
DEFAULT_CLONE = Path("/work/.mirror/1EdTech+openbadges-specification/repo")


def spec_clone() -> Path:
    return Path(os.environ.get("HHL_OB3_SPEC_REPO", DEFAULT_CLONE))


@functools.cache
def pinned_schema() -> dict | None:
    """The schema, or None when no clone is on this machine."""
    clone = spec_clone()
    if not clone.exists():
        return None
    git_dir = clone if (clone / "objects").is_dir() else clone / ".git"  # a bare mirror or a work tree
    shown = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{SPEC_COMMIT}:{SCHEMA_PATH}"], capture_output=True, check=False
    )
    assert shown.returncode == 0, f"{clone} lacks {SPEC_COMMIT}:{SCHEMA_PATH}: {shown.stderr.decode()[:200]}"
    assert hashlib.sha256(shown.stdout).hexdigest() == SCHEMA_SHA256, "the pinned OB 3.0 schema changed"
    schema = json.loads(shown.stdout)
    assert schema["$id"] == SCHEMA_ID
    return schema


def achievement_credential_schema() -> dict:
    """The schema; the calling test is skipped, saying why, when no clone is on this machine."""
    schema = pinned_schema()
    if schema is None:
        pytest.skip(f"no clone of 1EdTech/openbadges-specification at {spec_clone()} (set HHL_OB3_SPEC_REPO)")
    return schema


def schema_errors(credential_claims: dict) -> list[str]:
    """What the pinned schema (formats checked) finds wrong; [] also when no clone is on this machine."""
    schema = pinned_schema()
    if schema is None:
        return []
    validator = Draft201909Validator(schema, format_checker=FormatChecker())
    return [error.message for error in validator.iter_errors(credential_claims)]
