"""Ended-sessions table: one item per signed-out session, so every container can refuse its tokens (read with the
erasures table by hhl.storage.refused_sessions).

Key: userId (partition, the Cognito `sub`), sessionId (sort, the sign-in's `origin_jti`, shared by every
token issued or refreshed from that sign-in). Attributes: endedAt (UTC ISO-8601), expiresAt (epoch
seconds, the table's TTL: by then no token of the session can still be valid).

A marker is written only while the learner has no erasure request (one transaction with a ConditionCheck on the
erasures table): signing out a session of an erased learner, or refusing its refresh token, must not re-create a
row of theirs; their sessions are refused anyway (hhl.auth.revocation).
"""

from __future__ import annotations

import time

from hhl.config import settings
from hhl.storage.dynamodb import put_item_standing_on
from hhl.storage.errors import RowGone
from hhl.timestamps import utc_now, utc_timestamp

# A refresh token lives 30 days (template.yaml, RefreshTokenValidity): after that no token of the session
# can be minted or still be valid, so the marker can go.
KEEP_SECONDS = 30 * 24 * 3600


def record_ended(user_id: str, session_id: str) -> bool:
    """Mark the session ended (idempotent: a second sign-out of the same session only moves endedAt); False, and
    nothing written, when the learner has asked to be erased."""
    put = {
        "TableName": settings().tables.ended_sessions,
        "Item": {
            "userId": {"S": user_id},
            "sessionId": {"S": session_id},
            "endedAt": {"S": utc_timestamp(utc_now())},
            "expiresAt": {"N": str(int(time.time()) + KEEP_SECONDS)},
        },
    }
    not_erased = {
        "TableName": settings().tables.erasures,
        "Key": {"learnerId": {"S": user_id}},
        "ConditionExpression": "attribute_not_exists(learnerId)",
    }
    try:
        put_item_standing_on("TransactWriteItems ended-sessions", put, not_erased)
    except RowGone:  # the condition failed: the learner's erasure request is there
        return False
    return True
