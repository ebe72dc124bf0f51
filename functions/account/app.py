"""The learner's own data: GET /auth/me/export (download everything), DELETE /auth/me (erase the account)."""

from __future__ import annotations

import time

from hhl.auth.cookies import clear_session_cookies
from hhl.auth.cross_site import check_origin
from hhl.auth.recent_sign_in import require_recent_sign_in
from hhl.auth.request_auth import authenticate
from hhl.config import settings
from hhl.http import json_response, routed_endpoint
from hhl.learning import PRIVATE_RESPONSE_HEADERS, account
from hhl.timestamps import utc_now, utc_timestamp

settings()  # fail the container's init, not a request, when configuration is missing

EXPORT_FILENAME = "hedgehog-learn-my-data.json"


def export_my_data(event: dict) -> dict:
    identity = authenticate(event)
    document = account.export_document(identity.user_id, utc_timestamp(utc_now()))
    headers = {**PRIVATE_RESPONSE_HEADERS, "content-disposition": f'attachment; filename="{EXPORT_FILENAME}"'}
    return json_response(200, document, headers=headers)


def delete_my_account(event: dict) -> dict:
    identity = authenticate(event)
    check_origin(event)  # a site page's request only, whether the token rides in the cookie or a header
    require_recent_sign_in(identity.claims, time.time())
    erasure = account.erase_learner(identity.user_id, utc_timestamp(utc_now()))
    # 202: recorded, and the erasure function finishes the pending steps (the HubSpot contact) on its own.
    status = 200 if erasure.as_json()["erased"] else 202
    return json_response(status, erasure.as_json(), headers=PRIVATE_RESPONSE_HEADERS, cookies=clear_session_cookies())


ROUTES = {
    "GET /auth/me/export": export_my_data,
    "DELETE /auth/me": delete_my_account,
}

handler = routed_endpoint(ROUTES)
