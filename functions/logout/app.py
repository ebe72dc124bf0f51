"""GET or POST /auth/logout: revoke the refresh token, clear the cookies, end the hosted UI session.

Never imports boto3 (tests check).
"""

from __future__ import annotations

from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, REFRESH_COOKIE, clear_session_cookies, session_cookies
from hhl.auth.oauth import logout_url, revoke
from hhl.config import settings
from hhl.http import endpoint, redirect

settings()


@endpoint
def handler(event: dict, context) -> dict:
    refresh_token = session_cookies(event).get(REFRESH_COOKIE)
    if refresh_token:
        revoke(refresh_token)  # best effort: the cookies are cleared and the hosted UI signed out regardless
    return redirect(logout_url(), cookies=clear_session_cookies(), headers=AUTH_RESPONSE_HEADERS)
