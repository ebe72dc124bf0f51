"""Operator tools, run from the repository root as `python -m tools.<name>` (see the Makefile)."""

import sys
from pathlib import Path

# The shared layer's `hhl` package, importable as it is in Lambda (pytest gets it from pyproject's pythonpath).
_LAYER_DIR = str(Path(__file__).resolve().parent.parent / "layers" / "shared")
if _LAYER_DIR not in sys.path:
    sys.path.insert(0, _LAYER_DIR)
