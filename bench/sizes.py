"""Deployment artifact sizes, from what `sam build` left in .aws-sam/build."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from bench.runtime import BUILT_LAYER

SITE_CLIENT = Path(__file__).resolve().parents[1] / "site" / "hhl.js"


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())  # shipped bytecode counts too


def zipped_bytes(directory: Path) -> int:
    """The size of the zip `sam deploy` would upload for this directory (deflate, like `sam package`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(directory):
            archive.write(path, path.relative_to(directory))
    return buffer.tell()


def unzipped_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in _files(directory))


def layer_unzipped_bytes() -> int:
    """The arm64 layer as built (its python/ folder is what lands in /opt/python)."""
    return unzipped_bytes(BUILT_LAYER)


def layer_largest(count: int = 3) -> dict[str, int]:
    """The layer's biggest top-level entries: where its size comes from."""
    sizes = {
        entry.name: unzipped_bytes(entry) if entry.is_dir() else entry.stat().st_size
        for entry in BUILT_LAYER.iterdir()
        if not entry.name.endswith(".dist-info")
    }
    return dict(sorted(sizes.items(), key=lambda item: -item[1])[:count])


def site_client() -> dict[str, int]:
    """site/hhl.js as HubSpot's file manager serves it: the file, and gzipped as its CDN sends it; {} when absent."""
    if not SITE_CLIENT.is_file():
        return {}
    data = SITE_CLIENT.read_bytes()
    return {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, compresslevel=9))}
