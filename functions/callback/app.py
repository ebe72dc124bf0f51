"""GET /auth/callback?code&state: finish the sign-in the hosted UI redirected back from."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, LOGIN_COOKIE, clear_login_cookie, session_cookies
from hhl.auth.session import auth_error_redirect, complete_login
from hhl.config import settings
from hhl.http import HttpError, endpoint, error_response_for, query_params, redirect
from hhl.observability import logger, metrics
from hhl.secret_store import jwt_secret
from hhl.storage import users

settings()
JWT_SECRET = jwt_secret()  # at init: a missing secret fails the deployment's first container, not a user's login


@endpoint
def handler(event: dict, context) -> dict:
    params = query_params(event)
    # The transaction ends here whatever the outcome: the cookie is cleared on every answer.
    if params.get("error"):
        _count("LoginFailures")
        logger.info("hosted UI returned an error", extra={"oauth_error": params["error"][:64]})
        return redirect(auth_error_redirect(params["error"]), [clear_login_cookie()], AUTH_RESPONSE_HEADERS)
    try:
        login = complete_login(
            session_cookies(event).get(LOGIN_COOKIE), params.get("code"), params.get("state"), JWT_SECRET
        )
        users.upsert_user(login.user_id, users.profile_from_id_token(login.claims))
    except HttpError as exc:
        _count("LoginFailures")
        logger.info("sign-in failed", extra={"status": exc.status, "reason": exc.message})
        return {**error_response_for(exc, AUTH_RESPONSE_HEADERS), "cookies": exc.cookies or [clear_login_cookie()]}
    _count("Logins")
    return redirect(
        settings().site_base_url + login.return_to, [*login.cookies, clear_login_cookie()], AUTH_RESPONSE_HEADERS
    )


def _count(metric: str) -> None:
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
