"""Erasure reaches HubSpot, over real HTTP on the CRM stack (CRM sync on, the fake HubSpot on loopback).

A learner whose contact the CRM sync created deletes their account: the erasure function, driven by the
erasures table's stream, GDPR-deletes that contact at the fake HubSpot; a HubSpot outage only delays it;
an outage past every retry leaves the request pending with a message in the erasure dead-letter queue,
which `make forget-learner --pending` reports and `make forget-learner --user` finishes. No log line of the
erasure names the learner's email.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from kit.sign_in import TIMEOUT, sign_in
from kit.template import ROOT
from local.fake_hubspot import GDPR_DELETE_PATH

pytestmark = pytest.mark.integration

COURSE = "hedgehog-lab-foundations"
ERASURES = "hedgehog-learn-local-erasures"
DEAD_LETTER_QUEUE = "hedgehog-learn-local-erasure-dlq"
SETTLE_SECONDS = 30
GIVE_UP_SECONDS = 120  # 21 deliveries of 3 fast HubSpot attempts each, on a loaded machine


def wait_for(condition, what: str, timeout: float = SETTLE_SECONDS):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


class SyncedLearner:
    """A signed-in learner whose enrollment the CRM sync has pushed to the fake HubSpot (contact id stored)."""

    def __init__(self, stack, fake, create_user, name: str):
        self.stack, self.fake = stack, fake
        self.email = f"{name.lower()}-{secrets.token_hex(4)}@example.com"
        password = f"Pw-{secrets.token_urlsafe(18)}1a"
        self.user_id = create_user(stack, self.email, password, name, "Learner")
        self.signed = sign_in(stack, self.email, password)
        enrolled = requests.post(
            f"{stack['api_url']}/enrollments", json={"courseSlug": COURSE}, headers=self.signed.bearer, timeout=TIMEOUT
        )
        assert enrolled.status_code in (200, 201), enrolled.text
        self.contact_id = wait_for(self.stored_contact_id, "the CRM sync to store the learner's contact id")
        assert fake.contact(self.email)["id"] == self.contact_id

    def stored_contact_id(self) -> str | None:
        item = (
            self.stack.dynamodb()
            .get_item(TableName="hedgehog-learn-local-users", Key={"userId": {"S": self.user_id}}, ConsistentRead=True)
            .get("Item", {})
        )
        return item.get("hubspotContactId", {}).get("S")

    def delete_account(self) -> requests.Response:
        headers = {**self.signed.bearer, "origin": self.signed.origin}
        return requests.delete(f"{self.stack['api_url']}/auth/me", headers=headers, timeout=TIMEOUT)

    def erasure_status(self) -> str | None:
        item = (
            self.stack.dynamodb()
            .get_item(TableName=ERASURES, Key={"learnerId": {"S": self.user_id}}, ConsistentRead=True)
            .get("Item")
        )
        return None if item is None else item["status"]["S"]

    def contact_deleted_at_hubspot(self) -> bool:
        return {"objectId": self.contact_id} in self.fake.gdpr_deletes and self.fake.contact(self.email) is None


def forget(stack, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tools.forget_learner", *args]
    env = {**os.environ, "HHL_STATE_DIR": stack["state_dir"]}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def dead_letter_messages(stack) -> int:
    sqs = stack._client("sqs")
    url = sqs.get_queue_url(QueueName=DEAD_LETTER_QUEUE)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_deleting_the_account_gdpr_deletes_the_learners_hubspot_contact(crm_stack, fake_hubspot, create_user):
    learner = SyncedLearner(crm_stack, fake_hubspot, create_user, "Gdpr")
    log_start = Path(crm_stack["log_file"]).stat().st_size

    response = learner.delete_account()

    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["cognitoUser"] == "deleted" and answer["rowsDeleted"]["users"] == 1
    assert answer["hubspotContact"] == "pending" and answer["pending"] == ["hubspotContact"]
    wait_for(learner.contact_deleted_at_hubspot, "the GDPR delete at HubSpot")
    wait_for(lambda: learner.erasure_status() == "complete", "the erasure request to complete")
    assert fake_hubspot.gdpr_deletes.count({"objectId": learner.contact_id}) == 1

    with open(crm_stack["log_file"], "rb") as log:
        log.seek(log_start)
        written = log.read().decode(errors="replace")
    assert "learner erasure complete" in written
    assert learner.email not in written and learner.email.split("@")[0] not in written


def test_a_hubspot_outage_delays_the_erasure_and_it_completes_unattended(crm_stack, fake_hubspot, create_user):
    learner = SyncedLearner(crm_stack, fake_hubspot, create_user, "Outage")
    fake_hubspot.fail_next(7, status=503, path=GDPR_DELETE_PATH)  # more than one delivery's 3 attempts

    response = learner.delete_account()
    assert response.status_code == 202 and response.json()["hubspotContact"] == "pending"

    wait_for(learner.contact_deleted_at_hubspot, "the GDPR delete once HubSpot answers again")
    wait_for(lambda: learner.erasure_status() == "complete", "the erasure request to complete")
    refused = [call for call in fake_hubspot.calls if call[1] == GDPR_DELETE_PATH and call[2] == 503]
    assert len(refused) >= 7  # the outage really happened, and was ridden out


def test_past_every_retry_the_erasure_waits_in_the_dead_letter_queue_for_the_operator(
    crm_stack, fake_hubspot, create_user
):
    learner = SyncedLearner(crm_stack, fake_hubspot, create_user, "Deadletter")
    fake_hubspot.fail_next(1000, status=503, path=GDPR_DELETE_PATH)
    try:
        assert learner.delete_account().status_code == 202

        wait_for(lambda: dead_letter_messages(crm_stack) >= 1, "the dead-letter queue", timeout=GIVE_UP_SECONDS)
        assert learner.erasure_status() == "pending"
        assert fake_hubspot.contact(learner.email) is not None  # HubSpot still has it: nothing was lost

        listed = forget(crm_stack, "--pending")
        assert listed.returncode == 1, listed.stderr
        report = json.loads(listed.stdout.splitlines()[-1])
        assert report["deadLetterMessages"] >= 1
        assert {"userId": learner.user_id, "hubspotContact": "pending"}.items() <= next(
            p for p in report["pending"] if p["userId"] == learner.user_id
        ).items()
        assert learner.email not in listed.stdout
    finally:
        fake_hubspot.clear_faults()  # HubSpot is back

    done = forget(crm_stack, "--user", learner.user_id)
    assert done.returncode == 0, done.stdout + done.stderr
    finished = json.loads(done.stdout.splitlines()[-1])
    assert finished["erased"] is True and finished["erasure"] == "complete"
    assert finished["hubspotContact"] == "deleted" and set(finished["rows"].values()) == {0}
    assert learner.contact_deleted_at_hubspot()
    assert learner.email not in done.stdout

    sqs = crm_stack._client("sqs")
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=DEAD_LETTER_QUEUE)["QueueUrl"])  # as the runbook says
