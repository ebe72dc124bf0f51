"""GET /auth/login?return_to=<path>: start a sign-in at the Cognito hosted UI.

Never imports boto3 (tests check): this is the first request of every sign-in, so its cold start counts.
"""

from __future__ import annotations

from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, login_cookie
from hhl.auth.oauth import authorize_url
from hhl.auth.redirects import safe_return_to
from hhl.auth.transaction import LoginTransaction, seal
from hhl.config import settings
from hhl.http import endpoint, query_params, redirect
from hhl.secret_store import jwt_secret

settings()
JWT_SECRET = jwt_secret()  # at init: a missing secret fails the deployment's first container, not a user's login


@endpoint
def handler(event: dict, context) -> dict:
    transaction = LoginTransaction.begin(safe_return_to(query_params(event).get("return_to")))
    return redirect(
        authorize_url(transaction.state, transaction.nonce, transaction.code_challenge),
        cookies=[login_cookie(seal(transaction, JWT_SECRET))],
        headers=AUTH_RESPONSE_HEADERS,
    )
