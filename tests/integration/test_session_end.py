"""Signed out means signed out, over HTTP against the local stack and its hosted UI: after sign-out every
protected route of the template refuses the session's tokens (the access token, and one refreshed from the
same sign-in; by Bearer and by cookie); refresh tokens rotate, two tabs refreshing at once both succeed,
and a retired refresh token reused after the grace period fails and ends the session."""

from __future__ import annotations

import concurrent.futures
import time

import pytest
import requests

from kit.sign_in import ACCESS_COOKIE, REFRESH_COOKIE, TIMEOUT, SignedIn, set_cookies
from tests.integration.forged_tokens import call_with_token, routes, security_schemes
from tests.support.site_http import new_learner

pytestmark = pytest.mark.integration

ACCESS_SCHEMES = {"accessCookie", "bearerToken"}
SESSION_ENDED = {"error": "Unauthorized: Session ended", "details": {"code": "session_ended"}}
REVOCATION_WINDOW_SECONDS = 30
GRACE_SECONDS = 30  # template.yaml: RefreshTokenRotation.RetryGracePeriodSeconds


@pytest.fixture
def learner(local_stack, create_user) -> SignedIn:
    return new_learner(local_stack, create_user, "leaver", "Lea", "Ver")


def protected_routes():
    return [route for route in routes() if security_schemes(route) & ACCESS_SCHEMES]


def call(stack, route, access_token: str, way: str, origin: str) -> requests.Response:
    return call_with_token(stack, route, access_token, way, origin, (ACCESS_COOKIE,))


def refresh(stack, refresh_cookie: str, origin: str) -> requests.Response:
    return requests.post(
        f"{stack['api_url']}/auth/refresh",
        cookies={REFRESH_COOKIE: refresh_cookie},
        headers={"origin": origin},
        timeout=TIMEOUT,
    )


def test_after_sign_out_every_protected_route_refuses_the_session_within_30_seconds(local_stack, learner):
    refreshed = refresh(local_stack, learner.refresh_token, learner.origin)
    assert refreshed.status_code == 200, refreshed.text
    tokens = {"signed-in": learner.access_token, "refreshed": set_cookies(refreshed)[ACCESS_COOKIE]}
    calls = [(route, name, way) for route in protected_routes() for name in tokens for way in ("bearer", "cookie")]
    assert len({route.route_key for route, _, _ in calls}) >= 7  # /auth/me, enrollments, progress, badges...
    # Warm: every route has just accepted both tokens, so every container remembers the session as live.
    for route, name, way in calls:
        response = call(local_stack, route, tokens[name], way, learner.origin)
        assert response.status_code not in (401, 403) and response.status_code < 500, (route.route_key, response.text)

    logout = requests.post(
        f"{local_stack['api_url']}/auth/logout",
        cookies={REFRESH_COOKIE: set_cookies(refreshed)[REFRESH_COOKIE]},  # no access cookie: it may have expired
        headers={"origin": learner.origin},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert logout.status_code == 302
    signed_out_at = time.monotonic()

    still_accepted = calls
    while still_accepted and time.monotonic() - signed_out_at < REVOCATION_WINDOW_SECONDS + 2:
        answers = {
            (r.route_key, n, w): call(local_stack, r, tokens[n], w, learner.origin) for r, n, w in still_accepted
        }
        for key, response in answers.items():
            if response.status_code == 401:
                assert response.json() == SESSION_ENDED, key
                assert 'error="invalid_token"' in response.headers["www-authenticate"]
        still_accepted = [(r, n, w) for r, n, w in still_accepted if answers[(r.route_key, n, w)].status_code != 401]
        if still_accepted:
            time.sleep(1)
    assert not still_accepted, [(r.route_key, n, w) for r, n, w in still_accepted]


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_session(local_stack, learner):
    first = refresh(local_stack, learner.refresh_token, learner.origin)
    assert first.status_code == 200, first.text
    second_cookie = set_cookies(first)[REFRESH_COOKIE]
    assert second_cookie and second_cookie != learner.refresh_token
    second = refresh(local_stack, second_cookie, learner.origin)  # two refreshes in a row
    assert second.status_code == 200, second.text
    current = set_cookies(second)
    me = requests.get(
        f"{local_stack['api_url']}/auth/me", cookies={ACCESS_COOKIE: current[ACCESS_COOKIE]}, timeout=TIMEOUT
    )
    assert me.status_code == 200

    time.sleep(GRACE_SECONDS + 1)
    replay = refresh(local_stack, learner.refresh_token, learner.origin)  # a stolen copy of the first cookie
    assert replay.status_code == 401
    assert replay.json() == SESSION_ENDED
    assert set_cookies(replay) == {ACCESS_COOKIE: "", REFRESH_COOKIE: ""}
    # The whole sign-in is over: the learner's latest tokens too.
    me = requests.get(
        f"{local_stack['api_url']}/auth/me",
        headers={"authorization": f"Bearer {current[ACCESS_COOKIE]}"},
        timeout=TIMEOUT,
    )
    assert (me.status_code, me.json()) == (401, SESSION_ENDED)
    assert refresh(local_stack, current[REFRESH_COOKIE], learner.origin).status_code == 401


def test_two_tabs_refreshing_at_once_both_stay_signed_in(local_stack, learner):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: refresh(local_stack, learner.refresh_token, learner.origin), range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    cookies = [set_cookies(a) for a in answers]
    assert cookies[0][REFRESH_COOKIE] != cookies[1][REFRESH_COOKIE]
    for tab in cookies:  # whichever Set-Cookie the browser kept, the session goes on
        me = requests.get(
            f"{local_stack['api_url']}/auth/me", cookies={ACCESS_COOKIE: tab[ACCESS_COOKIE]}, timeout=TIMEOUT
        )
        assert me.status_code == 200
        assert refresh(local_stack, tab[REFRESH_COOKIE], learner.origin).status_code == 200
