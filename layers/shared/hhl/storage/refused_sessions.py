"""Whether a session's tokens must be refused: its sign-in was signed out, or its learner asked to be erased.

Two tables answer (ended-sessions by userId + sessionId, erasures by learnerId), read together in one strongly
consistent BatchGetItem of the keys only, so the revocation check (hhl.auth.revocation) costs one call however
many reasons there are. Its own module, not ended_sessions.py: sign-out only writes that table, and the logout
function's policy must not have to grant reading the erasures table.
"""

from __future__ import annotations

from hhl.config import settings
from hhl.storage.dynamodb import batch_get


def ended_or_erased(user_id: str, session_id: str) -> bool:
    """True if the session was signed out or the learner has an erasure request (pending or complete).

    One BatchGetItem (keys only, ConsistentRead); unprocessed keys are asked for again, and raise
    StorageUnavailable (a 503) rather than count as absent.
    """
    request = {
        settings().tables.ended_sessions: {
            "Keys": [{"userId": {"S": user_id}, "sessionId": {"S": session_id}}],
            "ConsistentRead": True,
            "ProjectionExpression": "userId",
        },
        settings().tables.erasures: {
            "Keys": [{"learnerId": {"S": user_id}}],
            "ConsistentRead": True,
            "ProjectionExpression": "learnerId",
        },
    }
    found = batch_get("BatchGetItem ended-sessions, erasures", request)
    return any(found.values())
