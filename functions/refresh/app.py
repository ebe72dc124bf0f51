"""POST /auth/refresh: fresh access and refresh cookies from the refresh cookie (rotation); when the session
has ended or its refresh token is refused, 401 session_ended and both cookies cleared."""

from __future__ import annotations

from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, REFRESH_COOKIE, clear_session_cookies, session_cookies
from hhl.auth.refresh import refresh_session
from hhl.auth.request_auth import SessionEnded, check_cross_site_request
from hhl.config import settings
from hhl.http import endpoint, error_response_for, json_response

settings()


@endpoint
def handler(event: dict, context) -> dict:
    check_cross_site_request(event)
    try:
        refreshed = refresh_session(session_cookies(event).get(REFRESH_COOKIE))
    except SessionEnded as exc:
        return {**error_response_for(exc, AUTH_RESPONSE_HEADERS), "cookies": clear_session_cookies()}
    return json_response(
        200, {"expiresIn": refreshed.expires_in}, headers=AUTH_RESPONSE_HEADERS, cookies=refreshed.cookies
    )
