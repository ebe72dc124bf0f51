"""Every Set-Cookie the service emits is built here, so their flags are decided (and tested) in one place,
with the headers every response of the sign-in flow carries.

| cookie              | carries                     | SameSite | Path  | lifetime              |
| hhl_access_token    | Cognito access token        | Lax      | /     | the token's lifetime  |
| hhl_refresh_token   | Cognito refresh token       | Strict   | /auth | 30 days               |
| __Host-hhl_login    | sealed login transaction    | Lax      | /     | 10 minutes            |

All are HttpOnly (no script can read a token) and Secure. Lax on the access and transaction
cookies lets the top-level redirect back from the hosted UI carry them; Strict on the refresh
cookie keeps it off every cross-site request, and Path=/auth keeps it away from data routes.
No local relaxation: Chromium keeps Secure cookies on http://127.0.0.1.
"""

from __future__ import annotations

# Every auth response is personal: never cached, and its URL (which may hold a code) never leaks as a Referer.
AUTH_RESPONSE_HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}

ACCESS_COOKIE = "hhl_access_token"
REFRESH_COOKIE = "hhl_refresh_token"
# __Host- makes the browser refuse it unless Secure, Path=/ and no Domain: no subdomain can plant one.
LOGIN_COOKIE = "__Host-hhl_login"

REFRESH_MAX_AGE_SECONDS = 30 * 24 * 3600
LOGIN_MAX_AGE_SECONDS = 10 * 60


def _cookie(name: str, value: str, max_age: int, same_site: str, path: str) -> str:
    return f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; Secure; SameSite={same_site}"


def access_cookie(token: str, max_age: int) -> str:
    return _cookie(ACCESS_COOKIE, token, max(0, int(max_age)), "Lax", "/")


def refresh_cookie(token: str) -> str:
    return _cookie(REFRESH_COOKIE, token, REFRESH_MAX_AGE_SECONDS, "Strict", "/auth")


def login_cookie(sealed: str) -> str:
    return _cookie(LOGIN_COOKIE, sealed, LOGIN_MAX_AGE_SECONDS, "Lax", "/")


def clear_login_cookie() -> str:
    return _cookie(LOGIN_COOKIE, "", 0, "Lax", "/")


def clear_session_cookies() -> list[str]:
    """Expire both token cookies; attributes match the ones they were set with or the browser keeps them."""
    return [_cookie(ACCESS_COOKIE, "", 0, "Lax", "/"), _cookie(REFRESH_COOKIE, "", 0, "Strict", "/auth")]
