"""`make dev` says which Python it needs and rebuilds a .venv an older interpreter made (the Makefile's
python-check, run for real with make against a real old interpreter)."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from kit.template import ROOT

OLD_PYTHONS = [*sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.[89]*/bin/python3"))), "python3.10", "python3.9"]


def old_python() -> str:
    for candidate in OLD_PYTHONS:
        found = shutil.which(candidate)
        if found and subprocess.run([found, "-c", "pass"], capture_output=True, timeout=30).returncode == 0:
            return found
    pytest.skip("no Python older than 3.11 on this machine to build a wrong .venv with")


def make(*args: str) -> subprocess.CompletedProcess:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_an_old_python_is_refused_with_the_version_it_needs():
    result = make("python-check", f"PYTHON={old_python()}")
    assert result.returncode != 0
    assert "make dev needs Python >= 3.11" in result.stderr and "is Python 3." in result.stderr


def test_a_venv_made_by_an_old_python_is_rebuilt(tmp_path):
    wrong = tmp_path / ".venv"
    subprocess.run([old_python(), "-m", "venv", "--without-pip", str(wrong)], check=True, timeout=60)
    result = make("python-check", f"VENV={wrong}", f"PYTHON={sys.executable}")
    assert result.returncode == 0, result.stderr
    assert f"{wrong} was made by Python 3." in result.stdout and "rebuilding it" in result.stdout
    assert not wrong.exists()


def test_a_good_venv_is_kept(tmp_path):
    good = tmp_path / ".venv"
    venv.create(good, with_pip=False, symlinks=True)
    result = make("python-check", f"VENV={good}", f"PYTHON={sys.executable}")
    assert result.returncode == 0, result.stderr
    assert "rebuilding" not in result.stdout
    assert (good / "bin" / "python").exists()
