"""Telling our own pages' requests from other sites': Origin for writes, Fetch Metadata for navigations.

Kept apart from request_auth so /auth/logout can use it without loading the token verifier (its cold start).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping

from hhl.config import settings
from hhl.http import Forbidden, header

SAME_SITE_FETCHES = frozenset({"same-origin", "same-site", "none"})


class OriginNotAllowed(Forbidden):
    def __init__(self) -> None:
        super().__init__("Forbidden: Origin not allowed")


def check_origin(event: Mapping) -> None:
    """403 unless the request's Origin is an allowed one. Browsers send Origin on every POST/PUT/PATCH/DELETE,
    so a missing one is refused too."""
    origin = (header(event, "origin") or "").rstrip("/")
    if origin not in settings().allowed_origins:
        raise OriginNotAllowed()


def is_same_site_navigation(event: Mapping) -> bool:
    """Whether a GET was started by the learner or one of our pages, not by another site.

    `Sec-Fetch-Site` decides when present (every current browser sends it; a page cannot forge it):
    same-origin, same-site and none (typed, bookmarked) count. A browser too old to send it (Safari before
    16.4, Firefox before 90) still sends a Referer with its default policy, so then the Referer's origin must
    be an allowed origin. With neither header the request proves nothing — another site can suppress the
    Referer — and it does not count.
    """
    fetch_site = header(event, "sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() in SAME_SITE_FETCHES
    referer = urllib.parse.urlsplit(header(event, "referer") or "")
    return bool(referer.scheme and referer.netloc) and (
        f"{referer.scheme}://{referer.netloc}" in settings().allowed_origins
    )
