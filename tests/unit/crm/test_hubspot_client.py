"""The HubSpot client against the fake HubSpot over real HTTP on loopback."""

from __future__ import annotations

import logging
import time

import pytest
from hhl.crm.hubspot import GDPR_DELETE_CONTACT_PATH, HubSpotClient, HubSpotError, RetryPolicy

from local.fake_hubspot import FakeHubSpot

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=2.0, request_timeout=0.3)


@pytest.fixture
def fake():
    with FakeHubSpot() as server:
        yield server


@pytest.fixture
def client(fake):
    return HubSpotClient(token=fake.token, base_url=fake.base_url, policy=FAST)


def props(n: int) -> dict[str, str]:
    return {"hhl_total_progress": str(n)}


def test_upsert_creates_then_updates_the_same_contact(fake, client):
    first = client.upsert_contacts({"ada@example.com": props(10)})
    second = client.upsert_contacts({"ada@example.com": props(50)})

    assert first.contact_ids == second.contact_ids == {"ada@example.com": fake.contact("ada@example.com")["id"]}
    assert fake.contact_properties() == {"ada@example.com": {"email": "ada@example.com", "hhl_total_progress": "50"}}


def test_emails_are_lower_cased_and_deduplicated(fake, client):
    outcome = client.upsert_contacts({"Ada@Example.COM": props(1), " ada@example.com": props(2)})

    assert not outcome.failed
    assert list(fake.contacts) == ["ada@example.com"]
    assert fake.contact("ada@example.com")["properties"]["hhl_total_progress"] == "2"


def test_batches_hold_at_most_100_inputs(fake, client):
    contacts = {f"learner{i}@example.com": props(i) for i in range(250)}

    outcome = client.upsert_contacts(contacts)

    assert len(outcome.contact_ids) == 250 and not outcome.failed
    assert [len(b) for b in fake.upsert_batches] == [100, 100, 50]
    assert len(fake.contacts) == 250


def test_server_errors_and_ten_secondly_429s_are_retried(fake, client):
    fake.fail_next(1, status=503)
    fake.rate_limit_next(2, policy="TEN_SECONDLY_ROLLING")

    outcome = client.upsert_contacts({"ada@example.com": props(7)})

    assert outcome.contact_ids and not outcome.failed
    assert [status for _, _, status in fake.calls] == [503, 429, 429, 200]


def test_retry_after_is_honoured(fake, client):
    fake.rate_limit_next(1, retry_after=0.4)
    started = time.monotonic()

    outcome = client.upsert_contacts({"ada@example.com": props(7)})

    assert outcome.contact_ids
    assert time.monotonic() - started >= 0.4


def test_a_retry_after_beyond_the_bound_gives_up_instead_of_sleeping(fake, client):
    fake.rate_limit_next(1, retry_after=60)
    started = time.monotonic()

    outcome = client.upsert_contacts({"ada@example.com": props(7)})

    assert set(outcome.failed) == {"ada@example.com"}
    assert time.monotonic() - started < 1
    assert fake.contacts == {}


def test_the_daily_limit_stops_at_once(fake, client):
    fake.rate_limit_next(10, policy="DAILY")
    contacts = {f"learner{i}@example.com": props(i) for i in range(150)}

    outcome = client.upsert_contacts(contacts)

    assert outcome.daily_limit_reached
    assert set(outcome.failed) == set(contacts)
    assert len(fake.calls) == 1  # no retry, and the second batch is not even tried


def test_hangs_time_out_and_are_retried(fake, client):
    fake.hang_next(1, seconds=FAST.request_timeout + 0.5)

    outcome = client.upsert_contacts({"ada@example.com": props(3)})

    assert outcome.contact_ids and not outcome.failed
    assert fake.contact("ada@example.com")["properties"]["hhl_total_progress"] == "3"


def test_a_storm_longer_than_the_retries_reports_every_record_failed(fake, client):
    fake.fail_next(FAST.max_attempts, status=500)

    outcome = client.upsert_contacts({"a@example.com": props(1), "b@example.com": props(2)})

    assert set(outcome.failed) == {"a@example.com", "b@example.com"}
    assert not outcome.contact_ids
    assert len(fake.calls) == FAST.max_attempts


def test_per_record_errors_in_a_207_are_retried_for_those_records_only(fake, client):
    fake.reject_records(["b@example.com"], times=2)

    outcome = client.upsert_contacts({f"{n}@example.com": props(i) for i, n in enumerate("abc")})

    assert not outcome.failed and len(outcome.contact_ids) == 3
    assert fake.upsert_batches == [["a@example.com", "c@example.com"], [], ["b@example.com"]]


def test_records_that_keep_failing_are_reported_and_the_rest_kept(fake, client):
    fake.reject_records(["b@example.com"], times=100)

    outcome = client.upsert_contacts({f"{n}@example.com": props(i) for i, n in enumerate("abc")})

    assert set(outcome.failed) == {"b@example.com"}
    assert set(outcome.contact_ids) == {"a@example.com", "c@example.com"}


def test_one_invalid_record_does_not_fail_its_batch(fake, client):
    contacts = {f"learner{i}@example.com": props(i) for i in range(8)}
    contacts["not-an-email"] = props(0)

    outcome = client.upsert_contacts(contacts)

    assert set(outcome.failed) == {"not-an-email"}
    assert len(outcome.contact_ids) == 8


def test_the_deadline_bounds_retries(fake):
    slow = HubSpotClient(fake.token, fake.base_url, RetryPolicy(max_attempts=50, base_delay=0.2, max_delay=0.2))
    fake.fail_next(50, status=500)
    started = time.monotonic()

    outcome = slow.upsert_contacts({"ada@example.com": props(1)}, deadline=time.monotonic() + 0.5)

    assert outcome.failed and time.monotonic() - started < 0.6


def test_a_wrong_token_fails_without_retrying(fake):
    wrong = HubSpotClient("wrong-token", fake.base_url, FAST)

    outcome = wrong.upsert_contacts({"ada@example.com": props(1)})

    assert set(outcome.failed) == {"ada@example.com"} and "401" in outcome.failed["ada@example.com"]
    assert len(fake.calls) == 1


def test_logs_never_hold_the_token_or_emails(fake, client, caplog):
    caplog.set_level(logging.DEBUG)
    fake.rate_limit_next(1)
    fake.reject_records(["secret.person@example.com"], times=100)

    client.upsert_contacts({"secret.person@example.com": props(1), "a@example.com": props(2)})

    logged = "\n".join(repr(vars(record)) for record in caplog.records)  # message and every `extra` field
    assert "HubSpot did not confirm some records" in logged and "429" in logged
    assert "secret.person" not in logged and "a@example.com" not in logged and fake.token not in logged


def test_a_redirect_is_not_followed_with_the_token(fake, client):
    with FakeHubSpot() as elsewhere:
        fake.redirect_next(1, location=f"{elsewhere.base_url}/crm/v3/objects/contacts/batch/upsert")

        outcome = client.upsert_contacts({"ada@example.com": props(1)})

        assert set(outcome.failed) == {"ada@example.com"} and "302" in outcome.failed["ada@example.com"]
        assert elsewhere.calls == []


def test_gdpr_delete_removes_the_contact_by_id_and_a_second_delete_finds_none(fake, client):
    contact_id = client.upsert_contacts({"gone@example.com": props(1)}).contact_ids["gone@example.com"]

    assert client.gdpr_delete_contact(contact_id) is True
    assert fake.contact("gone@example.com") is None
    assert fake.gdpr_deletes == [{"objectId": contact_id}]  # by id: no email leaves for the delete
    assert client.gdpr_delete_contact(contact_id) is False  # HubSpot's 404: already gone


def test_gdpr_delete_rides_out_a_brief_outage_and_reports_a_long_one(fake, client):
    contact_id = client.upsert_contacts({"later@example.com": props(1)}).contact_ids["later@example.com"]
    fake.fail_next(FAST.max_attempts - 1, status=503, path=GDPR_DELETE_CONTACT_PATH)
    assert client.gdpr_delete_contact(contact_id) is True

    kept = client.upsert_contacts({"kept@example.com": props(1)}).contact_ids["kept@example.com"]
    fake.fail_next(FAST.max_attempts, status=503, path=GDPR_DELETE_CONTACT_PATH)
    with pytest.raises(HubSpotError):
        client.gdpr_delete_contact(kept)
    assert fake.contact("kept@example.com") is not None  # nothing deleted, so the caller retries later
