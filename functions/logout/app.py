"""GET or POST /auth/logout: end the session everywhere, revoke the refresh token, clear the cookies, end the
hosted UI session.

Only for our own pages (logout CSRF): a POST needs an allowed Origin (else 403), a GET must be a same-site
navigation from an allowed page (hhl/auth/cross_site.py). A GET from another site is sent on to the site
page it asked for (`return_to`, or the theme's `redirect_url`) with nothing cleared, revoked or ended.
Never imports boto3 (tests check).
"""

from __future__ import annotations

from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, clear_session_cookies, session_cookies
from hhl.auth.cross_site import check_origin, is_same_site_navigation
from hhl.auth.hosted_ui import logout_url
from hhl.auth.redirects import requested_return_to
from hhl.auth.sign_out import sign_out
from hhl.config import settings
from hhl.http import endpoint, query_params, redirect

settings()


@endpoint
def handler(event: dict, context) -> dict:
    if event["requestContext"]["http"]["method"] == "POST":
        check_origin(event)
    elif not is_same_site_navigation(event):
        return redirect(settings().site_base_url + requested_return_to(query_params(event)), [], AUTH_RESPONSE_HEADERS)
    sign_out(session_cookies(event))  # best effort: the cookies are cleared and the hosted UI signed out regardless
    return redirect(logout_url(), cookies=clear_session_cookies(), headers=AUTH_RESPONSE_HEADERS)
