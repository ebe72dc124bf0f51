"""What `make verify` and `make preflight` share: where a stage deploys (samconfig.toml), one PASS/FAIL
line per check saying what it saw, and an exit code that fails the run when any check failed."""

from __future__ import annotations

import os
import shlex
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from kit.template import ROOT

SAMCONFIG_PATH = ROOT / "samconfig.toml"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seen: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.seen}"


def guarded(name: str, check: Callable[[], tuple[bool, str]]) -> Check:
    """A failing AWS or HTTP call fails its own line; the rest of the checklist still runs."""
    try:
        ok, seen = check()
    except (ClientError, BotoCoreError, ResponseParserError, OSError, KeyError, ValueError) as error:
        ok, seen = False, f"{type(error).__name__}: {error}"
    return Check(name, ok, seen)


def banner(action: str, stack: str, region: str) -> str:
    """`Verifying hedgehog-learn-prod in us-west-2`, naming the endpoint when boto3 is pointed elsewhere."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    return f"{action} {stack} in {region}" + (f" at {endpoint}" if endpoint else "")


def run_checklist(checks: Iterable[Check]) -> int:
    """Print each check as it completes; 1 if any failed."""
    failures = 0
    for check in checks:
        print(check.line(), flush=True)
        failures += not check.ok
    print(f"{failures} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


@dataclass(frozen=True)
class DeployConfig:
    """`sam deploy --config-env <env>` as samconfig.toml configures it."""

    env: str
    stack: str
    region: str
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    s3_bucket: str = ""
    resolve_s3: bool = False


def parse_parameter_overrides(value: str | list[str]) -> dict[str, str]:
    """SAM's `Key=Value Key2="value with spaces"` form (a list of such strings in samconfig is joined)."""
    text = " ".join(value) if isinstance(value, list) else value
    overrides = {}
    for item in shlex.split(text):
        key, equals, val = item.partition("=")
        if not equals or not key:
            raise ValueError(f"parameter override {item!r} is not Key=Value")
        overrides[key] = val
    return overrides


def deploy_config(env: str, path: Path = SAMCONFIG_PATH) -> DeployConfig:
    """The deploy settings of one samconfig.toml environment; like SAM, the deploy command's own table
    wins over the environment's global one."""
    config = tomllib.loads(path.read_text())
    if env not in config:
        raise ValueError(
            f"{path.name} has no [{env}] environment (has: {', '.join(k for k in config if k != 'version')})"
        )
    settings = {**config[env].get("global", {}).get("parameters", {}), **config[env]["deploy"]["parameters"]}
    return DeployConfig(
        env=env,
        stack=settings["stack_name"],
        region=settings["region"],
        parameter_overrides=parse_parameter_overrides(settings.get("parameter_overrides", "")),
        s3_bucket=settings.get("s3_bucket", ""),
        resolve_s3=bool(settings.get("resolve_s3", False)),
    )
