"""Erasing the account signs the learner out everywhere, over HTTP against the local stack: a session on another
device, whose access token is still valid (tokens are verified offline), is refused with 401 `session_ended`
within the 30 s revocation window, its writes never reach a table, and its refresh token is refused too; a write
it made inside the window is swept before the erasure completes."""

from __future__ import annotations

import secrets
import time

import pytest
import requests

from kit.sign_in import REFRESH_COOKIE, TIMEOUT, sign_in
from kit.template import table_specs
from tests.support.site_http import LAB, LAB_MODULES, Site
from tests.support.stack_env import ERASURE_SETTLE_SECONDS_IN_TESTS

pytestmark = pytest.mark.integration

SESSION_ENDED = {"error": "Unauthorized: Session ended", "details": {"code": "session_ended"}}
REVOCATION_WINDOW_SECONDS = 30  # hhl.auth.revocation.RECHECK_SECONDS


def erasure_status(stack, user_id: str) -> str | None:
    item = (
        stack.dynamodb()
        .get_item(
            TableName=next(s.name for s in table_specs("local") if s.name.endswith("-erasures")),
            Key={"learnerId": {"S": user_id}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    return item and item["status"]["S"]


def rows_of(stack, user_id: str) -> dict[str, int]:
    """How many items of the learner each learner table holds, read straight from the emulator."""
    dynamodb = stack.dynamodb()
    counts = {}
    for spec in table_specs("local"):
        items = dynamodb.scan(TableName=spec.name, ConsistentRead=True)["Items"]
        counts[spec.name] = sum(1 for item in items if item.get("userId", {}).get("S") == user_id)
    return counts


def test_after_erasure_the_learners_other_session_is_refused_within_30_seconds_and_writes_nothing(
    local_stack, create_user
):
    email, password = f"two-devices-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
    user_id = create_user(local_stack, email, password, "Tess", "Devices")
    laptop = Site(local_stack, sign_in(local_stack, email, password))
    phone = Site(local_stack, sign_in(local_stack, email, password))  # a second sign-in: another session
    assert laptop.post("/enrollments", {"courseSlug": LAB}).status_code == 201
    started = {"courseSlug": LAB, "moduleSlug": LAB_MODULES[0], "event": "started"}
    assert phone.post("/progress", started).status_code == 200  # the phone's session is now known live
    assert phone.get("/enrollments").status_code == 200

    erased = laptop.delete("/auth/me")
    erased_at = time.monotonic()
    assert erased.status_code in (200, 202), erased.text
    assert sum(rows_of(local_stack, user_id).values()) == 0

    # Reads only until the refusal: a write accepted inside the window is the next test's.
    while (answer := phone.get("/enrollments")).status_code != 401:
        assert answer.status_code == 200, answer.text
        assert time.monotonic() - erased_at < REVOCATION_WINDOW_SECONDS + 2, "still accepted after the window"
        time.sleep(1)
    assert answer.json() == SESSION_ENDED
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]

    writes = {
        "enroll": phone.post("/enrollments", {"courseSlug": LAB}),
        "progress": phone.post("/progress", {**started, "event": "completed"}),
        "lab": phone.post("/tasks/lab/attest", {"module_slug": LAB_MODULES[0], "task_slug": "lab-main"}),
    }
    assert {name: (r.status_code, r.json()) for name, r in writes.items()} == {
        name: (401, SESSION_ENDED) for name in writes
    }
    bearer = requests.get(
        f"{local_stack['api_url']}/auth/me",
        headers={"authorization": f"Bearer {phone.signed.access_token}"},
        timeout=TIMEOUT,
    )
    assert (bearer.status_code, bearer.json()) == (401, SESSION_ENDED)
    refreshed = requests.post(
        f"{local_stack['api_url']}/auth/refresh",
        cookies={REFRESH_COOKIE: phone.signed.refresh_token},
        headers={"origin": phone.signed.origin},
        timeout=TIMEOUT,
    )
    assert (refreshed.status_code, refreshed.json()) == (401, SESSION_ENDED)
    assert rows_of(local_stack, user_id) == dict.fromkeys(rows_of(local_stack, user_id), 0)
    assert erasure_status(local_stack, user_id) is not None  # the record of the request stays; nothing else does


def test_a_write_accepted_inside_the_window_is_swept_before_the_erasure_completes(local_stack, create_user):
    """The phone's container still trusts its session (checked a moment ago), so writes it sends just after the
    erasure are accepted and land after DELETE /auth/me's own sweep, and after the erasure function's first one;
    the erasure completes only after its last sweep, once the window has closed, and leaves nothing."""
    email, password = f"late-write-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
    user_id = create_user(local_stack, email, password, "Lena", "Late")
    laptop = Site(local_stack, sign_in(local_stack, email, password))
    phone = Site(local_stack, sign_in(local_stack, email, password))
    assert phone.get("/enrollments").status_code == 200  # the phone's session is now known live

    assert laptop.delete("/auth/me").status_code in (200, 202)
    erased_at = time.monotonic()
    assert phone.post("/enrollments", {"courseSlug": LAB}).status_code == 201  # accepted: inside the window
    time.sleep(float(ERASURE_SETTLE_SECONDS_IN_TESTS) / 2)  # after the erasure function's first sweep
    started = {"courseSlug": LAB, "moduleSlug": LAB_MODULES[1], "event": "started"}
    assert phone.post("/progress", started).status_code == 200
    assert sum(rows_of(local_stack, user_id).values()) > 0  # the late writes landed

    while erasure_status(local_stack, user_id) != "complete":
        assert time.monotonic() - erased_at < 30, "the erasure never completed"
        time.sleep(0.2)
    assert rows_of(local_stack, user_id) == dict.fromkeys(rows_of(local_stack, user_id), 0)
