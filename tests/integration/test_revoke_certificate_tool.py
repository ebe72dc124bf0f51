"""`make revoke-certificate` as an operator runs it (python -m tools.revoke_certificate, against the running local
stack's stack.json) on a certificate the awards function really issued: the public verify URL answers 410
with a plain message, the holder's list drops it, their HubSpot contact's certificate count follows, a second
revocation keeps the first one's time and reason, and an unknown or malformed id is a clear non-zero exit that
changes nothing. On `crm_stack` (CRM sync on, the fake HubSpot), which the CRM tests start anyway.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest
import requests

from kit.sign_in import TIMEOUT, sign_in
from kit.template import ROOT
from local.fake_hubspot import FakeHubSpot
from tests.support.site_http import LAB, LAB_MODULES, Site

pytestmark = pytest.mark.integration

AWARD_DEADLINE_SECONDS = 30
SYNC_DEADLINE_SECONDS = 15


def revoke_certificate(stack, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tools.revoke_certificate", *args]
    env = {**os.environ, "HHL_STATE_DIR": stack["state_dir"]}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def hubspot_certificate_count(fake: FakeHubSpot, email: str, expected: str) -> None:
    """Wait until the learner's contact says `expected` certificates (hhl_certificates), or fail saying what it says."""
    deadline = time.monotonic() + SYNC_DEADLINE_SECONDS
    while (contact := fake.contact(email)) is None or contact["properties"].get("hhl_certificates") != expected:
        if time.monotonic() > deadline:
            pytest.fail(f"HubSpot never showed {expected} certificates; it has {contact}")
        time.sleep(0.2)


def certificate_rows(stack, user_id: str) -> list[dict]:
    """The learner's certificate items as DynamoDB holds them."""
    return stack.dynamodb().query(
        TableName=stack["handler_env"]["DYNAMODB_CERTIFICATES_TABLE"],
        KeyConditionExpression="userId = :u",
        ExpressionAttributeValues={":u": {"S": user_id}},
        ConsistentRead=True,
    )["Items"]


@dataclass(frozen=True)
class Holder:
    site: Site
    user_id: str
    email: str
    cert_id: str


@pytest.fixture(scope="module")
def certified(crm_stack, fake_hubspot, create_user) -> Holder:
    """A learner holding the awards function's course certificate for the lab course, counted in HubSpot."""
    email, password = f"revoked-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
    user_id = create_user(crm_stack, email, password, "Rae", "Voke")
    site = Site(crm_stack, sign_in(crm_stack, email, password))
    for module in LAB_MODULES:
        completed = site.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"})
        assert completed.status_code == 200, completed.text
    deadline = time.monotonic() + AWARD_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        listed = site.get("/certificates").json()["certificates"]
        public = listed and requests.get(f"{crm_stack['api_url']}/certificate/{listed[0]['certId']}", timeout=TIMEOUT)
        if public and public.status_code == 200:  # the id index answers too
            hubspot_certificate_count(fake_hubspot, email, "1")
            return Holder(site, user_id, email, listed[0]["certId"])
        time.sleep(0.25)
    raise AssertionError(f"no certificate for {LAB} within {AWARD_DEADLINE_SECONDS}s")


def test_unknown_or_malformed_ids_are_refused_and_change_nothing(crm_stack, fake_hubspot, certified):
    site, user_id = certified.site, certified.user_id
    before, listed_before = certificate_rows(crm_stack, user_id), site.get("/certificates").json()
    contact_before = fake_hubspot.contact(certified.email)["properties"]
    unknown = str(uuid.uuid4())
    refused = revoke_certificate(crm_stack, unknown, "--reason", "issued in error")
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"revoke-certificate: no certificate {unknown}"
    malformed = revoke_certificate(crm_stack, "not-a-certificate", "--reason", "issued in error")
    assert malformed.returncode == 1
    assert "is not a certificate id" in malformed.stderr and "Traceback" not in malformed.stderr
    no_reason = revoke_certificate(crm_stack, unknown)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    assert certificate_rows(crm_stack, user_id) == before
    assert site.get("/certificates").json() == listed_before
    assert fake_hubspot.contact(certified.email)["properties"] == contact_before  # re-sent, unchanged


def test_a_revoked_certificate_answers_410_and_leaves_its_holders_list(crm_stack, fake_hubspot, certified):
    site, user_id, cert_id = certified.site, certified.user_id, certified.cert_id
    reason = f"academic misconduct {secrets.token_hex(3)}"
    revoked = revoke_certificate(crm_stack, cert_id.upper(), "--reason", reason)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith(f"revoked {cert_id} (course {LAB}) at "), revoked.stdout
    assert revoked.stdout.strip().endswith(f": {reason}")

    public = requests.get(f"{crm_stack['api_url']}/certificate/{cert_id}", timeout=TIMEOUT)
    assert public.status_code == 410
    assert public.json() == {"error": "This certificate has been revoked"}  # the reason stays with the operator
    assert site.get("/certificates").json()["certificates"] == []
    hubspot_certificate_count(fake_hubspot, certified.email, "0")

    after_first = certificate_rows(crm_stack, user_id)
    again = revoke_certificate(crm_stack, cert_id, "--reason", "a second opinion")
    assert again.returncode == 0, again.stderr
    assert again.stdout == revoked.stdout  # the first revocation's time and reason are kept
    assert certificate_rows(crm_stack, user_id) == after_first
    assert requests.get(f"{crm_stack['api_url']}/certificate/{cert_id}", timeout=TIMEOUT).status_code == 410
