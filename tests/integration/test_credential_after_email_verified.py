"""A learner who verifies their email only after finishing gets a signed credential at their next sign-in, on the
local stack over real HTTP: the callback stores the verified email, the users table's stream reaches the awards
function (driven by the stack's stream poller, as Lambda's event source mapping would), and it signs the
certificate that waited unsigned; no second certificate, and no other learner's certificate changes."""

from __future__ import annotations

import hashlib
import secrets
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from kit.sign_in import TIMEOUT, sign_in
from tests.support.site_http import LAB, LAB_MODULES, Site, new_learner

pytestmark = pytest.mark.integration

WAIT_SECONDS = 20


def set_email_verified(local_stack, email: str, verified: bool) -> None:
    local_stack.cognito().admin_update_user_attributes(
        UserPoolId=local_stack["user_pool_id"],
        Username=email,
        UserAttributes=[{"Name": "email_verified", "Value": "true" if verified else "false"}],
    )


def public_certificate(local_stack, cert_id: str) -> dict:
    response = requests.get(f"{local_stack['api_url']}/certificate/{cert_id}", timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()


def complete_lab(site: Site) -> str:
    """Complete every module of the course; the id of the course certificate the awards function issues."""
    for module in LAB_MODULES:
        answer = site.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"})
        assert answer.status_code == 200
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        listed = site.get("/certificates").json()["certificates"]
        if listed:
            (certificate,) = listed
            return certificate["certId"]
        time.sleep(0.5)
    raise AssertionError("no certificate was issued for the completed course")


def wait_for_credential(local_stack, cert_id: str) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        public = public_certificate(local_stack, cert_id)
        if public.get("credential"):
            return public
        time.sleep(0.5)
    raise AssertionError("the certificate was not signed after the verified email was stored")


def test_verifying_the_email_after_finishing_signs_the_certificate_at_the_next_sign_in(local_stack, create_user):
    email = f"late-verifier-{secrets.token_hex(4)}@example.com"
    password = f"Pw-{secrets.token_urlsafe(18)}1a"
    create_user(local_stack, email, password, "Katherine", "Johnson")
    set_email_verified(local_stack, email, False)
    site = Site(local_stack, sign_in(local_stack, email, password))
    assert site.get("/auth/me").json()["email"] is None
    other = Site(local_stack, new_learner(local_stack, create_user))
    other_signed = wait_for_credential(local_stack, complete_lab(other))

    cert_id = complete_lab(site)
    assert public_certificate(local_stack, cert_id)["credential"] is None

    set_email_verified(local_stack, email, True)
    site = Site(local_stack, sign_in(local_stack, email, password))
    assert site.get("/auth/me").json()["email"] == email

    public = wait_for_credential(local_stack, cert_id)
    keyset = KeySet.import_key_set(
        requests.get(f"{local_stack['api_url']}/.well-known/jwks.json", timeout=TIMEOUT).json()
    )
    claims = jwt.decode(public["credential"], keyset, algorithms=["ES256"]).claims
    (identity,) = claims["credentialSubject"]["identifier"]
    assert identity["identityHash"] == "sha256$" + hashlib.sha256((email + identity["salt"]).encode()).hexdigest()
    assert email not in str(public)
    assert [c["certId"] for c in site.get("/certificates").json()["certificates"]] == [cert_id]
    assert public_certificate(local_stack, other_signed["certId"]) == other_signed
