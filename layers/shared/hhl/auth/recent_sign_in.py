"""A destructive request needs a recent sign-in: the access token's auth_time at most 10 minutes old.

A stolen session cookie or a device left signed in must not be enough to erase an account; the site
client answers reauthentication_required by sending the learner through the hosted UI again.
The local stack may shorten the window with HHL_RECENT_SIGN_IN_SECONDS (honoured only at
APP_STAGE=local), so a test can make a sign-in stale without waiting ten minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hhl.config import local_seconds
from hhl.http import Forbidden

RECENT_SIGN_IN_SECONDS = 600
LOCAL_WINDOW_VARIABLE = "HHL_RECENT_SIGN_IN_SECONDS"


class ReauthenticationRequired(Forbidden):
    def __init__(self) -> None:
        super().__init__("reauthentication_required")


def window_seconds() -> int:
    return local_seconds(LOCAL_WINDOW_VARIABLE, RECENT_SIGN_IN_SECONDS)


def require_recent_sign_in(claims: Mapping[str, Any], now: float) -> None:
    """403 reauthentication_required unless the token says the learner signed in within the window."""
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, bool) or not isinstance(auth_time, int | float):
        raise ReauthenticationRequired()
    if now - auth_time > window_seconds():
        raise ReauthenticationRequired()
