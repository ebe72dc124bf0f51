"""The thin DynamoDB client (hhl.storage.dynamodb_client): its signature against botocore's SigV4Auth, and its
retry policy, deadline and connection handling against a scripted DynamoDB endpoint on loopback."""

from __future__ import annotations

import datetime
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials
from hhl import deadline, retry
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import dynamodb_client
from hhl.storage.dynamodb_client import DynamoDB, DynamoDBError, DynamoDBUnreachable

from kit.fake_http import Answer, Request, fake_http_server, json_answer

FIXED_TIME = datetime.datetime(2026, 12, 1, 21, 30, 5, tzinfo=datetime.UTC)
PREFIX = "com.amazonaws.dynamodb.v20120810#"
GET = {"TableName": "hedgehog-learn-local-users", "Key": {"userId": {"S": "u-1"}}, "ConsistentRead": True}


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-example")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)


# ---------------------------------------------------------------------------------------------- SigV4
@pytest.mark.parametrize("url", [None, "http://127.0.0.1:4566", "https://dynamodb.eu-west-1.amazonaws.com:443"])
def test_signature_equals_botocore_sigv4auth_at_a_fixed_time(credentials, url):
    client = DynamoDB(url)
    target, payload = client.serialize("GetItem", GET)
    ours = client.signed_headers(target, payload, when=FIXED_TIME)

    endpoint = url or "https://dynamodb.eu-west-1.amazonaws.com"
    theirs = AWSRequest(
        method="POST",
        url=f"{endpoint}/",
        data=payload,
        headers={"Content-Type": ours["Content-Type"], "X-Amz-Target": ours["X-Amz-Target"]},
    )
    signer = SigV4Auth(
        BotocoreCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-example"),
        "dynamodb",
        "eu-west-1",
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=FIXED_TIME.replace(tzinfo=None)):
        signer.add_auth(theirs)

    assert ours["Authorization"] == theirs.headers["Authorization"]
    assert ours["X-Amz-Date"] == theirs.headers["X-Amz-Date"] == "20261201T213005Z"
    assert ours["X-Amz-Security-Token"] == theirs.headers["X-Amz-Security-Token"]


def test_endpoint_comes_from_the_environment_else_the_region(credentials, monkeypatch):
    assert dynamodb_client.endpoint_url() == "https://dynamodb.eu-west-1.amazonaws.com"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/")
    assert dynamodb_client.endpoint_url() == "http://127.0.0.1:5000"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")
    assert dynamodb_client.endpoint_url() == "http://127.0.0.1:8000"


# ---------------------------------------------------------------------------------------------- a scripted endpoint
class ScriptedDynamoDB:
    """DynamoDB on loopback that answers each request with the next step of a script, then with "ok".

    Steps: "ok", "throttle", "500", "validation", "bad-crc", "stall" (reads the request, never answers),
    "close" (answers, then closes the kept-alive connection). Records targets and connections.
    """

    def __init__(self):
        self.script: list[str] = []
        self.targets: list[str] = []
        self.connections = 0
        self.release = threading.Event()
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                scripted.connections += 1

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                scripted.targets.append(self.headers.get("x-amz-target"))
                step = scripted.script.pop(0) if scripted.script else "ok"
                if step == "stall":
                    scripted.release.wait(30)
                    self.close_connection = True
                    return
                status, body = {
                    "ok": (200, {"Item": {"userId": {"S": "u-1"}}}),
                    "bad-crc": (200, {"Item": {"userId": {"S": "u-1"}}}),
                    "throttle": (400, {"__type": f"{PREFIX}ThrottlingException", "message": "slow down"}),
                    "500": (500, {"__type": f"{PREFIX}InternalServerError", "message": "oops"}),
                    "validation": (400, {"__type": "com.amazon.coral.validate#ValidationException", "message": "bad"}),
                    "close": (200, {"Item": {"userId": {"S": "u-1"}}}),
                }[step]
                data = json.dumps(body).encode()
                crc = zlib.crc32(data) + (1 if step == "bad-crc" else 0)
                self.send_response(status)
                self.send_header("content-type", "application/x-amz-json-1.0")
                self.send_header("x-amz-crc32", str(crc & 0xFFFFFFFF))
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                if step == "close":
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint(credentials, monkeypatch):
    scripted = ScriptedDynamoDB()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", scripted.url)
    yield scripted
    scripted.stop()


@pytest.fixture
def no_backoff(monkeypatch):
    """Retries without their jittered sleeps, where the test is about which attempts happen."""
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)


def test_throttling_is_retried_with_backoff_and_then_succeeds(endpoint):
    endpoint.script = ["throttle", "throttle"]
    started = time.monotonic()
    assert DynamoDB().get_item(**GET) == {"Item": {"userId": {"S": "u-1"}}}
    assert endpoint.targets == ["DynamoDB_20120810.GetItem"] * 3
    assert time.monotonic() - started < 1 + 2 + 1  # full jitter: at most 1 s, then 2 s (throttling base 1 s)


def test_three_attempts_at_most_then_the_error_code(endpoint, no_backoff):
    endpoint.script = ["500"] * 5
    with pytest.raises(DynamoDBError) as raised:
        DynamoDB().get_item(**GET)
    assert raised.value.code == "InternalServerError" and raised.value.status == 500
    assert len(endpoint.targets) == 3


def test_a_client_error_is_not_retried(endpoint, no_backoff):
    endpoint.script = ["validation"]
    with pytest.raises(DynamoDBError) as raised:
        DynamoDB().get_item(**GET)
    assert raised.value.code == "ValidationException"
    assert raised.value.response["Error"] == {"Code": "ValidationException", "Message": "bad"}
    assert len(endpoint.targets) == 1


def test_a_crc32_mismatch_is_retried_as_botocore_does(endpoint, no_backoff):
    endpoint.script = ["bad-crc"]
    assert DynamoDB().get_item(**GET)["Item"]
    assert len(endpoint.targets) == 2


def test_a_stalled_endpoint_gives_up_within_the_invocations_deadline(endpoint):
    endpoint.script = ["stall"] * 5
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 2500)  # 1.5 s to spend after the margin
    started = time.monotonic()
    with deadline.invocation(context), pytest.raises((DynamoDBUnreachable, deadline.DeadlineExceeded)):
        DynamoDB().get_item(**GET)
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 2.0, elapsed  # the read timeout (3 s) was cut to the time left


def test_a_stall_without_a_deadline_is_three_read_timeouts(endpoint, monkeypatch, no_backoff):
    monkeypatch.setenv("DYNAMODB_READ_TIMEOUT_SECONDS", "0.3")
    endpoint.script = ["stall"] * 5
    started = time.monotonic()
    with pytest.raises(DynamoDBUnreachable):
        DynamoDB().get_item(**GET)
    assert len(endpoint.targets) == 3
    assert time.monotonic() - started < 3


def test_one_kept_alive_connection_serves_every_call(endpoint):
    client = DynamoDB()
    for _ in range(5):
        client.get_item(**GET)
    assert endpoint.connections == 1


def test_a_kept_connection_the_peer_closed_is_reopened_without_failing_the_call(endpoint):
    client = DynamoDB()
    endpoint.script = ["close"]
    client.get_item(**GET)  # the server answers and closes; the next call finds the socket dead
    client.get_item(**GET)
    assert len(endpoint.targets) == 2 and endpoint.connections == 2


def test_a_snapstart_restore_drops_the_snapshots_connection(endpoint, monkeypatch):
    """Lambda calls the after-restore hooks registered through snapshot_restore_py; ours drops the socket."""
    hooks = []
    monkeypatch.setitem(
        __import__("sys").modules, "snapshot_restore_py", SimpleNamespace(register_after_restore=hooks.append)
    )
    import importlib

    # The table modules hold the module's `client` from their import: after the reloads it is put back, so a
    # later test's client.cache_clear() still reaches the client they call.
    original_client = dynamodb_module.client
    restored = importlib.reload(dynamodb_module)
    try:
        assert hooks == [restored.after_restore]
        restored.client().get_item(**GET)  # connected before the snapshot
        before = restored.client()._local.connection.sock
        for hook in hooks:
            hook()
        assert before.fileno() == -1  # the snapshot's socket is closed, never reused
        restored.client().get_item(**GET)
        assert endpoint.connections == 2
    finally:
        monkeypatch.delitem(__import__("sys").modules, "snapshot_restore_py")
        importlib.reload(dynamodb_module)
        dynamodb_module.client = original_client


def test_container_credentials_when_the_environment_has_none(endpoint, monkeypatch, tmp_path):
    """SnapStart functions get credentials only from Lambda's container credentials endpoint."""
    seen = []

    def credentials(request: Request) -> Answer:
        seen.append(request.headers.get("authorization"))
        return json_answer(
            200,
            {
                "AccessKeyId": "ASIACONTAINER",
                "SecretAccessKey": "container-secret",
                "Token": "container-token",
                "Expiration": "2099-01-01T00:00:00Z",
            },
        )

    with fake_http_server(credentials) as url:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name)
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"{url}/creds")
        token_file = tmp_path / "token"
        token_file.write_text("container-auth-token\n")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
        client = DynamoDB()
        headers = client.signed_headers(*client.serialize("GetItem", GET))
        client.get_item(**GET)
        assert "Credential=ASIACONTAINER/" in headers["Authorization"]
        assert headers["X-Amz-Security-Token"] == "container-token"
        assert seen == ["container-auth-token"]  # fetched once, cached until near its expiry
