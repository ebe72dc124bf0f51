"""The stand-in for the Lambda python3.13 runtime that cold starts are measured in.

Lambda gives a handler sys.path = [/var/task (the function), /opt/python (the layer), /var/runtime
(the runtime's boto3)] + the standard library. A child interpreter started with `-I -S` has only
the standard library, so the bench adds exactly those three, nothing from any virtualenv:

  function  .aws-sam/build/<Function>/           as `sam build` left it
  layer     .local/bench-runtime/layer/          `sam build`'s layer, mirrored for this machine
  runtime   .local/bench-runtime/runtime/        boto3/botocore at the versions requirements-dev.lock.txt pins

Why a mirror of the layer: `sam build` targets arm64 (Graviton), so its cryptography and cffi are
aarch64 binaries this x86_64 machine cannot load. The mirror holds the same pinned distributions
installed for this machine, with every pure-Python package (hhl, the slimmed Powertools, ...) copied
from the build itself; `check_layer_mirror` proves
the distributions and versions match the built layer's, so only the CPU architecture differs.

Bytecode as it ships: Lambda's /opt and /var/task are read-only, so Python can never cache the
bytecode it compiles there; what is not shipped as .pyc is compiled again at every cold start. The
runtime's boto3 (and the standard library) ship compiled, so the stand-in is compiled once; the layer
mirror has .pyc files exactly when the built layer does; children run with -B so nothing is cached.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER_SOURCES = (ROOT / "layers" / "shared", ROOT / "layers" / "catalog")  # hhl, and the catalog's data
BUILD_DIR = ROOT / ".aws-sam" / "build"
BUILT_LAYER = BUILD_DIR / "SharedLayer" / "python"
BUILT_CATALOG_LAYER = BUILD_DIR / "CatalogLayer" / "python"  # data only: hhl_catalog's catalog.json
RUNTIME_ROOT = ROOT / ".local" / "bench-runtime"
LOCK_FILE = ROOT / "requirements-dev.lock.txt"
RUNTIME_PACKAGES = ("boto3", "botocore")
# The reference (bench/reference) is what a FastAPI + Mangum function would ship.
REFERENCE_PACKAGES = ("fastapi", "mangum")
# Powertools Tracer's X-Ray SDK, for the informational "floor + Tracer" subject.
TRACER_PACKAGES = ("aws-xray-sdk",)


class RuntimeUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Runtime:
    python: str
    runtime_dir: Path
    layer_dir: Path
    reference_dir: Path
    tracer_dir: Path

    def version(self) -> str:
        return subprocess.run([self.python, "-V"], capture_output=True, text=True, check=True).stdout.strip()


def find_python313() -> str:
    """Lambda's interpreter version: python3.13 on PATH, else pyenv's 3.13."""
    candidates = [shutil.which("python3.13")]
    if shutil.which("pyenv"):
        found = subprocess.run(
            ["pyenv", "which", "python3.13"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION", "3.13.0")},
        )
        candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-V"], capture_output=True).returncode == 0:
            return candidate
    raise RuntimeUnavailable("the bench needs python3.13 (Lambda's runtime): install it, e.g. `pyenv install 3.13`")


def _pip_install(python: str, target: Path, requirements: list[str]) -> None:
    """Install pinned requirements into `target` once; a stamp remembers what is there."""
    stamp_text = "\n".join([*requirements, hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()])
    stamp = target / ".bench-stamp"
    if stamp.exists() and stamp.read_text() == stamp_text:
        return
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    subprocess.run(
        [
            *(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"),
            *("--root-user-action=ignore", "--target", str(target), "-c", str(LOCK_FILE), *requirements),
        ],
        check=True,
    )
    stamp.write_text(stamp_text)


def _distributions(directory: Path) -> set[str]:
    return {p.name.lower().replace("-", "_") for p in directory.glob("*.dist-info")}


def check_layer_mirror(mirror: Path) -> None:
    built, mirrored = _distributions(BUILT_LAYER), _distributions(mirror)
    if built != mirrored:
        raise RuntimeUnavailable(f"layer mirror differs from the built layer: {sorted(built ^ mirrored)}")


def _copy_pure_python_from_build(mirror: Path) -> None:
    """Take every pure-Python package (hhl included) from the build itself, so what the build trims
    (layers/shared/Makefile `slim`) is what is measured; only the compiled ones stay this machine's."""
    for entry in BUILT_LAYER.iterdir():
        compiled = entry.suffix == ".so" or (entry.is_dir() and next(entry.rglob("*.so"), None) is not None)
        if compiled or entry.name == "__pycache__" or entry.name.endswith(".dist-info"):
            continue
        target = mirror / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(entry, target)


def _ships_bytecode(directory: Path) -> bool:
    return next(directory.rglob("*.pyc"), None) is not None


def _match_bytecode(python: str, mirror: Path) -> None:
    """Give `mirror` bytecode exactly when the built layer has some (unchecked-hash, as the build does)."""
    for cache in list(mirror.rglob("__pycache__")):
        shutil.rmtree(cache)
    if _ships_bytecode(BUILT_LAYER):
        subprocess.run(
            [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(mirror)],
            check=True,
        )


def prepare() -> Runtime:
    """Build (once) and refresh the bench's runtime directories; `sam build` must have run."""
    if not (BUILT_LAYER / "hhl").is_dir() or not (BUILT_CATALOG_LAYER / "hhl_catalog").is_dir():
        raise RuntimeUnavailable("no built layers in .aws-sam/build: run `make build` (or `make bench`)")
    python = find_python313()
    runtime_dir = RUNTIME_ROOT / "runtime"
    deps_dir = RUNTIME_ROOT / "layer"
    reference_dir = RUNTIME_ROOT / "reference"
    _pip_install(python, runtime_dir, [f"{name}" for name in RUNTIME_PACKAGES])
    if not _ships_bytecode(runtime_dir / "botocore"):  # Lambda's own boto3 is compiled
        subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(runtime_dir)], check=True)
    layer_requirements = [
        line.strip()
        for line in (BUILT_LAYER / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    _pip_install(python, deps_dir, layer_requirements)
    _copy_pure_python_from_build(deps_dir)
    # Lambda merges every layer into /opt/python; the catalog layer's package joins the shared layer's there.
    shutil.copytree(BUILT_CATALOG_LAYER / "hhl_catalog", deps_dir / "hhl_catalog", dirs_exist_ok=True)
    check_layer_mirror(deps_dir)
    _match_bytecode(python, deps_dir)
    _pip_install(python, reference_dir, list(REFERENCE_PACKAGES))
    tracer_dir = RUNTIME_ROOT / "tracer"
    _pip_install(python, tracer_dir, [*TRACER_PACKAGES, "--no-deps", "wrapt"])
    # The reference points would ship their libraries the way our layer does, so they get its bytecode policy.
    for directory in (reference_dir, tracer_dir):
        _match_bytecode(python, directory)
    return Runtime(python, runtime_dir, deps_dir, reference_dir, tracer_dir)


def put_layers_on_path() -> None:
    """The layers' packages (hhl, the catalog) importable in this process, as /opt/python is in Lambda."""
    for layer in LAYER_SOURCES:
        if str(layer) not in sys.path:
            sys.path.insert(0, str(layer))
