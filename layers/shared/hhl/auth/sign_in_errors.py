"""What a person sees when a sign-in fails in their browser: the site again, told why in one documented code.

`/auth/callback` is reached by a top-level navigation (the hosted UI redirects the browser), so a JSON
error there strands the learner on a blank API page. A browser navigation is therefore redirected back to
the site — the transaction's return_to when the transaction is known, else SiteBaseUrl/learn — with
`?auth_error=<code>`; the site client turns the code into plain words and a "Sign in again" action.
API clients (scripts, tests, a `fetch` that asks for JSON) keep the JSON error and its status.

A request is a browser navigation when it says so: `Sec-Fetch-Mode: navigate` (every current browser
sends it on navigations, and `fetch` can never set it), or, from a browser too old for Fetch Metadata,
an `Accept` that lists `text/html`. An explicit `Accept: application/json` always gets JSON.

Outages (Cognito or its JWKS unreachable or failing, DynamoDB down) stay 502/503 JSON whatever the client:
they are ours to fix, and the 5xx is what pages on-call.

- `session_expired`: no login transaction of this browser for the callback (expired, missing, cookies
  blocked, a stale or reloaded callback page);
- `access_denied`: the learner cancelled, or was refused, at the hosted UI;
- `sign_in_failed`: Cognito refused the code (invalid_grant), the tokens failed a check, another hosted-UI error;
- `service_unavailable`: the hosted UI itself reported server_error or temporarily_unavailable.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping

from hhl.auth.redirects import DEFAULT_RETURN_TO
from hhl.config import settings
from hhl.http import BadRequest, HttpError, header

SESSION_EXPIRED = "session_expired"
ACCESS_DENIED = "access_denied"
SIGN_IN_FAILED = "sign_in_failed"
SERVICE_UNAVAILABLE = "service_unavailable"

_HOSTED_UI_ERRORS = {
    "access_denied": ACCESS_DENIED,
    "server_error": SERVICE_UNAVAILABLE,
    "temporarily_unavailable": SERVICE_UNAVAILABLE,
}
_OAUTH_ERROR_CODE = re.compile(r"[a-z_]{1,64}")


class HostedUiError(BadRequest):
    """The hosted UI came back with `error=` instead of a code (RFC 6749 §4.1.2.1)."""

    def __init__(self, oauth_error: str) -> None:
        shown = oauth_error if _OAUTH_ERROR_CODE.fullmatch(oauth_error) else "unknown_error"  # never reflect input
        super().__init__(f"Sign-in was not completed at the hosted UI ({shown})")
        self.auth_error = _HOSTED_UI_ERRORS.get(shown, SIGN_IN_FAILED)


def is_browser_navigation(event: Mapping) -> bool:
    accept = (header(event, "accept") or "").lower()
    if "application/json" in accept and "text/html" not in accept:
        return False
    mode = header(event, "sec-fetch-mode")
    if mode:
        return mode.strip().lower() == "navigate"
    return "text/html" in accept


def auth_error_code(exc: HttpError) -> str:
    """The documented code for a sign-in failure; anything without its own code is sign_in_failed."""
    return getattr(exc, "auth_error", SIGN_IN_FAILED)


def site_error_url(return_to: str | None, code: str) -> str:
    """SiteBaseUrl + return_to (an allow-listed path) with `auth_error=code` added to its query."""
    path, _, fragment = (return_to or DEFAULT_RETURN_TO).partition("#")
    path, _, query = path.partition("?")
    # The path's own query is kept byte for byte (it passed the allow-list as sent); a stale code is replaced.
    kept = [part for part in query.split("&") if part and not part.startswith("auth_error=")]
    query = "&".join([*kept, urllib.parse.urlencode({"auth_error": code})])
    return f"{settings().site_base_url}{path}?{query}" + (f"#{fragment}" if fragment else "")
