"""DynamoDB failing: a 502/503 JSON error (never a 500 or a traceback), and a retry converges."""

from __future__ import annotations

import pytest
from hhl.storage import dynamodb as dynamodb_module

from kit.fake_http import Answer, Request, fake_http_server, json_answer

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]


def completed(module: str) -> dict:
    return {"courseSlug": LAB, "moduleSlug": module, "event": "completed"}


@pytest.fixture
def throttling_dynamodb(learning_env, monkeypatch):
    """A DynamoDB endpoint on loopback that throttles every request; the handlers' client is pointed at it."""
    requests_seen = []

    def throttle(request: Request) -> Answer:
        requests_seen.append(request.headers.get("x-amz-target"))
        return json_answer(
            400,
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded.",
            },
            content_type="application/x-amz-json-1.0",
        )

    with fake_http_server(throttle) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", url)
        dynamodb_module.client.cache_clear()
        yield requests_seen
        dynamodb_module.client.cache_clear()


@pytest.fixture
def unreachable_dynamodb(learning_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")  # discard port: connection refused
    dynamodb_module.client.cache_clear()
    yield
    dynamodb_module.client.cache_clear()


def test_throttled_dynamodb_is_503_with_retry_after(api, throttling_dynamodb):
    response = api.post("/progress", completed(LAB_MODULES[0]))
    assert response.status == 503
    assert response.body == {"error": "Storage is temporarily unavailable, retry shortly"}
    assert response.headers["retry-after"] == "1"
    assert len(throttling_dynamodb) > 1  # botocore retried (hhl.storage.dynamodb sets how often), then we gave up


def test_unreachable_dynamodb_is_503(api, unreachable_dynamodb):
    for response in (api.post("/enrollments", {"courseSlug": LAB}), api.get("/badges")):
        assert response.status == 503
        assert response.body == {"error": "Storage is temporarily unavailable, retry shortly"}


@pytest.fixture
def drop_and_restore(learning_env, service_env):
    """drop(table) deletes one of the tables; restore() recreates it empty, as the template defines it."""
    dropped = {}

    def drop(name: str) -> None:
        table = service_env[f"DYNAMODB_{name.upper()}_TABLE"]
        spec = learning_env.describe_table(TableName=table)["Table"]
        dropped[table] = {
            "TableName": table,
            "KeySchema": spec["KeySchema"],
            "AttributeDefinitions": spec["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        learning_env.delete_table(TableName=table)

    def restore() -> None:
        for args in dropped.values():
            learning_env.create_table(**args)

    return drop, restore


def test_a_failed_progress_write_leaves_a_consistent_state_and_the_retry_completes_it(api, drop_and_restore, stored):
    drop, restore = drop_and_restore
    drop("progress")
    failed = api.post("/progress", completed(LAB_MODULES[0]))
    assert failed.status == 502
    assert failed.body == {"error": "Storage request failed"}
    # The enrollment (written first) stands on its own: enrolled, no progress yet.
    assert [e["slug"] for e in api.get("/enrollments").body["enrollments"]] == [LAB]

    restore()
    retried = api.post("/progress", completed(LAB_MODULES[0]))
    assert retried.status == 200
    assert retried.body["completedModules"] == 1
    assert len(stored("enrollments")) == 1


def test_a_retry_after_a_failure_before_the_badge_write_still_awards_it(api, drop_and_restore):
    drop, restore = drop_and_restore
    for module in LAB_MODULES[:-1]:
        api.post("/progress", completed(module))
    drop("badges")
    assert api.post("/progress", completed(LAB_MODULES[-1])).status == 502

    restore()
    retried = api.post("/progress", completed(LAB_MODULES[-1]))
    assert retried.status == 200
    assert [b["badgeId"] for b in retried.body["badgesAwarded"]] == [f"course:{LAB}"]
