"""`make verify` and `make preflight` run from their own venv (.venv-tools, tools/requirements.txt), not the dev
toolchain: these tests check that venv holds everything the two commands import, pinned to the versions the
tests run with, and nothing the commands do not need."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys

import pytest
from packaging.requirements import Requirement

from kit.template import ROOT

REQUIREMENTS = ROOT / "tools" / "requirements.txt"
COMMANDS = ("tools.verify", "tools.preflight")


def pins(path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {
        re.sub(r"[-_.]+", "-", name).lower(): version
        for name, _, version in (line.partition("==") for line in lines if line)
    }


def project_module_file(module: str):
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def third_party_imports(modules: tuple[str, ...]) -> set[str]:
    """Top-level names of every non-project, non-stdlib module the commands import, following the project's
    own modules (tools.*, local.*) transitively."""
    seen, pending, found = set(), list(modules), set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        for node in ast.walk(ast.parse(project_module_file(module).read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if project_module_file(name):
                    pending.append(name)
                elif name.split(".")[0] not in sys.stdlib_module_names and not project_module_file(name.split(".")[0]):
                    found.add(name.split(".")[0])
    return found


def distributions_needed(top_level: set[str]) -> set[str]:
    """The installed distributions providing those modules, with everything they require (installed)."""
    providers = importlib.metadata.packages_distributions()
    needed, pending = set(), [dist for name in top_level for dist in providers[name]]
    while pending:
        name = re.sub(r"[-_.]+", "-", pending.pop()).lower()
        if name in needed:
            continue
        needed.add(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            # Extras and other interpreters' dependencies are not installed with it.
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return needed


def test_the_commands_import_nothing_their_venv_lacks():
    imported = third_party_imports(COMMANDS)
    assert {"boto3", "botocore", "cfnlint"} <= imported  # the scan sees through tools.* and local.*
    missing = distributions_needed(imported) - set(pins(REQUIREMENTS))
    assert not missing, f"add to tools/requirements.txt: {sorted(missing)}"


def test_the_venv_holds_only_what_the_commands_need():
    extra = set(pins(REQUIREMENTS)) - distributions_needed(third_party_imports(COMMANDS))
    assert not extra, f"not needed by make verify / make preflight: {sorted(extra)}"


@pytest.mark.parametrize("name,version", sorted(pins(REQUIREMENTS).items()))
def test_each_pin_is_the_version_the_tests_run(name, version):
    assert pins(ROOT / "requirements-dev.lock.txt").get(name) == version, name
