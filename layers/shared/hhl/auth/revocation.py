"""Sign-out and erasure reach every container: a session signed out, or of a learner who asked to be erased,
is refused everywhere within 30 s.

Cognito's access tokens are JWTs verified offline, so revoking the refresh token at sign-out (or deleting the
Cognito user at erasure) leaves every access token already issued valid until it expires (15 min). A session
is one sign-in: every token issued for it, and every token refreshed from it, carries the same `origin_jti`.
Sign-out records that session as ended (hhl.storage.ended_sessions), an erasure records the learner in the
erasures table; `authenticate` refuses the tokens of either with 401 `session_ended`: only a new sign-in helps.

Each container remembers what it last read about a session: "ended" for good, "live" for at most
RECHECK_SECONDS. Reading is one BatchGetItem of both tables (hhl.storage.refused_sessions). So a warm request
of a session checked in the last 30 s makes no DynamoDB call, and a session signed out or erased elsewhere is
refused by every container at most 30 s later.

The refresh cookie names its session too (hhl.auth.refresh_cookie), so a refused refresh token can still end
the right session.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import OrderedDict
from collections.abc import Callable

from hhl.auth.refresh_cookie import Session, session_of
from hhl.auth.refusals import SessionEnded
from hhl.storage.ended_sessions import record_ended
from hhl.storage.refused_sessions import ended_or_erased

__all__ = ["RECHECK_SECONDS", "EndedSessions", "Session", "ended_sessions", "session_of"]

RECHECK_SECONDS = 30.0
REMEMBERED_SESSIONS = 4096


class EndedSessions:
    """This container's view of the ended-sessions and erasures tables."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        # session -> (ended, read at). An OrderedDict for the atomic popitem (the local stack uses threads).
        self._known: OrderedDict[Session, tuple[bool, float]] = OrderedDict()

    def ensure_live(self, session: Session) -> None:
        """SessionEnded (401) if the session was signed out or its learner erased; reads at most every
        RECHECK_SECONDS (one BatchGetItem), StorageUnavailable (503) if that read fails."""
        now = self._clock()
        known = self._known.get(session)
        if known is not None:
            ended, read_at = known
            if ended:
                raise SessionEnded()
            if 0 <= now - read_at < RECHECK_SECONDS:
                return
        ended = ended_or_erased(session.user_id, session.session_id)
        self._remember(session, ended, now)
        if ended:
            raise SessionEnded()

    def end(self, session: Session) -> None:
        record_ended(session.user_id, session.session_id)
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
