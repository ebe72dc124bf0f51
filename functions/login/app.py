"""GET /auth/login?return_to=<path> (or the theme's `redirect_url=<path>`): start a sign-in at the hosted UI.

`prompt=login` (the only value honoured) forces a fresh sign-in, as the site client asks before erasing an account.

The new transaction joins this browser's others in the login cookie, so two tabs can sign in at once.
Never imports boto3 (tests check): this is the first request of every sign-in, so its cold start counts.
"""

from __future__ import annotations

from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, LOGIN_COOKIE, login_cookie, session_cookies
from hhl.auth.hosted_ui import authorize_url
from hhl.auth.redirects import requested_return_to
from hhl.auth.transaction import LoginTransaction, add
from hhl.config import settings
from hhl.http import endpoint, query_params, redirect
from hhl.secret_store import jwt_secret

settings()  # configuration at init; the secret is read inside the request (hhl.secret_store says why)


@endpoint
def handler(event: dict, context) -> dict:
    params = query_params(event)
    transaction = LoginTransaction.begin(requested_return_to(params))
    sealed = add(session_cookies(event).get(LOGIN_COOKIE), transaction, jwt_secret())
    return redirect(
        authorize_url(
            transaction.state, transaction.nonce, transaction.code_challenge, params.get("prompt") == "login"
        ),
        cookies=[login_cookie(sealed)],
        headers=AUTH_RESPONSE_HEADERS,
    )
