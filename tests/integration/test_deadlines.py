"""Issue 11 item 14: a stalled DynamoDB or Cognito must not outlive the Lambda.

The emulator is stopped with SIGSTOP, the way a dependency hangs in production: connections are
accepted by the kernel and then nothing answers. Every request must still end with the service's own
JSON (503 with Retry-After, or its sign-in error) before the function's Timeout, and never with the
bare answer API Gateway gives for a function that ran out of time (the local router gives the same).
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from kit.sign_in import sign_in
from kit.template import http_routes
from local.launcher import launch_stack

pytestmark = pytest.mark.integration

COURSE = "hedgehog-lab-foundations"
MODULE = "accessing-the-hedgehog-virtual-lab-with-google-cloud"
# Seconds a client waits past the Timeout: enough to see which answer arrives, and when.
CLIENT_GRACE_SECONDS = 10


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack of its own: stalling the shared one would fail every test that runs after this module."""
    with launch_stack(tmp_path_factory.mktemp("stalled-stack")) as stack:
        yield stack


def function_timeout(route_key: str) -> float:
    (route,) = (r for r in http_routes() if r.route_key == route_key)
    return route.timeout


def requests_to_send(stack, signed) -> dict[str, dict]:
    """route key -> requests.request kwargs; every route that calls DynamoDB or Cognito per request."""
    api = stack["api_url"]
    cookies = signed.cookies
    write = {"cookies": cookies, "headers": signed.write_headers}
    return {
        "GET /auth/me": {"method": "GET", "url": f"{api}/auth/me", "cookies": cookies},
        "GET /enrollments": {"method": "GET", "url": f"{api}/enrollments", "cookies": cookies},
        "POST /enrollments": {
            "method": "POST",
            "url": f"{api}/enrollments",
            "json": {"courseSlug": COURSE},
            **write,
        },
        "DELETE /enrollments/{courseSlug}": {"method": "DELETE", "url": f"{api}/enrollments/{COURSE}", **write},
        "POST /progress": {
            "method": "POST",
            "url": f"{api}/progress",
            "json": {"courseSlug": COURSE, "moduleSlug": MODULE, "event": "completed"},
            **write,
        },
        "GET /progress": {"method": "GET", "url": f"{api}/progress", "cookies": cookies},
        "GET /progress/{courseSlug}": {"method": "GET", "url": f"{api}/progress/{COURSE}", "cookies": cookies},
        "GET /badges": {"method": "GET", "url": f"{api}/badges", "cookies": cookies},
        "POST /auth/refresh": {"method": "POST", "url": f"{api}/auth/refresh", **write},
    }


def timed(kwargs: dict, timeout: float) -> tuple[requests.Response | None, float]:
    started = time.monotonic()
    try:
        response = requests.request(**kwargs, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        response = None
    return response, time.monotonic() - started


def judge(key: str, response: requests.Response | None, elapsed: float) -> str | None:
    """What is wrong with one answer given during the stall, or None."""
    limit = function_timeout(key)
    if response is None:
        return f"no answer within {limit + CLIENT_GRACE_SECONDS}s"
    body = response.json()
    if "message" in body:
        return f"API Gateway's bare {response.status_code} {body} after {elapsed:.1f}s"
    if elapsed >= limit:
        return f"answered after {elapsed:.1f}s, past the {limit:g}s Timeout"
    if response.status_code not in (502, 503) or not isinstance(body.get("error"), str):
        return f"{response.status_code} {body} is not the service's dependency error"
    if response.status_code == 503 and int(response.headers.get("retry-after") or 0) < 1:
        return "503 without Retry-After"
    return None


def test_a_stalled_emulator_gets_the_service_json_before_the_function_times_out(stack):
    signed = sign_in(stack, stack["demo_user"]["username"], stack["demo_user"]["password"])
    calls = requests_to_send(stack, signed)
    # Warm every function first (imports, JWKS, the DynamoDB connection), as a busy container would be.
    for key, kwargs in calls.items():
        response, _ = timed(kwargs, 30)
        assert response is not None and response.status_code < 500, (key, response and response.text)

    emulator = int(stack["emulator_pid"])
    os.kill(emulator, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(len(calls)) as pool:
            futures = {
                key: pool.submit(timed, kwargs, function_timeout(key) + CLIENT_GRACE_SECONDS)
                for key, kwargs in calls.items()
            }
            answers = {key: future.result() for key, future in futures.items()}
    finally:
        os.kill(emulator, signal.SIGCONT)

    wrong = {key: problem for key, (response, elapsed) in answers.items() if (problem := judge(key, response, elapsed))}
    assert not wrong, wrong

    # The outage over, the same session works again: nothing was left half-done or wedged.
    me, _ = timed(calls["GET /auth/me"], 30)
    assert me is not None and me.status_code == 200, me and me.text
