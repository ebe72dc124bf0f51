"""Every Set-Cookie the service emits is built here, so their flags are decided (and tested) in one place,
with the headers every response of the sign-in flow carries, and every session cookie is read here.

| cookie                     | carries                     | SameSite | Path | lifetime              |
| __Host-hhl_access_token    | Cognito access token        | Lax      | /    | the token's lifetime  |
| __Host-hhl_refresh_token   | Cognito refresh token       | Strict   | /    | 30 days               |
| __Host-hhl_login           | sealed login transaction    | Lax      | /    | 10 minutes            |

All are HttpOnly (no script can read a token) and Secure. The `__Host-` prefix makes the browser refuse
the cookie unless it is Secure, Path=/ and has no Domain, so no other host (a sibling subdomain of
hedgehog.cloud included) can plant or overwrite one: that is the defence against cookie tossing. Lax on
the access and transaction cookies lets the top-level redirect back from the hosted UI carry them;
Strict on the refresh cookie keeps it off every cross-site request.

A request that still repeats one of these names (a browser that ignores the prefix, a nameless cookie
whose value looks like `__Host-...=`, a crafted request) is refused with 401 and the cookies cleared:
taking either value would let whoever planted the other choose the account.
No local relaxation: Chromium keeps Secure and __Host- cookies on http://127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Mapping

from hhl.http import HttpError, request_cookies

# Every auth response is personal: never cached, and its URL (which may hold a code) never leaks as a Referer.
AUTH_RESPONSE_HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}

ACCESS_COOKIE = "__Host-hhl_access_token"
REFRESH_COOKIE = "__Host-hhl_refresh_token"
LOGIN_COOKIE = "__Host-hhl_login"
SESSION_COOKIES = (ACCESS_COOKIE, REFRESH_COOKIE, LOGIN_COOKIE)

REFRESH_MAX_AGE_SECONDS = 30 * 24 * 3600
LOGIN_MAX_AGE_SECONDS = 10 * 60


class RepeatedSessionCookie(HttpError):
    """Two values for one session cookie name: someone planted one of them. 401, and the session is cleared."""

    status = 401

    def __init__(self, name: str) -> None:
        cleared = clear_session_cookies() + ([clear_login_cookie()] if name == LOGIN_COOKIE else [])
        super().__init__("Unauthorized: Repeated session cookie", headers=AUTH_RESPONSE_HEADERS, cookies=cleared)


def session_cookies(event: Mapping) -> dict[str, str]:
    """The request's session cookies by name; raises RepeatedSessionCookie if any name came more than once."""
    found: dict[str, str] = {}
    for name, values in request_cookies(event).items():
        if name not in SESSION_COOKIES:
            continue
        if len(values) > 1:
            raise RepeatedSessionCookie(name)
        found[name] = values[0]
    return found


def _cookie(name: str, value: str, max_age: int, same_site: str) -> str:
    return f"{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; Secure; SameSite={same_site}"


def access_cookie(token: str, max_age: int) -> str:
    return _cookie(ACCESS_COOKIE, token, max(0, int(max_age)), "Lax")


def refresh_cookie(token: str) -> str:
    return _cookie(REFRESH_COOKIE, token, REFRESH_MAX_AGE_SECONDS, "Strict")


def login_cookie(sealed: str) -> str:
    return _cookie(LOGIN_COOKIE, sealed, LOGIN_MAX_AGE_SECONDS, "Lax")


def clear_login_cookie() -> str:
    return _cookie(LOGIN_COOKIE, "", 0, "Lax")


def clear_session_cookies() -> list[str]:
    """Expire both token cookies; attributes match the ones they were set with or the browser keeps them."""
    return [_cookie(ACCESS_COOKIE, "", 0, "Lax"), _cookie(REFRESH_COOKIE, "", 0, "Strict")]
