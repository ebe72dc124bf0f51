"""Operator tools, run from the repository root as `python -m tools.<name>` (see the Makefile)."""

import sys
from pathlib import Path

# The shared layer's `hhl` package and the catalog layer's `hhl_catalog`, importable as they are in Lambda
# (pytest gets them from pyproject's pythonpath).
for _layer in ("catalog", "shared"):
    _LAYER_DIR = str(Path(__file__).resolve().parent.parent / "layers" / _layer)
    if _LAYER_DIR not in sys.path:
        sys.path.insert(0, _LAYER_DIR)
