"""Telling our own pages' requests from other sites': Origin for writes, Fetch Metadata for navigations.

Kept apart from request_auth so /auth/logout can use it without loading the token verifier (its cold start).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping

from hhl.config import settings
from hhl.http import Forbidden, header

# Fetch Metadata values that prove a navigation came from the API's own origin or from the learner.
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


class OriginNotAllowed(Forbidden):
    def __init__(self) -> None:
        super().__init__("Forbidden: Origin not allowed")


def check_origin(event: Mapping) -> None:
    """403 unless the request's Origin is an allowed one. Browsers send Origin on every POST/PUT/PATCH/DELETE,
    so a missing one is refused too. Compared exactly: a browser's Origin never ends in a slash, so one that
    does was not sent by a browser on an allowed page."""
    if header(event, "origin") not in settings().allowed_origins:
        raise OriginNotAllowed()


def is_same_site_navigation(event: Mapping) -> bool:
    """Whether a GET was started by the learner or one of our pages, not by another site.

    `Sec-Fetch-Site` decides when present (every current browser sends it; a page cannot forge it):
    same-origin and none (typed, bookmarked) count. `same-site` counts only with a Referer whose origin is
    an allowed one: every host under the site's registrable domain is same-site, and a page on any other
    subdomain must not be able to sign the learner out. A browser too old to send Fetch Metadata (Safari
    before 16.4, Firefox before 90) still sends a Referer with its default policy, so then the Referer's
    origin must be an allowed origin. Without either the request proves nothing — another site can
    suppress the Referer — and it does not count.
    """
    fetch_site = header(event, "sec-fetch-site")
    if fetch_site is not None:
        fetch_site = fetch_site.strip().lower()
        if fetch_site != "same-site":
            return fetch_site in TRUSTED_FETCH_SITES
    return _referer_is_allowed(event)


def _referer_is_allowed(event: Mapping) -> bool:
    referer = urllib.parse.urlsplit(header(event, "referer") or "")
    return bool(referer.scheme and referer.netloc) and (
        f"{referer.scheme}://{referer.netloc}" in settings().allowed_origins
    )
