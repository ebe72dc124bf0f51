"""The CRM sync and an erased learner: the erasure's own REMOVE records (moto's real stream records) neither
re-create nor update the HubSpot contact, nothing of the learner is written back, and a learner with an
erasure request (pending or complete) is never pushed, in any round of a sync (hhl.crm.sync)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hhl.crm import sync
from hhl.crm.hubspot import HubSpotClient, RetryPolicy
from hhl.storage import erasures
from hhl.storage.learner_records import LEARNER_TABLES, delete_learner_rows, learner_rows

LAB = "hedgehog-lab-foundations"


def test_the_erasures_remove_records_never_reach_hubspot(crm_sync, streams, fake_hubspot, learner):
    ada = learner("user-ada", "ada@example.com")
    alan = learner("user-alan", "alan@example.com")
    ada.enroll(LAB)
    ada.complete(LAB, "accessing-the-hedgehog-virtual-lab-with-google-cloud")
    alan.enroll(LAB)
    assert crm_sync(streams.event()) == {"batchItemFailures": []}
    before = {email: dict(fake_hubspot.contact(email)) for email in ("ada@example.com", "alan@example.com")}
    batches = len(fake_hubspot.upsert_batches)

    delete_learner_rows(ada.user_id)  # the rows of DELETE /auth/me (after the Cognito user)
    alan.complete(LAB, "accessing-the-hedgehog-virtual-lab-with-google-cloud")
    event = streams.event()
    ada_records = [r for r in event["Records"] if r["dynamodb"]["Keys"]["userId"]["S"] == ada.user_id]
    assert ada_records and {r["eventName"] for r in ada_records} == {"REMOVE"}

    assert crm_sync(event) == {"batchItemFailures": []}
    assert fake_hubspot.upsert_batches[batches:] == [["alan@example.com"]]  # alan's change only
    assert fake_hubspot.contact("ada@example.com") == before["ada@example.com"]  # not updated, not re-created
    assert fake_hubspot.contact("alan@example.com")["properties"]["hhl_total_progress"] == "33"
    assert not any(learner_rows(ada.user_id).values())  # no send recorded, no row written back


def test_a_learner_with_an_erasure_request_is_never_pushed(crm_sync, streams, fake_hubspot, learner):
    """Pending with the rows still there (the request's Cognito step failed, say) and a write landing meanwhile:
    the sync pushes nothing for that learner, and says it skipped them rather than failed (no retry)."""
    ada = learner("user-ada", "ada@example.com")
    alan = learner("user-alan", "alan@example.com")
    ada.enroll(LAB)
    assert crm_sync(streams.event()) == {"batchItemFailures": []}
    before = fake_hubspot.contact("ada@example.com")
    batches = len(fake_hubspot.upsert_batches)

    erasures.record_request(ada.user_id, "2026-01-01T00:00:00Z", ada.contact_id)
    ada.complete(LAB, "accessing-the-hedgehog-virtual-lab-with-google-cloud")  # in flight when the request came
    alan.enroll(LAB)

    assert crm_sync(streams.event()) == {"batchItemFailures": []}
    assert fake_hubspot.upsert_batches[batches:] == [["alan@example.com"]]
    assert fake_hubspot.contact("ada@example.com") == before
    assert sync.sync_learners([ada.user_id]).skipped == {ada.user_id}


def delete_learning_rows(dynamodb, user_id: str) -> None:
    """The first steps of an erasure: every row of the learner but the users item and the CRM sends."""
    for table in LEARNER_TABLES:
        if table.sort_key is None:
            continue
        items = dynamodb.query(
            TableName=table.table_name(),
            KeyConditionExpression="userId = :u",
            ExpressionAttributeValues={":u": {"S": user_id}},
        )["Items"]
        for item in items:
            key = {"userId": item["userId"], table.sort_key: item[table.sort_key]}
            dynamodb.delete_item(TableName=table.table_name(), Key=key)


def test_a_push_held_while_the_erasure_begins_is_not_followed_by_a_push_of_the_emptied_state(
    crm_env, crm_sync, streams, fake_hubspot, learner, monkeypatch
):
    """The sync's first push is held at HubSpot; meanwhile the erasure is recorded and deletes the learning rows
    (the users item still there). The sync's re-read then sees a changed state: it must not push that (emptied)
    state, before or after the GDPR delete. Without the erasure check a second upsert of the learner follows."""
    monkeypatch.setenv("HUBSPOT_TIMEOUT_SECONDS", "10")  # the held request must outlast the hold
    ada = learner("user-ada", "ada@example.com")
    ada.enroll(LAB)
    assert crm_sync(streams.event()) == {"batchItemFailures": []}
    contact_id = ada.contact_id
    ada.complete(LAB, "accessing-the-hedgehog-virtual-lab-with-google-cloud")
    event = streams.event()
    hold = fake_hubspot.hold_next()
    writes = len(fake_hubspot.writes)

    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(crm_sync, event)
        assert hold.arrived.wait(10), "the sync never pushed"
        erasures.record_request(ada.user_id, "2026-01-01T00:00:00Z", contact_id)  # as DELETE /auth/me does first
        delete_learning_rows(crm_env, ada.user_id)
        hold.release()
        assert response.result(timeout=30) == {"batchItemFailures": []}
    # The rest of the erasure (hhl.crm.erasure.finish_erasure, whose Cognito step the integration test runs).
    delete_learner_rows(ada.user_id)
    assert hubspot_client(fake_hubspot).gdpr_delete_contact(contact_id) is True
    delete_learner_rows(ada.user_id)
    assert erasures.mark_complete(ada.user_id, "2026-01-01T00:00:01Z", hubspot_contact_deleted=True)

    assert fake_hubspot.writes[writes:] == [("upsert", "ada@example.com"), ("gdpr-delete", "ada@example.com")]
    assert fake_hubspot.contact("ada@example.com") is None
    assert not any(learner_rows(ada.user_id).values())


def hubspot_client(fake_hubspot) -> HubSpotClient:
    return HubSpotClient(fake_hubspot.token, fake_hubspot.base_url, RetryPolicy.from_env())
