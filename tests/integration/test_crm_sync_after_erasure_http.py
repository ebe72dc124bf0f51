"""A CRM sync that read a learner's state before their erasure pushes nothing after it, over real HTTP.

The local CRM stack erases the learner (DELETE /auth/me, then the erasure function GDPR-deletes the contact
at the fake HubSpot); a sync run here against the same tables and the same fake HubSpot is held between its
steps (hhl.crm.sync: read the states, then push them), so its state is read before the erasure begins and
pushed after the erasure completed. The fake HubSpot must then hold no contact for the learner, and no
upsert of them may follow the GDPR delete. Without the sync's erasure check both fail: the stale state
re-creates the contact.
"""

from __future__ import annotations

import secrets
import time

import pytest
import requests
from hhl.config import settings
from hhl.crm import sync
from hhl.crm.hubspot import HubSpotClient, RetryPolicy
from hhl.storage import dynamodb as dynamodb_module

from kit.sign_in import TIMEOUT, sign_in

pytestmark = pytest.mark.integration

COURSE = "hedgehog-lab-foundations"
SETTLE_SECONDS = 30


def wait_for(condition, what: str, timeout: float = SETTLE_SECONDS):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)
    return value


@pytest.fixture
def as_crm_sync(crm_stack, monkeypatch):
    """This process becomes the stack's crm-sync function (its environment: the stack's tables)."""
    for name, value in crm_stack["handler_env"].items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    dynamodb_module.client.cache_clear()
    yield
    settings.cache_clear()
    dynamodb_module.client.cache_clear()


def test_a_sync_that_read_the_learner_before_the_erasure_never_pushes_after_it(
    crm_stack, fake_hubspot, create_user, as_crm_sync
):
    email = f"stale-{secrets.token_hex(4)}@example.com"
    password = f"Pw-{secrets.token_urlsafe(18)}1a"
    user_id = create_user(crm_stack, email, password, "Stale", "Learner")
    signed = sign_in(crm_stack, email, password)
    enrolled = requests.post(
        f"{crm_stack['api_url']}/enrollments", json={"courseSlug": COURSE}, headers=signed.bearer, timeout=TIMEOUT
    )
    assert enrolled.status_code in (200, 201), enrolled.text
    contact = wait_for(lambda: fake_hubspot.contact(email), "the stack's CRM sync to create the contact")

    report = sync.SyncReport()
    (state,) = sync.read_states([user_id], report)  # the sync reads the learner: enrolled, contact known
    assert state.properties["hhl_enrolled_courses"] == COURSE

    deleted = requests.delete(
        f"{crm_stack['api_url']}/auth/me", headers={**signed.bearer, "origin": signed.origin}, timeout=TIMEOUT
    )
    assert deleted.status_code == 202, deleted.text
    wait_for(lambda: ("gdpr-delete", email) in fake_hubspot.writes, "the erasure's GDPR delete")
    assert {"objectId": contact["id"]} in fake_hubspot.gdpr_deletes

    hubspot = HubSpotClient(fake_hubspot.token, fake_hubspot.base_url, RetryPolicy(max_attempts=2, base_delay=0.05))
    pushed = sync.push_states([state], hubspot, None, report)  # ... and pushes what it read, after the erasure

    assert pushed == [] and report.skipped == {user_id} and not report.failed
    assert fake_hubspot.contact(email) is None
    writes = [kind for kind, written in fake_hubspot.writes if written == email]
    assert writes[writes.index("gdpr-delete") :] == ["gdpr-delete"]  # no upsert of the learner followed it
