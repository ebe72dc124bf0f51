"""Point the container's catalog (hhl.learning.catalog) at a test's own compiled catalog directory.

The catalog module reads HHL_CATALOG_DIR at APP_STAGE=local (the unit tests' stage), as the local stack does;
these helpers set it for one test and drop every cached copy, so the next use reloads (the `serve_catalog`
fixture of tests/conftest.py drops them again after the test).
"""

from __future__ import annotations

import json
from pathlib import Path

from hhl.learning import catalog as catalog_module

NO_QUIZZES = {"quizzes": {}}
# The test content tree, in the site's layout: compile it with tools.content_catalog (or `make catalog`).
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


def forget_loaded_catalog() -> None:
    for cached in (catalog_module.catalog, catalog_module.answer_keys, catalog_module.published_catalog):
        cached.cache_clear()


def use_catalog_dir(directory: Path, monkeypatch) -> None:
    """Serve the compiled catalog.json and answer_keys.json in `directory` for this test."""
    monkeypatch.setenv(catalog_module.CATALOG_DIR_VARIABLE, str(directory))
    forget_loaded_catalog()


def write_catalog(directory: Path, data: dict, answer_keys: dict | None = None) -> Path:
    """Write `data` (and the answer keys, none by default) as a compiled catalog directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / catalog_module.CATALOG_FILE).write_text(json.dumps(data))
    (directory / catalog_module.ANSWER_KEYS_FILE).write_text(json.dumps(answer_keys or NO_QUIZZES))
    return directory
