"""CRM sync end to end: a signed-in learner's enrollment and progress, written through the local
API, reach the fake HubSpot through the tables' streams (local/stream_poller.py drives crm_sync).

The shared `local_stack` runs with CRM sync off, so this module uses `crm_stack` (tests/integration/conftest.py):
ENABLE_CRM_PROGRESS=true and HubSpot pointed at the fake on loopback, shared with the other modules that need it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time

import pytest
import requests

from kit.sign_in import sign_in
from kit.template import ROOT
from local.fake_hubspot import FakeHubSpot

pytestmark = pytest.mark.integration

LAB = "hedgehog-lab-foundations"  # 3 modules
SYNC_TIMEOUT_SECONDS = 15


@pytest.fixture(scope="module")
def contacts_before(fake_hubspot) -> set[str]:
    """The contacts other modules' learners left in the shared fake HubSpot before this module began."""
    return set(fake_hubspot.contacts)


@pytest.fixture(scope="module")
def learner(crm_stack, contacts_before):
    demo = crm_stack["demo_user"]
    return sign_in(crm_stack, demo["username"], demo["password"])


def api(stack, signed, method: str, path: str, body: dict | None = None) -> requests.Response:
    return requests.request(method, f"{stack['api_url']}{path}", json=body, headers=signed.bearer, timeout=10)


def wait_for_contact(fake: FakeHubSpot, email: str, **expected: str) -> dict:
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while True:
        contact = fake.contact(email)
        if contact and all(contact["properties"].get(k) == v for k, v in expected.items()):
            return contact
        if time.monotonic() > deadline:
            pytest.fail(f"HubSpot never showed {expected}; it has {contact}")
        time.sleep(0.2)


def new_contacts(fake: FakeHubSpot, before: set[str]) -> list[str]:
    return [email for email in fake.contacts if email not in before]


LAB_MODULES = (
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
)


def enroll_in_the_lab(stack, signed) -> None:
    assert api(stack, signed, "POST", "/enrollments", {"courseSlug": LAB}).status_code in (200, 201)


def complete_the_lab(stack, signed) -> None:
    for module in LAB_MODULES:
        body = {"courseSlug": LAB, "moduleSlug": module, "event": "completed"}
        assert api(stack, signed, "POST", "/progress", body).status_code == 200


def learners_with_an_email(stack) -> int:
    users = stack.dynamodb().scan(TableName="hedgehog-learn-local-users", ConsistentRead=True)["Items"]
    return sum(1 for user in users if "email" in user)


def stored_contact_id(stack, user_id: str) -> str | None:
    item = stack.dynamodb().get_item(
        TableName="hedgehog-learn-local-users", Key={"userId": {"S": user_id}}, ConsistentRead=True
    )["Item"]
    return item.get("hubspotContactId", {}).get("S")


def test_enrollment_and_progress_reach_hubspot(crm_stack, fake_hubspot, learner, contacts_before):
    email = crm_stack["demo_user"]["email"]
    enroll_in_the_lab(crm_stack, learner)

    wait_for_contact(fake_hubspot, email, hhl_enrolled_courses=LAB, hhl_total_progress="0")

    module = "accessing-the-hedgehog-virtual-lab-with-google-cloud"
    response = api(
        crm_stack, learner, "POST", "/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"}
    )
    assert response.status_code == 200, response.text

    contact = wait_for_contact(fake_hubspot, email, hhl_total_progress="33")
    assert f"{LAB}: 1/3 modules (enrolled)" in contact["properties"]["hhl_progress_summary"]
    assert stored_contact_id(crm_stack, learner.user_id) == contact["id"]
    assert new_contacts(fake_hubspot, contacts_before) == [email]


def test_a_hubspot_outage_delays_the_sync_but_loses_nothing(crm_stack, fake_hubspot, learner, contacts_before):
    email = crm_stack["demo_user"]["email"]
    enroll_in_the_lab(crm_stack, learner)  # already enrolled when the module runs in order: a no-op
    wait_for_contact(fake_hubspot, email, hhl_enrolled_courses=LAB)
    fake_hubspot.fail_next(7, status=500)  # more than one invocation's retries: the poller redelivers

    complete_the_lab(crm_stack, learner)

    contact = wait_for_contact(fake_hubspot, email, hhl_completed_courses=LAB, hhl_total_progress="100")
    assert f"badges: course:{LAB}" in contact["properties"]["hhl_progress_summary"]
    assert new_contacts(fake_hubspot, contacts_before) == [email]  # nothing doubled
    assert any(status == 500 for _, _, status in fake_hubspot.calls)  # the outage really happened


def test_crm_resync_against_the_running_stack_changes_nothing(crm_stack, fake_hubspot, learner, contacts_before):
    email = crm_stack["demo_user"]["email"]
    contact = fake_hubspot.contact(email) or {"properties": {}}
    if contact["properties"].get("hhl_total_progress") != "100":  # run alone: finish the course first
        enroll_in_the_lab(crm_stack, learner)
        complete_the_lab(crm_stack, learner)
    before = wait_for_contact(fake_hubspot, email, hhl_total_progress="100", hhl_certificates="1")  # settled

    result = subprocess.run(
        [sys.executable, "-m", "tools.crm_resync", "--all"],
        cwd=ROOT,
        env={**os.environ, "HHL_STATE_DIR": crm_stack["state_dir"]},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert f"{learners_with_an_email(crm_stack)} synced, 0 failed" in result.stdout
    after = fake_hubspot.contact(email)
    assert after["id"] == before["id"] and after["properties"] == before["properties"]
    assert new_contacts(fake_hubspot, contacts_before) == [email]


# ---------------------------------------------------------------- what the learner's export says was sent
def new_learner(stack, create_user, given_name: str):
    email = f"{given_name.lower()}-{secrets.token_hex(4)}@example.com"
    password = f"Pw-{secrets.token_urlsafe(18)}1a"
    create_user(stack, email, password, given_name, "Learner")
    return email, sign_in(stack, email, password)


def wait_for_sends(stack, signed, count: int) -> list[dict]:
    """The learner's export once it lists at least `count` sends (the sync records a send after HubSpot confirms)."""
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while True:
        response = api(stack, signed, "GET", "/auth/me/export")
        assert response.status_code == 200, response.text
        sends = response.json()["crm"]["sends"]
        if len(sends) >= count:
            return sends
        if time.monotonic() > deadline:
            pytest.fail(f"the export never listed {count} sends; it has {sends}")
        time.sleep(0.2)


def test_the_export_lists_each_send_to_hubspot_with_its_properties_and_time(crm_stack, fake_hubspot, create_user):
    ada_email, ada = new_learner(crm_stack, create_user, "Ada")
    bob_email, bob = new_learner(crm_stack, create_user, "Bob")
    assert api(crm_stack, ada, "POST", "/enrollments", {"courseSlug": LAB}).status_code == 201
    assert api(crm_stack, bob, "POST", "/enrollments", {"courseSlug": LAB}).status_code == 201
    wait_for_contact(fake_hubspot, ada_email, hhl_enrolled_courses=LAB)
    module = "accessing-the-hedgehog-virtual-lab-with-google-cloud"
    body = {"courseSlug": LAB, "moduleSlug": module, "event": "completed"}
    assert api(crm_stack, ada, "POST", "/progress", body).status_code == 200
    contact = wait_for_contact(fake_hubspot, ada_email, hhl_total_progress="33")
    wait_for_contact(fake_hubspot, bob_email, hhl_enrolled_courses=LAB)

    sends = wait_for_sends(crm_stack, ada, 2)
    # exactly what HubSpot holds now, besides the email the contact is keyed by (the export's profile has it)
    assert sends[-1]["properties"] == {k: v for k, v in contact["properties"].items() if k != "email"}
    assert sends[0]["properties"]["hhl_total_progress"] == "0"  # the enrollment's send came first
    assert [s["sentAt"] for s in sends] == sorted(s["sentAt"] for s in sends)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", s["sentAt"]) for s in sends)
    export = api(crm_stack, ada, "GET", "/auth/me/export").json()
    assert export["crm"]["hubspotContact"] == "linked" and contact["id"] not in json.dumps(export)

    bob_sends = wait_for_sends(crm_stack, bob, 1)
    assert all(s["properties"]["hhl_total_progress"] == "0" for s in bob_sends)  # never Ada's 33
    assert ada_email not in json.dumps(bob_sends) and bob_email not in json.dumps(sends)
