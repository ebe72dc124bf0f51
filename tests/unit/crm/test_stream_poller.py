"""The local stand-in for Lambda's stream event source mapping, against moto's streams."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from local import stream_poller
from local.stream_poller import StreamPoller, StreamSource, stream_sources

ENROLLMENTS = "hedgehog-learn-local-enrollments"


def test_the_sources_are_the_templates_stream_events():
    sources = {s.table_name: s for s in stream_sources("local")}

    assert set(sources) == {
        "hedgehog-learn-local-enrollments",
        "hedgehog-learn-local-progress",
        "hedgehog-learn-local-badges",
        "hedgehog-learn-local-certificates",
    }
    assert {(s.batch_size, s.max_retries) for s in sources.values()} == {(100, 5)}
    assert all(s.batching_window <= stream_poller.LOCAL_MAX_BATCHING_WINDOW for s in sources.values())


@pytest.fixture
def poll(dynamodb, service_env, monkeypatch):
    """poll(handler, max_retries) -> the poller, running until the test ends."""
    monkeypatch.setattr(stream_poller, "POLL_INTERVAL_SECONDS", 0.01)
    monkeypatch.setattr(stream_poller, "RETRY_DELAY_SECONDS", 0.01)
    region = service_env["AWS_REGION"]
    streams = boto3.client(
        "dynamodbstreams", region_name=region, endpoint_url=f"https://streams.dynamodb.{region}.amazonaws.com"
    )
    pollers = []

    def start(handler, max_retries: int, on_failure_queue: str | None = None, sqs=None) -> StreamPoller:
        source = StreamSource(
            ENROLLMENTS, 10, batching_window=0.0, max_retries=max_retries, on_failure_queue=on_failure_queue
        )
        pollers.append(StreamPoller(handler, [source], dynamodb, streams, sqs=sqs).start())
        return pollers[-1]

    yield start
    for poller in pollers:
        poller.stop()


def enroll(dynamodb, *user_ids: str) -> None:
    for user_id in user_ids:
        item = {"userId": {"S": user_id}, "enrollmentKey": {"S": "course#x"}, "source": {"S": "catalog"}}
        dynamodb.put_item(TableName=ENROLLMENTS, Item=item)


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def users_in(event: dict) -> list[str]:
    return [r["dynamodb"]["Keys"]["userId"]["S"] for r in event["Records"]]


def test_records_arrive_as_a_lambda_event(poll, dynamodb):
    events = []
    poll(lambda event, context: events.append(event) or {"batchItemFailures": []}, max_retries=5)

    enroll(dynamodb, "u1", "u2")

    wait_for(lambda: sum(len(e["Records"]) for e in events) == 2)
    record = events[0]["Records"][0]
    assert record["eventSource"] == "aws:dynamodb" and record["eventSourceARN"].startswith("arn:aws:dynamodb:")
    assert record["dynamodb"]["StreamViewType"] == "KEYS_ONLY"
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)


def test_failures_are_retried_from_the_lowest_failed_record_then_given_up(poll, dynamodb):
    calls = []

    def handler(event, context):
        calls.append(users_in(event))
        failed = [r for r in event["Records"] if r["dynamodb"]["Keys"]["userId"]["S"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failed]}

    enroll(dynamodb, "good-1", "bad", "good-2")
    poller = poll(handler, max_retries=2)

    wait_for(lambda: len(calls) >= 3)
    enroll(dynamodb, "later")
    wait_for(lambda: ["later"] in calls)

    # One attempt plus two retries, each from "bad" on; then the rest of that batch is given up.
    assert calls == [["good-1", "bad", "good-2"], ["bad", "good-2"], ["bad", "good-2"], ["later"]]
    assert poller.invocations == 4


def test_given_up_records_are_described_on_the_on_failure_queue_as_lambda_does(poll, dynamodb, service_env):
    sqs = boto3.client("sqs", region_name=service_env["AWS_REGION"])
    queue_url = sqs.create_queue(QueueName="hedgehog-learn-local-test-dlq")["QueueUrl"]

    def handler(event, context):
        return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in event["Records"]]}

    enroll(dynamodb, "never-done")
    poll(handler, max_retries=1, on_failure_queue="hedgehog-learn-local-test-dlq", sqs=sqs)

    messages = []
    wait_for(lambda: messages.extend(sqs.receive_message(QueueUrl=queue_url).get("Messages", [])) or messages)
    info = json.loads(messages[0]["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["DDBStreamBatchInfo"]["batchSize"] == 1
    assert info["DDBStreamBatchInfo"]["streamArn"].startswith("arn:aws:dynamodb:")


def test_the_erasure_functions_give_up_on_its_own_dead_letter_queue():
    (source,) = stream_sources("local", stream_poller.ERASURE_FUNCTION)
    assert source.table_name == "hedgehog-learn-local-erasures"
    assert source.on_failure_queue == "hedgehog-learn-local-erasure-dlq"


def test_a_raising_handler_gets_the_whole_batch_again(poll, dynamodb):
    calls = []

    def handler(event, context):
        calls.append(users_in(event))
        if len(calls) == 1:
            raise RuntimeError("boom")
        return {"batchItemFailures": []}

    enroll(dynamodb, "u1", "u2")
    poll(handler, max_retries=5)

    wait_for(lambda: len(calls) >= 2)
    assert calls[:2] == [["u1", "u2"], ["u1", "u2"]]


def test_records_keep_arriving_after_a_cancelled_transaction_on_the_table(poll, dynamodb):
    """The emulator puts back a copy of each table a cancelled TransactWriteItems named (a refused refresh of an
    erased learner cancels one on the erasures table); the poller must read that copy's stream from then on."""
    events = []
    poll(lambda event, context: events.append(event) or {"batchItemFailures": []}, max_retries=5)
    enroll(dynamodb, "u1")
    wait_for(lambda: users_in_all(events) == ["u1"])

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": ENROLLMENTS,
                        "Key": {"userId": {"S": "u1"}, "enrollmentKey": {"S": "course#x"}},
                        "ConditionExpression": "attribute_not_exists(userId)",
                    }
                }
            ]
        )
    enroll(dynamodb, "u2")

    wait_for(lambda: users_in_all(events) == ["u1", "u2"])


def users_in_all(events: list[dict]) -> list[str]:
    return [user for event in events for user in users_in(event)]
