"""A fault-injecting HTTP proxy between the local stack's handlers and the emulator's DynamoDB (dev only).

With HHL_FAULT_PROXY_PORT set, `make dev` points the handlers' AWS_ENDPOINT_URL_DYNAMODB here; the stream
poller (Lambda's event source mapping, a service of its own in AWS) keeps reading the emulator directly.
Every request is forwarded unchanged (moto does not check SigV4, so the proxy's host in the signature is
harmless) until a fault is armed: "after the next successful write to table X, fail (500 InternalServerError)
or stall (hold, then drop the connection) every call for N seconds, or until cleared". A write is matched by
X-Amz-Target and the table it names, so a test can let a write reach DynamoDB and the same request's next
call fail, deterministically. Hand-written: proxies like toxiproxy fault a TCP stream by time or bytes and
cannot tell a DynamoDB write to one table from any other request.

Control over loopback on the same port: POST /fault {"afterWriteTo": table, "seconds": n|null, "kind":
"fail"|"stall"} arms, DELETE /fault clears, GET /fault reports; the DynamoDB protocol only uses POST /.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass

from local.http_server import LocalHTTPServer, MalformedRequest, RequestHandler

CONTROL_PATH = "/fault"
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
KINDS = ("fail", "stall")
UPSTREAM_TIMEOUT_SECONDS = 60.0
INJECTED_ERROR = {
    "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
    "message": "Internal server error (injected by the local fault proxy)",
}


def written_tables(target: str, body: bytes) -> set[str]:
    """The tables a DynamoDB request writes to (empty for reads and for anything unparsable)."""
    operation = target.rpartition(".")[2]
    if operation not in WRITE_OPERATIONS:
        return set()
    try:
        request = json.loads(body)
    except ValueError:
        return set()
    if not isinstance(request, dict):
        return set()
    if operation == "BatchWriteItem":
        return set(request.get("RequestItems") or {})
    if operation == "TransactWriteItems":
        return {
            action.get("TableName")
            for item in request.get("TransactItems") or []
            for action in item.values()
            if isinstance(action, dict)
        } - {None}
    return {request["TableName"]} if isinstance(request.get("TableName"), str) else set()


@dataclass
class _Armed:
    table: str
    kind: str
    seconds: float | None  # None: until cleared


class FaultPlan:
    """What the proxy does to the next request; shared by the server's threads, so guarded by one lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cleared = threading.Event()
        self._armed: _Armed | None = None
        self._failing: _Armed | None = None
        self._failing_until: float | None = None
        self.triggered_at: float | None = None  # time.time() of the write that started the fault
        self.faulted_calls = 0

    def arm(self, table: str, kind: str = "fail", seconds: float | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if seconds is not None and not 0 < seconds <= 600:
            raise ValueError("seconds must be more than 0 and at most 600, or null (until cleared)")
        with self._lock:
            self._armed = _Armed(table, kind, seconds)
            self._failing = self._failing_until = self.triggered_at = None
            self.faulted_calls = 0
            self._cleared.clear()

    def clear(self) -> None:
        with self._lock:
            self._armed = self._failing = self._failing_until = None
            self._cleared.set()

    def _end_if_over(self) -> None:
        if self._failing_until is not None and time.monotonic() >= self._failing_until:
            self._failing = self._failing_until = None

    def fault_now(self) -> str | None:
        """The kind of fault this request gets, or None to forward it; counts the faulted ones."""
        with self._lock:
            self._end_if_over()
            if self._failing is None:
                return None
            self.faulted_calls += 1
            return self._failing.kind

    def wrote(self, tables: set[str]) -> None:
        """A write to `tables` succeeded: an armed fault on one of them starts now."""
        with self._lock:
            armed = self._armed
            if armed is None or armed.table not in tables:
                return
            self._armed, self._failing = None, armed
            self._failing_until = None if armed.seconds is None else time.monotonic() + armed.seconds
            self.triggered_at = time.time()

    def stall(self) -> None:
        """Hold a stalled request until the fault ends (its window closes, or it is cleared)."""
        with self._lock:
            until = self._failing_until
        self._cleared.wait(None if until is None else max(0.0, until - time.monotonic()))

    def report(self) -> dict:
        with self._lock:
            self._end_if_over()
            return {
                "armed": self._armed and vars(self._armed),
                "failing": self._failing is not None,
                "triggeredAt": self.triggered_at,
                "faultedCalls": self.faulted_calls,
            }


class _Handler(RequestHandler):
    server_version = "hedgehog-learn-local-fault-proxy"
    plan: FaultPlan
    upstream: urllib.parse.SplitResult

    def log_message(self, format, *args):
        pass  # one line per DynamoDB call would drown the stack's log

    def do_GET(self):
        if self.path == CONTROL_PATH:
            self._answer(200, self.plan.report())
        else:
            self._answer(404, {"message": "Not Found"})

    def do_DELETE(self):
        if self.path == CONTROL_PATH:
            self.plan.clear()
            self._answer(200, self.plan.report())
        else:
            self._answer(404, {"message": "Not Found"})

    def do_POST(self):
        try:
            body = self.rfile.read(self.body_length())
        except MalformedRequest as exc:
            self.send_error(exc.status)
            return
        if self.path == CONTROL_PATH:
            self._control(body)
            return
        fault = self.plan.fault_now()
        if fault == "stall":
            self.plan.stall()
            self.close_connection = True  # no answer at all, as a hung peer gives none
            return
        if fault == "fail":
            self._answer(500, INJECTED_ERROR, {"x-amzn-errortype": "InternalServerError"})
            return
        status, headers, data = self._forward(body)
        if status == 200:
            self.plan.wrote(written_tables(self.headers.get("x-amz-target", ""), body))
        passed_on = {
            name: value
            for name, value in headers
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date")
        }
        self.send_body(status, data, passed_on)

    def _control(self, body: bytes) -> None:
        try:
            order = json.loads(body)
            self.plan.arm(str(order["afterWriteTo"]), order.get("kind", "fail"), order.get("seconds"))
        except (ValueError, KeyError, TypeError) as exc:
            self._answer(400, {"message": f"expected {{afterWriteTo, kind, seconds}}: {exc}"})
            return
        self._answer(200, self.plan.report())

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(
            self.upstream.hostname, self.upstream.port, timeout=UPSTREAM_TIMEOUT_SECONDS
        )
        try:
            headers = {name: value for name, value in self.headers.items() if name.lower() != "connection"}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
        self.send_body(
            status, json.dumps(body).encode(), {"content-type": "application/x-amz-json-1.0", **(headers or {})}
        )


def serve(upstream_url: str, host: str, port: int, plan: FaultPlan | None = None) -> LocalHTTPServer:
    """Bind the proxy in front of `upstream_url` (not yet serving: the caller runs serve_forever in a thread)."""
    upstream = urllib.parse.urlsplit(upstream_url)
    attributes = {"plan": plan or FaultPlan(), "upstream": upstream}
    return LocalHTTPServer((host, port), type("FaultProxyHandler", (_Handler,), attributes))
