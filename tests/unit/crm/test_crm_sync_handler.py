"""The crm_sync handler: moto's real stream records in, the fake HubSpot (real HTTP) out.

The fault tests end the way production does: the handler reports the failed records, Lambda
delivers them again once HubSpot recovers, and then HubSpot holds exactly the tables' state.
"""

from __future__ import annotations

import pytest
from hhl.auth.claims import profile_from_id_token
from hhl.crm.summary import contact_properties
from hhl.learning.summary import learner_summary
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import users

FOUNDATIONS = "network-like-hyperscaler-foundations"  # 4 modules, part of the pathway
LAB = "hedgehog-lab-foundations"  # 3 modules
PATHWAY = "network-like-hyperscaler"


def expected_contacts(*learners) -> dict[str, dict]:
    """What HubSpot must hold: each learner's state as the tables have it now."""
    return {
        learner.email: {"email": learner.email, **contact_properties(learner_summary(learner.user_id))}
        for learner in learners
    }


@pytest.fixture
def ada(learner):
    person = learner("user-ada", "Ada.Lovelace@Example.com")
    person.email = "ada.lovelace@example.com"
    return person


@pytest.fixture
def alan(learner):
    person = learner("user-alan", "alan@example.com")
    person.email = "alan@example.com"
    return person


def failed_sequence_numbers(response: dict) -> set[str]:
    return {f["itemIdentifier"] for f in response["batchItemFailures"]}


def sequence_numbers_of(event: dict, user_id: str) -> set[str]:
    return {
        r["dynamodb"]["SequenceNumber"] for r in event["Records"] if r["dynamodb"]["Keys"]["userId"]["S"] == user_id
    }


def test_a_learners_progress_reaches_hubspot_as_their_summary(crm_sync, streams, fake_hubspot, ada):
    ada.enroll(FOUNDATIONS)
    ada.complete(FOUNDATIONS)  # every module: awards the course badge
    ada.enroll(LAB)
    ada.start(LAB, "accessing-the-hedgehog-virtual-lab-with-google-cloud")

    response = crm_sync(streams.event())

    assert response == {"batchItemFailures": []}
    contact = fake_hubspot.contact("ada.lovelace@example.com")
    assert contact["properties"] == {
        "email": "ada.lovelace@example.com",
        "hhl_enrolled_courses": f"{LAB};{FOUNDATIONS}",
        "hhl_completed_courses": FOUNDATIONS,
        "hhl_total_progress": "57",  # 4 of 7 modules
        "hhl_progress_summary": f"{LAB}: 0/3 modules (enrolled)\n{FOUNDATIONS}: 4/4 modules (completed)\n"
        f"badges: course:{FOUNDATIONS}",
        "hhl_last_activity": learner_summary(ada.user_id).last_activity,
        "hhl_certificates": "0",  # certificates come from the awards stream consumer, not run here
        "hhl_latest_certificate_date": "",
    }
    assert ada.contact_id == contact["id"]
    assert len(fake_hubspot.upsert_batches) == 1  # one learner, many records: one push


def test_many_learners_share_one_upsert_and_emails_are_lower_cased(crm_sync, streams, fake_hubspot, ada, alan):
    ada.enroll(FOUNDATIONS)
    alan.enroll_pathway(PATHWAY)

    crm_sync(streams.event())

    assert fake_hubspot.contact_properties() == expected_contacts(ada, alan)
    assert fake_hubspot.upsert_batches == [["ada.lovelace@example.com", "alan@example.com"]]


def test_a_replayed_batch_changes_nothing(crm_sync, streams, fake_hubspot, ada):
    ada.enroll(FOUNDATIONS)
    ada.complete(FOUNDATIONS, "fabric-operations-welcome")
    event = streams.event()

    crm_sync(event)
    first = fake_hubspot.contact("ada.lovelace@example.com")
    crm_sync(event)
    crm_sync(event)

    assert fake_hubspot.contact_properties() == expected_contacts(ada)
    assert fake_hubspot.contact("ada.lovelace@example.com")["id"] == first["id"]
    assert fake_hubspot.contact("ada.lovelace@example.com")["properties"] == first["properties"]


def test_unenrolling_clears_what_hubspot_shows(crm_sync, streams, fake_hubspot, ada):
    ada.enroll(LAB)
    crm_sync(streams.event())
    ada.unenroll(LAB)

    crm_sync(streams.event())  # a REMOVE record: the key is all there is

    properties = fake_hubspot.contact("ada.lovelace@example.com")["properties"]
    assert properties["hhl_enrolled_courses"] == ""
    assert properties["hhl_total_progress"] == "0"
    assert properties == expected_contacts(ada)["ada.lovelace@example.com"]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda fake: fake.fail_next(2, status=500), id="500s"),
        pytest.param(lambda fake: fake.fail_next(1, status=503), id="503"),
        pytest.param(lambda fake: fake.rate_limit_next(2), id="429-ten-secondly"),
        pytest.param(lambda fake: fake.rate_limit_next(1, retry_after=0.2), id="429-retry-after"),
        pytest.param(lambda fake: fake.hang_next(1, seconds=0.8), id="hang"),
    ],
)
def test_short_faults_are_absorbed_by_the_retries(crm_sync, streams, fake_hubspot, ada, alan, fault):
    ada.enroll(FOUNDATIONS)
    alan.complete(LAB)
    fault(fake_hubspot)

    response = crm_sync(streams.event())

    assert response == {"batchItemFailures": []}
    assert fake_hubspot.contact_properties() == expected_contacts(ada, alan)


@pytest.mark.parametrize(
    "storm",
    [
        pytest.param(lambda fake: fake.fail_next(50, status=500), id="500-storm"),
        pytest.param(lambda fake: fake.rate_limit_next(50), id="429-storm"),
        pytest.param(lambda fake: fake.rate_limit_next(50, retry_after=0.05), id="429-storm-retry-after"),
        pytest.param(lambda fake: fake.rate_limit_next(50, policy="DAILY"), id="daily-limit"),
        pytest.param(lambda fake: fake.hang_next(5, seconds=0.6), id="hangs"),
    ],
)
def test_after_a_long_fault_clears_hubspot_holds_exactly_the_table_state(
    crm_sync, streams, fake_hubspot, ada, alan, storm
):
    ada.enroll(FOUNDATIONS)
    ada.complete(FOUNDATIONS, "fabric-operations-welcome")
    alan.enroll(LAB)
    event = streams.event()
    storm(fake_hubspot)

    response = crm_sync(event)

    # Every record is reported for retry: nothing is acknowledged that HubSpot did not take.
    assert failed_sequence_numbers(response) == {r["dynamodb"]["SequenceNumber"] for r in event["Records"]}
    assert fake_hubspot.contacts == {}

    # Meanwhile the learners keep learning; then HubSpot recovers and Lambda redelivers.
    alan.complete(LAB)
    fake_hubspot.clear_faults()
    assert crm_sync(event) == {"batchItemFailures": []}
    assert crm_sync(streams.event()) == {"batchItemFailures": []}

    assert fake_hubspot.contact_properties() == expected_contacts(ada, alan)  # nothing lost, nothing doubled
    assert ada.contact_id and alan.contact_id and ada.contact_id != alan.contact_id


def test_the_daily_limit_stops_at_the_first_429(crm_sync, streams, fake_hubspot, ada):
    ada.enroll(FOUNDATIONS)
    fake_hubspot.rate_limit_next(50, policy="DAILY")

    crm_sync(streams.event())

    assert len(fake_hubspot.calls) == 1


def test_record_errors_fail_only_that_learners_records(crm_sync, streams, fake_hubspot, ada, alan):
    ada.enroll(FOUNDATIONS)
    alan.enroll(LAB)
    event = streams.event()
    fake_hubspot.reject_records(["alan@example.com"], times=100)

    response = crm_sync(event)

    assert failed_sequence_numbers(response) == sequence_numbers_of(event, alan.user_id)
    assert set(fake_hubspot.contacts) == {"ada.lovelace@example.com"}

    fake_hubspot.clear_faults()
    crm_sync(event)
    assert fake_hubspot.contact_properties() == expected_contacts(ada, alan)


def test_a_write_during_the_push_is_pushed_too(crm_sync, streams, fake_hubspot, ada):
    """A newer state that lands while the upsert is in flight must not be overwritten by the older one."""
    ada.enroll(FOUNDATIONS)
    event = streams.event()
    original_upsert = fake_hubspot.upsert

    def upsert_then_learner_moves_on(body):
        result = original_upsert(body)
        if len(fake_hubspot.upsert_batches) == 1:
            ada.complete(FOUNDATIONS, "fabric-operations-welcome")  # lands after HubSpot took the old state
        return result

    fake_hubspot.upsert = upsert_then_learner_moves_on

    crm_sync(event)  # only this batch: the write's own stream record is not delivered here

    assert fake_hubspot.contact_properties() == expected_contacts(ada)
    assert fake_hubspot.contact("ada.lovelace@example.com")["properties"]["hhl_total_progress"] == "25"


def test_a_learner_without_a_user_row_is_skipped_not_retried(crm_sync, streams, fake_hubspot, learner, ada):
    ghost = learner("user-ghost", None)
    ghost.enroll(LAB)
    ada.enroll(LAB)

    response = crm_sync(streams.event())

    assert response == {"batchItemFailures": []}
    assert set(fake_hubspot.contacts) == {"ada.lovelace@example.com"}


def test_near_the_invocation_timeout_no_call_is_started(crm_sync, streams, fake_hubspot, ada):
    ada.enroll(LAB)
    event = streams.event()

    response = crm_sync(event, seconds_left=4)  # inside the handler's safety margin

    assert failed_sequence_numbers(response) == sequence_numbers_of(event, ada.user_id)
    assert fake_hubspot.calls == []


def test_with_crm_sync_off_nothing_is_called(crm_sync, streams, fake_hubspot, ada, monkeypatch):
    ada.enroll(LAB)
    event = streams.event()
    monkeypatch.setenv("ENABLE_CRM_PROGRESS", "false")
    monkeypatch.delenv("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER")  # no token is needed, so none is read
    from hhl.config import settings

    settings.cache_clear()
    dynamodb_module.client.cache_clear()

    assert crm_sync(event) == {"batchItemFailures": []}

    assert fake_hubspot.calls == []
    assert dynamodb_module.client.cache_info().currsize == 0  # no DynamoDB client was even created


def test_unverified_email_never_keys_a_contact(crm_sync, streams, fake_hubspot, learner, ada):
    """Mallory sets her Cognito email to Ada's address without verifying it and signs in: her progress must
    not land on Ada's HubSpot contact (nor create one for any unverified address)."""
    mallory = learner("user-mallory", None)
    claims = {"sub": mallory.user_id, "email": "ada.lovelace@example.com", "email_verified": False, "given_name": "M"}
    users.upsert_user(mallory.user_id, profile_from_id_token(claims))
    mallory.enroll(LAB)
    mallory.complete(LAB)
    ada.enroll(FOUNDATIONS)

    response = crm_sync(streams.event())

    assert response == {"batchItemFailures": []}
    assert fake_hubspot.contact_properties() == expected_contacts(ada)
    assert mallory.contact_id is None


def test_the_contact_counts_the_certificates_held_and_dates_the_newest(crm_sync, streams, fake_hubspot, ada):
    from hhl.learning.certificates import issue_earned
    from hhl.learning.revocation import revoke_certificate

    ada.complete(FOUNDATIONS)
    ada.complete(LAB)
    issued = issue_earned(ada.user_id, "2026-03-01T10:00:00.000Z")  # what the awards stream consumer does
    assert len(issued.new) >= 2  # at least the two course certificates
    revoke_certificate(ada.user_id, f"course#{LAB}", "issued in error")

    assert crm_sync(streams.event()) == {"batchItemFailures": []}

    contact = fake_hubspot.contact("ada.lovelace@example.com")["properties"]
    assert contact["hhl_certificates"] == str(len(issued.new) - 1)  # a revoked certificate is not held
    assert contact["hhl_latest_certificate_date"] == "2026-03-01T10:00:00.000Z"
