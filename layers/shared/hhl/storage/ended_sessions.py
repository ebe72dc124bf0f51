"""Ended-sessions table: one item per signed-out session, so every container can refuse its tokens (read with the
erasures table by hhl.storage.refused_sessions).

Key: userId (partition, the Cognito `sub`), sessionId (sort, the sign-in's `origin_jti`, shared by every
token issued or refreshed from that sign-in). Attributes: endedAt (UTC ISO-8601), expiresAt (epoch
seconds, the table's TTL: by then no token of the session can still be valid).
"""

from __future__ import annotations

import time

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call
from hhl.timestamps import utc_now, utc_timestamp

# A refresh token lives 30 days (template.yaml, RefreshTokenValidity): after that no token of the session
# can be minted or still be valid, so the marker can go.
KEEP_SECONDS = 30 * 24 * 3600


def record_ended(user_id: str, session_id: str) -> None:
    """Mark the session ended (idempotent: a second sign-out of the same session only moves endedAt)."""
    with dynamodb_call("PutItem ended-sessions"):
        client().put_item(
            TableName=settings().tables.ended_sessions,
            Item={
                "userId": {"S": user_id},
                "sessionId": {"S": session_id},
                "endedAt": {"S": utc_timestamp(utc_now())},
                "expiresAt": {"N": str(int(time.time()) + KEEP_SECONDS)},
            },
        )
