"""Certificates on the local stack, over real HTTP: a learner completes a course, the awards function (driven by
the stack's stream poller, as Lambda's event source mapping would) issues and signs the certificate with no
further request from the learner, and anyone verifies it against the published JWKS with joserfc."""

from __future__ import annotations

import hashlib
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from kit.sign_in import TIMEOUT
from tests.support.site_http import LAB, LAB_MODULES, Site, new_learner

pytestmark = pytest.mark.integration

AWARD_WAIT_SECONDS = 30


def wait_for_signed_certificate(site: Site, api_url: str) -> dict:
    deadline = time.monotonic() + AWARD_WAIT_SECONDS
    while time.monotonic() < deadline:
        listed = site.get("/certificates").json()["certificates"]
        if listed:
            public = requests.get(f"{api_url}/certificate/{listed[0]['certId']}", timeout=TIMEOUT).json()
            if public.get("credential"):
                return public
        time.sleep(0.5)
    raise AssertionError("no signed certificate arrived from the stream")


def test_a_completed_course_gets_a_certificate_that_verifies_against_the_published_keys(local_stack, create_user):
    site = Site(local_stack, new_learner(local_stack, create_user))
    for module in LAB_MODULES:
        assert (
            site.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"}).status_code == 200
        )

    public = wait_for_signed_certificate(site, local_stack["api_url"])
    assert (public["entityType"], public["entitySlug"]) == ("course", LAB)
    keyset = KeySet.import_key_set(
        requests.get(f"{local_stack['api_url']}/.well-known/jwks.json", timeout=TIMEOUT).json()
    )
    claims = jwt.decode(public["credential"], keyset, algorithms=["ES256"]).claims
    assert claims["credentialSubject"]["achievement"]["name"] == "Hedgehog Lab Foundations"
    (identity,) = claims["credentialSubject"]["identifier"]
    email = site.get("/auth/me").json()["email"]
    assert identity["identityHash"] == "sha256$" + hashlib.sha256((email + identity["salt"]).encode()).hexdigest()
    assert email not in str(public)
    issuer = requests.get(f"{local_stack['api_url']}/issuer", timeout=TIMEOUT).json()
    assert claims["iss"] == issuer["id"]
