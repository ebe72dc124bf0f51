"""The CRM sync and an erased learner: the erasure's own REMOVE records (moto's real stream records) neither
re-create nor update the HubSpot contact, and nothing of the learner is written back."""

from __future__ import annotations

from hhl.storage.learner_records import delete_learner_rows, learner_rows

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
