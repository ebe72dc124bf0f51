"""The awards stream consumer grants what stored completions earn, whatever happened to the request.

Completions are written straight to the progress table, as a request does before it fails, and the
awards handler gets the KEYS_ONLY stream records Lambda would deliver for them.
"""

from __future__ import annotations

import socket

from hhl.learning.catalog import catalog
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage.progress import record_module_event

from tests.support.awards_stream import awards_handler, stream_record
from tests.support.in_process_api import USER_A, USER_B

LAB = "hedgehog-lab-foundations"
NOW = "2026-12-04T15:00:00.000Z"


def complete_without_awards(user_id: str, course: str) -> list[dict]:
    """Store every completion of the course, as requests that failed right after their write would."""
    records = []
    for number, module in enumerate(catalog().course(course).modules, 1):
        record_module_event(user_id, course, module, True, NOW, NOW)
        records.append(stream_record(user_id, course, module, f"{number:021d}"))
    return records


def test_stored_completions_earn_their_badge_and_certificate_from_the_stream(learning_env, api, stored, lambda_context):
    records = complete_without_awards(USER_A, LAB)
    assert api.get("/badges").body == {"badges": []}
    assert api.get("/certificates").body == {"certificates": []}

    assert awards_handler()({"Records": records}, lambda_context) == {"batchItemFailures": []}
    assert [b["badgeId"] for b in api.get("/badges").body["badges"]] == [f"course:{LAB}"]
    (certificate,) = api.get("/certificates").body["certificates"]
    assert (certificate["entityType"], certificate["entitySlug"]) == ("course", LAB)

    # At least once: the same records again (and again) grant nothing more.
    assert awards_handler()({"Records": records + records}, lambda_context) == {"batchItemFailures": []}
    assert len(stored("badges")) == 1
    assert len(stored("certificates")) == 1


def test_a_learner_with_unfinished_work_gets_nothing_and_others_are_unaffected(learning_env, api, lambda_context):
    module = catalog().course(LAB).modules[0]
    record_module_event(USER_B, LAB, module, True, NOW, NOW)
    records = [*complete_without_awards(USER_A, LAB), stream_record(USER_B, LAB, module, "9" * 21)]

    assert awards_handler()({"Records": records}, lambda_context) == {"batchItemFailures": []}
    assert len(api.get("/certificates").body["certificates"]) == 1


def test_when_dynamodb_is_unreachable_every_record_is_handed_back_for_retry(learning_env, monkeypatch, lambda_context):
    records = complete_without_awards(USER_A, LAB)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{port}")
    dynamodb_module.client.cache_clear()

    response = awards_handler()({"Records": records}, lambda_context)
    assert response == {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in records]}
