"""The CRM sends log as the sync writes it and the export and erasure read it (moto in-process)."""

from __future__ import annotations

import threading

import pytest
from hhl.storage import crm_sends, users
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage.learner_records import delete_learner_rows, learner_rows


@pytest.fixture
def tables(dynamodb):
    dynamodb_module.client.cache_clear()
    yield dynamodb
    dynamodb_module.client.cache_clear()


def sent(n: int) -> str:
    return f"2026-12-04T10:{n // 60:02d}:{n % 60:02d}.000Z"


def test_sends_are_kept_in_order_and_only_the_newest_fifty(tables):
    users.upsert_user("u1", {"email": "a@x.org"})
    for n in range(crm_sends.KEEP_SENDS + 3):
        assert crm_sends.record_send("u1", sent(n), {"hhl_total_progress": str(n)}) is True
    (row,) = learner_rows("u1")["crm_sends"]
    assert [s["sentAt"] for s in row["sends"]] == [sent(n) for n in range(3, crm_sends.KEEP_SENDS + 3)]
    assert row["sends"][-1]["properties"] == {"hhl_total_progress": str(crm_sends.KEEP_SENDS + 2)}


def test_no_send_is_recorded_for_a_learner_without_a_users_row(tables):
    assert crm_sends.record_send("erased", sent(1), {"hhl_total_progress": "0"}) is False
    assert learner_rows("erased")["crm_sends"] == []


def test_concurrent_sends_of_one_learner_are_all_kept(tables):
    users.upsert_user("u1", {"email": "a@x.org"})
    results = []
    threads = [
        threading.Thread(target=lambda n=n: results.append(crm_sends.record_send("u1", sent(n), {"n": str(n)})))
        for n in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True, True, True]
    (row,) = learner_rows("u1")["crm_sends"]
    assert sorted(s["properties"]["n"] for s in row["sends"]) == ["0", "1", "2"]


def test_the_erasure_deletes_the_sends_after_the_users_row(tables):
    users.upsert_user("u1", {"email": "a@x.org"})
    crm_sends.record_send("u1", sent(1), {"hhl_total_progress": "0"})
    assert delete_learner_rows("u1")["crm_sends"] == 1
    assert learner_rows("u1")["crm_sends"] == [] and learner_rows("u1")["users"] == []
    assert crm_sends.record_send("u1", sent(2), {"hhl_total_progress": "0"}) is False  # a sync finishing late
