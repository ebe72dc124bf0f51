"""GET or POST /auth/logout: revoke the refresh token, clear the cookies, end the hosted UI session.

Never imports boto3 (tests check).
"""

from __future__ import annotations

from hhl.auth.cookies import REFRESH_COOKIE, clear_session_cookies
from hhl.auth.oauth import logout_url
from hhl.auth.session import AUTH_RESPONSE_HEADERS, end_session
from hhl.config import settings
from hhl.http import endpoint, redirect, request_cookies

settings()


@endpoint
def handler(event: dict, context) -> dict:
    end_session(request_cookies(event).get(REFRESH_COOKIE))
    return redirect(logout_url(), cookies=clear_session_cookies(), headers=AUTH_RESPONSE_HEADERS)
