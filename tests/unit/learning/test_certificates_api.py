"""GET /certificates and the public GET /certificate/{certId}, through the local API Gateway router.

The learner completes a course through POST /progress and the certificate is issued from what is stored;
the public answer is read anonymously and must carry nothing that names the learner.
"""

from __future__ import annotations

import pytest
from hhl.learning.catalog import catalog
from hhl.learning.certificates import issue_earned
from hhl.learning.revocation import revoke_certificate

from tests.support.in_process_api import USER_A, USER_B

LAB = "hedgehog-lab-foundations"
NOW = "2026-12-04T15:00:00.000Z"


def complete_course(api, course_slug: str) -> None:
    for module in catalog().course(course_slug).modules:
        api.post("/progress", {"courseSlug": course_slug, "moduleSlug": module, "event": "completed"})


@pytest.fixture
def lab_certificate(api):
    complete_course(api, LAB)
    return issue_earned(USER_A, NOW).cert_id("course", LAB)


def test_the_learner_lists_their_certificates_and_nobody_else_sees_them(api, api_as, lab_certificate):
    response = api.get("/certificates")
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store, private"
    assert response.body == {
        "certificates": [
            {
                "certId": lab_certificate,
                "entityType": "course",
                "entitySlug": LAB,
                "entityTitle": "Hedgehog Lab Foundations",
                "issuedAt": NOW,
            }
        ]
    }
    assert api_as(USER_B).get("/certificates").body == {"certificates": []}


def test_the_list_needs_a_signed_in_learner(anonymous):
    assert anonymous.get("/certificates").status == 401


def test_anyone_verifies_a_certificate_without_learning_who_holds_it(anonymous, lab_certificate):
    response = anonymous.get(f"/certificate/{lab_certificate}")
    assert response.status == 200
    # Not signed yet (the awards function signs it): not cached, or a link opened at once would keep
    # showing no credential for minutes after it is signed. A signed one is cached (test_credentials).
    assert response.headers["cache-control"] == "no-store"
    body = dict(response.body)
    assert set(body) == {"certId", "entityType", "entitySlug", "entityTitle", "issuedAt", "credential"}
    assert body["credential"] is None
    assert (body["certId"], body["entityType"], body["entitySlug"]) == (lab_certificate, "course", LAB)
    assert USER_A.encode() not in response.raw

    upper = anonymous.get(f"/certificate/{lab_certificate.upper()}")
    assert upper.status == 200 and upper.body["certId"] == lab_certificate


@pytest.mark.parametrize(
    ("cert_id", "status", "error"),
    [
        ("not-a-uuid", 400, "Invalid certId format"),
        ("8f14e45f-ceea-1e7a-9b2c-6f1d2a3b4c5d", 400, "Invalid certId format"),  # a UUID, but version 1
        ("8f14e45f-ceea-4e7a-9b2c-6f1d2a3b4c5d", 404, "Certificate not found"),
    ],
)
def test_a_malformed_id_is_400_and_an_unknown_one_404_neither_cached(anonymous, cert_id, status, error):
    response = anonymous.get(f"/certificate/{cert_id}")
    assert (response.status, response.body) == (status, {"error": error})
    assert response.headers["cache-control"] == "no-store"


def test_a_revoked_certificate_answers_410_and_leaves_the_learners_list(api, anonymous, lab_certificate, stored):
    assert revoke_certificate(USER_B, lab_certificate, "not theirs") is None  # another learner's id: nothing
    revoked = revoke_certificate(USER_A, lab_certificate, "issued in error")
    assert revoked is not None and revoked.revoked_at is not None

    response = anonymous.get(f"/certificate/{lab_certificate}")
    assert (response.status, response.body) == (410, {"error": "This certificate has been revoked"})
    assert api.get("/certificates").body == {"certificates": []}
    (item,) = stored("certificates")
    assert item["revocationReason"]["S"] == "issued in error"

    # Revoked stays revoked: stored completions never issue it again, and a second revocation keeps the first.
    assert issue_earned(USER_A, NOW).new == ()
    assert revoke_certificate(USER_A, f"course#{LAB}", "again").revocation_reason == "issued in error"


def test_every_certificate_answer_is_the_documented_one(api, anonymous, lab_certificate):
    from tests.support.openapi import check_against_spec

    responses = [
        api.get("/certificates"),
        anonymous.get("/certificates"),
        anonymous.get(f"/certificate/{lab_certificate}"),
        anonymous.get("/certificate/not-a-uuid"),
        anonymous.get("/certificate/8f14e45f-ceea-4e7a-9b2c-6f1d2a3b4c5d"),
    ]
    revoke_certificate(USER_A, lab_certificate, "test")
    responses.append(anonymous.get(f"/certificate/{lab_certificate}"))
    assert [r.status for r in responses] == [200, 401, 200, 400, 404, 410]
    for response in responses:
        check_against_spec(response)
