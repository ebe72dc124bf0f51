"""POST /auth/refresh: a fresh access cookie from the refresh cookie; on refusal both cookies are cleared."""

from __future__ import annotations

from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, REFRESH_COOKIE, clear_session_cookies, session_cookies
from hhl.auth.request_auth import check_cross_site_request
from hhl.auth.token_exchange import RefreshRefused, refresh_access_cookie
from hhl.config import settings
from hhl.http import endpoint, error_response_for, json_response

settings()


@endpoint
def handler(event: dict, context) -> dict:
    check_cross_site_request(event)
    try:
        access_cookie, lifetime = refresh_access_cookie(session_cookies(event).get(REFRESH_COOKIE))
    except RefreshRefused as exc:
        return {**error_response_for(exc, AUTH_RESPONSE_HEADERS), "cookies": clear_session_cookies()}
    return json_response(200, {"expiresIn": lifetime}, headers=AUTH_RESPONSE_HEADERS, cookies=[access_cookie])
