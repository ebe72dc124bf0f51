"""Sign-out reaches every container: a signed-out session's tokens are refused everywhere within 30 s.

Cognito's access tokens are JWTs verified offline, so revoking the refresh token at sign-out leaves every
access token already issued valid until it expires. A session is one sign-in: every token issued for it,
and every token refreshed from it, carries the same `origin_jti`. Sign-out records that session as ended
(hhl.storage.ended_sessions); `authenticate` refuses its tokens.

Each container remembers what it last read about a session: "ended" for good, "live" for at most
RECHECK_SECONDS. So a warm request of a session checked in the last 30 s makes no DynamoDB call, and a
session signed out elsewhere is refused by every container at most 30 s later.

The refresh cookie names its session too (hhl.auth.refresh_cookie), so a refused refresh token and a
sign-out without a live access cookie can still end the right session.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import OrderedDict
from collections.abc import Callable

from hhl.auth.refresh_cookie import Session, session_of
from hhl.auth.refusals import SessionEnded
from hhl.storage import ended_sessions as storage

__all__ = ["RECHECK_SECONDS", "EndedSessions", "Session", "ended_sessions", "session_of"]

RECHECK_SECONDS = 30.0
REMEMBERED_SESSIONS = 4096


class EndedSessions:
    """This container's view of the ended-sessions table."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        # session -> (ended, read at). An OrderedDict for the atomic popitem (the local stack uses threads).
        self._known: OrderedDict[Session, tuple[bool, float]] = OrderedDict()

    def ensure_live(self, session: Session) -> None:
        """SessionEnded (401) if the session was signed out; reads the table at most every RECHECK_SECONDS."""
        now = self._clock()
        known = self._known.get(session)
        if known is not None:
            ended, read_at = known
            if ended:
                raise SessionEnded()
            if 0 <= now - read_at < RECHECK_SECONDS:
                return
        ended = storage.is_ended(session.user_id, session.session_id)
        self._remember(session, ended, now)
        if ended:
            raise SessionEnded()

    def end(self, session: Session) -> None:
        storage.record_ended(session.user_id, session.session_id)
        self._remember(session, True, self._clock())

    def _remember(self, session: Session, ended: bool, now: float) -> None:
        self._known.pop(session, None)
        while len(self._known) >= REMEMBERED_SESSIONS:
            with contextlib.suppress(KeyError):  # another thread emptied it first
                self._known.popitem(last=False)
        self._known[session] = (ended, now)


@functools.cache
def ended_sessions() -> EndedSessions:
    return EndedSessions()
