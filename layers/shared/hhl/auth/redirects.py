"""return_to validation: after sign-in we only ever redirect to a path on our own site.

Hand-written because no maintained library checks "same-site relative path" the way a browser will
interpret it: browsers treat `\\` as `/`, strip tabs and newlines from URLs, and a path that starts
with `//` is a network-path reference to another host. Values are percent-decoded repeatedly
so `%2F%2Fevil.example` or `%252F%252F...` cannot smuggle those shapes past the checks.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping

DEFAULT_RETURN_TO = "/learn"
MAX_RETURN_TO_LENGTH = 512
_MAX_DECODE_ROUNDS = 5
# As sent, visible ASCII only: control characters, spaces and non-ASCII look-alikes of "/" have no place in
# a path we redirect to (legitimate ones arrive percent-encoded). Once decoded, control characters still may not.
_NOT_VISIBLE_ASCII = re.compile(r"[^\x21-\x7e]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def requested_return_to(query: Mapping[str, str]) -> str:
    """The allow-listed path a request asks to come back to: `return_to`, or the theme's `redirect_url` alias
    (return_to wins when both are sent; each goes through the same allow-list)."""
    return safe_return_to(query.get("return_to") or query.get("redirect_url"))


def safe_return_to(value: str | None) -> str:
    """`value` if it is a same-site relative path, else /learn."""
    if not value or len(value) > MAX_RETURN_TO_LENGTH or _NOT_VISIBLE_ASCII.search(value):
        return DEFAULT_RETURN_TO
    decoded = value
    for _ in range(_MAX_DECODE_ROUNDS):
        if not _is_safe_path(decoded):
            return DEFAULT_RETURN_TO
        next_round = urllib.parse.unquote(decoded)
        if next_round == decoded:
            return value
        decoded = next_round
    return DEFAULT_RETURN_TO  # still changing after several decodes: nobody legitimate nests encodings that deep


def _is_safe_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith(("//", "/\\")):
        return False
    if "\\" in path or _CONTROL_CHARACTERS.search(path):
        return False
    parts = urllib.parse.urlsplit(path)
    return not parts.scheme and not parts.netloc
