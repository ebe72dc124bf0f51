"""GET /auth/callback?code&state (or ?error&state): finish the sign-in the hosted UI redirected back from.

A failure a browser can meet goes back to the site with `?auth_error=<code>` (hhl/auth/sign_in_errors.py);
API clients get the JSON error. Only the transaction whose state came back is taken out of the login
cookie: another tab's sign-in in progress is left alone, and a state that matches none changes nothing.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from hhl.auth.claims import profile_from_id_token
from hhl.auth.cookies import AUTH_RESPONSE_HEADERS, LOGIN_COOKIE, session_cookies
from hhl.auth.sign_in_errors import HostedUiError, auth_error_code, is_browser_navigation, site_error_url
from hhl.auth.token_exchange import complete_login
from hhl.auth.transaction import redeem
from hhl.config import settings
from hhl.http import ANSWERABLE_ERRORS, HttpError, as_http_error, endpoint, error_response, query_params, redirect
from hhl.observability import logger, metrics
from hhl.secret_store import jwt_secret
from hhl.storage import users

settings()  # configuration at init; the secret is read inside the request (hhl.secret_store says why)


@endpoint
def handler(event: dict, context) -> dict:
    params = query_params(event)
    # Outside the try: a secret store that is not answering is a 503 to retry, and the login cookie stays.
    secret = jwt_secret()
    try:
        pending = redeem(session_cookies(event).get(LOGIN_COOKIE), params.get("state"), secret)
    except HttpError as exc:  # no transaction of this browser matches (or its cookie is repeated or unreadable)
        return _failed(event, exc, getattr(exc, "return_to", None), exc.cookies)
    try:
        if params.get("error"):
            raise HostedUiError(params["error"])
        login = complete_login(pending.transaction, params.get("code"))
        users.upsert_user(login.user_id, profile_from_id_token(login.claims))
    except ANSWERABLE_ERRORS as exc:  # the sign-in or the users table failed
        return _failed(event, as_http_error(exc), pending.transaction.return_to, [pending.cookie])
    _count("Logins")
    return redirect(settings().site_base_url + login.return_to, [*login.cookies, pending.cookie], AUTH_RESPONSE_HEADERS)


def _failed(event: dict, exc: HttpError, return_to: str | None, cookies: list[str]) -> dict:
    _count("LoginFailures")
    logger.info("sign-in failed", extra={"status": exc.status, "reason": exc.message})
    if exc.status < 500 and is_browser_navigation(event):
        return redirect(site_error_url(return_to, auth_error_code(exc)), cookies, AUTH_RESPONSE_HEADERS)
    return error_response(exc.status, exc.message, exc.details, {**exc.headers, **AUTH_RESPONSE_HEADERS}, cookies)


def _count(metric: str) -> None:
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
