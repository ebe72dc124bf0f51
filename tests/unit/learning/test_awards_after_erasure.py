"""No badge or certificate outlives an erasure: the awards stream consumer against a learner being erased.

The consumer's records are delivered after the erasure (in flight), or the erasure lands between the consumer's
read of progress and its first grant (run from the thin client's call observer, just before that grant goes out);
either way the learner ends with no row anywhere. The erasure's own REMOVE records award nothing.
"""

from __future__ import annotations

from hhl.learning.catalog import catalog
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage.learner_records import LEARNER_TABLES, delete_learner_rows, learner_rows
from hhl.storage.progress import record_module_event

from tests.support.awards_stream import awards_handler, stream_record
from tests.support.in_process_api import USER_A, USER_B

LAB = "hedgehog-lab-foundations"
NOW = "2026-12-04T15:00:00.000Z"
GRANTS = ("TransactWriteItems", "PutItem")


def complete_without_awards(user_id: str, number_from: int = 1) -> list[dict]:
    records = []
    for number, module in enumerate(catalog().course(LAB).modules, number_from):
        record_module_event(user_id, LAB, module, True, NOW, NOW)
        records.append(stream_record(user_id, LAB, module, f"{number:021d}"))
    return records


def rows_left(user_id: str) -> dict[str, list]:
    return {table: rows for table, rows in learner_rows(user_id).items() if rows}


def test_records_in_flight_when_the_learner_was_erased_award_nothing(learning_env, lambda_context):
    records = complete_without_awards(USER_A)
    delete_learner_rows(USER_A)

    assert awards_handler()({"Records": records}, lambda_context) == {"batchItemFailures": []}  # nothing to retry
    assert rows_left(USER_A) == {}


def test_an_erasure_between_reading_progress_and_granting_leaves_no_award(learning_env, lambda_context):
    records = complete_without_awards(USER_A) + complete_without_awards(USER_B, number_from=10)
    erased = []

    def erase_before_the_first_grant(operation: str, request: dict) -> None:
        keys = [item.get("Put", {}).get("Item", {}) for item in request.get("TransactItems", [])] or [
            request.get("Item", {})
        ]
        if operation in GRANTS and not erased and any(key.get("userId") == {"S": USER_A} for key in keys):
            erased.append(delete_learner_rows(USER_A))

    client = dynamodb_module.client()
    client.observers.append(erase_before_the_first_grant)
    try:
        assert awards_handler()({"Records": records}, lambda_context) == {"batchItemFailures": []}
    finally:
        client.observers.remove(erase_before_the_first_grant)

    assert erased and erased[0]["progress"] == len(records) // 2  # the erasure really ran mid-award
    assert rows_left(USER_A) == {}
    assert [b["badgeId"] for b in learner_rows(USER_B)["badges"]] == [f"course:{LAB}"]  # the other learner's stand


def test_the_erasures_remove_records_award_nothing(learning_env, lambda_context):
    removed = complete_without_awards(USER_A)
    unawarded = complete_without_awards(USER_B, number_from=10)  # stored, awards not yet granted
    delete_learner_rows(USER_A)
    removes = [{**record, "eventName": "REMOVE"} for record in removed + unawarded]

    assert awards_handler()({"Records": removes}, lambda_context) == {"batchItemFailures": []}
    assert rows_left(USER_A) == {}
    assert learner_rows(USER_B)["badges"] == []  # a REMOVE is an erasure's: even a standing learner gets nothing
    assert awards_handler()({"Records": unawarded}, lambda_context) == {"batchItemFailures": []}
    assert [b["badgeId"] for b in learner_rows(USER_B)["badges"]] == [f"course:{LAB}"]


def test_the_erasure_deletes_progress_before_the_awards_that_stand_on_it():
    order = [table.name for table in LEARNER_TABLES]
    assert order.index("progress") < order.index("badges")
    assert order.index("progress") < order.index("certificates")
