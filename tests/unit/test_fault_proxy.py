"""The local fault proxy (local/fault_proxy.py) in front of moto's server, driven as a test drives it: over
loopback HTTP, with boto3 as the DynamoDB client (one attempt, so each faulted call shows)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from local import fault_proxy

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=20, connect_timeout=2)


@pytest.fixture
def proxy(moto_server) -> Iterator[str]:
    server = fault_proxy.serve(moto_server, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    requests.delete(f"http://127.0.0.1:{server.server_address[1]}/fault", timeout=5)  # releases a stalled call
    server.shutdown()
    server.server_close()


def dynamodb(endpoint: str, config: Config = ONE_ATTEMPT):
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=config,
    )


@pytest.fixture
def tables(proxy, moto_server) -> tuple[str, str]:
    """Two fresh tables, created through the proxy: it forwards everything while unarmed."""
    names = (f"faulted-{time.monotonic_ns()}", f"other-{time.monotonic_ns()}")
    for name in names:
        dynamodb(proxy).create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return names


def arm(proxy: str, **order) -> requests.Response:
    return requests.post(f"{proxy}/fault", json=order, timeout=5)


def put(client, table: str, key: str) -> None:
    client.put_item(TableName=table, Item={"id": {"S": key}})


def test_after_the_armed_tables_write_every_call_fails_until_cleared_and_the_write_is_kept(proxy, tables, moto_server):
    faulted, other = tables
    client = dynamodb(proxy)
    assert arm(proxy, afterWriteTo=faulted, kind="fail").status_code == 200
    put(client, other, "a")  # another table's write, and reads, do not start it
    client.get_item(TableName=faulted, Key={"id": {"S": "a"}})
    put(client, faulted, "stored")  # this one does: it succeeds, and what follows fails
    for _ in range(2):
        with pytest.raises(ClientError) as failed:
            client.get_item(TableName=other, Key={"id": {"S": "a"}})
        assert failed.value.response["Error"]["Code"] == "InternalServerError"
    cleared = requests.delete(f"{proxy}/fault", timeout=5).json()
    assert cleared["faultedCalls"] == 2 and cleared["failing"] is False
    assert client.get_item(TableName=faulted, Key={"id": {"S": "stored"}})["Item"] == {"id": {"S": "stored"}}
    direct = dynamodb(moto_server).get_item(TableName=faulted, Key={"id": {"S": "stored"}})
    assert direct["Item"] == {"id": {"S": "stored"}}


def test_a_fault_for_some_seconds_ends_by_itself(proxy, tables):
    faulted, _ = tables
    client = dynamodb(proxy)
    arm(proxy, afterWriteTo=faulted, kind="fail", seconds=0.5)
    put(client, faulted, "x")
    with pytest.raises(ClientError):
        client.get_item(TableName=faulted, Key={"id": {"S": "x"}})
    deadline = time.monotonic() + 10
    while requests.get(f"{proxy}/fault", timeout=5).json()["failing"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert client.get_item(TableName=faulted, Key={"id": {"S": "x"}})["Item"]


def test_a_stall_holds_calls_unanswered(proxy, tables):
    faulted, _ = tables
    client = dynamodb(proxy)
    arm(proxy, afterWriteTo=faulted, kind="stall", seconds=30)
    put(client, faulted, "x")
    impatient = dynamodb(proxy, ONE_ATTEMPT.merge(Config(read_timeout=1)))
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        impatient.get_item(TableName=faulted, Key={"id": {"S": "x"}})
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    "order",
    [
        {},
        {"afterWriteTo": "t", "kind": "explode"},
        {"afterWriteTo": "t", "seconds": 0},
        {"afterWriteTo": "t", "seconds": "x"},
    ],
)
def test_a_malformed_order_is_a_400_and_arms_nothing(proxy, order):
    refused = arm(proxy, **order)
    assert refused.status_code == 400 and "afterWriteTo" in refused.json()["message"]
    assert requests.get(f"{proxy}/fault", timeout=5).json()["armed"] is None
