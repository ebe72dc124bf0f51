"""GET /auth/me: the signed-in learner's profile."""

from __future__ import annotations

from hhl.auth.request_auth import authenticate
from hhl.config import settings
from hhl.http import NotFound, endpoint, json_response
from hhl.storage import users

settings()
PRIVATE_HEADERS = {"cache-control": "no-store, private"}


@endpoint
def handler(event: dict, context) -> dict:
    identity = authenticate(event)
    user = users.get_user(identity.user_id)
    if user is None:
        raise NotFound("User not found")
    return json_response(200, user, headers=PRIVATE_HEADERS)
