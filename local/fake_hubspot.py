"""A fake HubSpot on 127.0.0.1: a real HTTP server for the CRM sync tests and the local stack.

It implements the endpoints the service uses - contacts batch upsert by email, the GDPR delete of
a contact (by id, or by email with idProperty) and the contact property/group definitions - with a
contact store keyed by email, a bearer-token check, and fault injection on any of them: 429 storms
(ten-secondly or daily policy, with or without Retry-After), 5xx, hangs past the client's timeout,
per-record errors in a 207 response, and a request held until the test lets it through (`hold_next`:
what happens meanwhile elsewhere happens before HubSpot carries it out). `writes` is the order in
which contacts were written and GDPR-deleted; `bodies` is every POST body as received (faulted ones too),
for tests that check what the service ever sent HubSpot.

Like HubSpot, a batch holding the same id twice, or an invalid email, is rejected with a 400 for
the whole batch. Unlike HubSpot it keys contacts by the exact email it is sent, so a client that
forgot to lower-case emails would show up as duplicate contacts ("nothing doubled" is checkable).

`make fake-hubspot` runs it on its own (HHL_HUBSPOT_PORT, default 8090) and prints every contact the CRM
sync writes; the banner says how to start the local stack against it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"
GROUPS_PATH = "/crm/v3/properties/contacts/groups"
PROPERTIES_PATH = "/crm/v3/properties/contacts"
GDPR_DELETE_PATH = "/crm/v3/objects/contacts/gdpr-delete"
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PROPERTY_TYPES = {"string": {"text", "textarea"}, "number": {"number"}, "datetime": {"date"}}


@dataclass
class Hold:
    """A request held before it is carried out: `arrived` is set when it reaches the fake, `release()` lets it on."""

    path: str
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


HOLD_LIMIT_SECONDS = 60.0  # a held request goes on by itself after this (a test that forgot to release it)


@dataclass
class Fault:
    status: int = 500
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    hang_seconds: float = 0.0
    path: str = UPSERT_PATH


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeHubSpot:
    def __init__(self, token: str = "fake-hubspot-token"):  # noqa: S107 - the fake's own, never a real token
        self.token = token
        self.contacts: dict[str, dict] = {}  # email -> {"id", "properties", "createdAt", "updatedAt"}
        self.groups: dict[str, dict] = {}
        self.properties: dict[str, dict] = {}
        self.calls: list[tuple[str, str, int]] = []  # (method, path, status) of every request
        self.upsert_batches: list[list[str]] = []  # the emails of every accepted upsert request
        self.gdpr_deletes: list[dict] = []  # the body of every GDPR delete HubSpot carried out
        self.writes: list[tuple[str, str]] = []  # ("upsert" | "gdpr-delete", email) in the order carried out
        self.bodies: list[tuple[str, bytes]] = []  # (path, raw body) of every POST that reached the fake
        self._holds: deque[Hold] = deque()
        self._faults: deque[Fault] = deque()
        self._record_errors: dict[str, int] = {}  # email -> how many more upserts answer an error for it
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, port: int = 0) -> str:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-hubspot", daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHubSpot:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ fault injection
    def fail_next(self, count: int, status: int = 500, path: str = UPSERT_PATH) -> None:
        self._queue(count, Fault(status=status, body={"status": "error", "message": "internal error"}, path=path))

    def rate_limit_next(
        self, count: int, policy: str = "TEN_SECONDLY_ROLLING", retry_after: float | None = None, path=UPSERT_PATH
    ) -> None:
        body = {
            "status": "error",
            "message": f"You have reached your {policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "policyName": policy,
        }
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        self._queue(count, Fault(status=429, body=body, headers=headers, path=path))

    def redirect_next(self, count: int, location: str, path: str = UPSERT_PATH) -> None:
        self._queue(count, Fault(status=302, headers={"Location": location}, path=path))

    def hang_next(self, count: int, seconds: float, path: str = UPSERT_PATH) -> None:
        """The next requests sleep `seconds` before answering 504 (the client should have given up)."""
        self._queue(count, Fault(status=504, hang_seconds=seconds, path=path))

    def reject_records(self, emails: list[str], times: int = 1) -> None:
        """The next `times` upserts of each email answer a per-record error inside a 207."""
        with self._lock:
            for email in emails:
                self._record_errors[email] = times

    def hold_next(self, path: str = UPSERT_PATH) -> Hold:
        """The next request to `path` waits, before it is carried out, until the returned hold is released."""
        hold = Hold(path)
        with self._lock:
            self._holds.append(hold)
        return hold

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._record_errors.clear()
            holds, self._holds = list(self._holds), deque()
        for hold in holds:
            hold.release()

    def _take_hold(self, path: str) -> Hold | None:
        with self._lock:
            for hold in self._holds:
                if hold.path == path:
                    self._holds.remove(hold)
                    return hold
        return None

    def _queue(self, count: int, fault: Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            if self._faults and self._faults[0].path == path:
                return self._faults.popleft()
        return None

    # ------------------------------------------------------------------ views for tests
    def contact(self, email: str) -> dict | None:
        with self._lock:
            contact = self.contacts.get(email)
            return None if contact is None else {**contact, "properties": dict(contact["properties"])}

    def contact_properties(self) -> dict[str, dict]:
        """email -> properties, for every contact."""
        with self._lock:
            return {email: dict(c["properties"]) for email, c in self.contacts.items()}

    # ------------------------------------------------------------------ endpoints
    def upsert(self, body: dict) -> tuple[int, dict]:
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not inputs or len(inputs) > 100:
            return 400, _error("VALIDATION_ERROR", "inputs must hold 1 to 100 records")
        ids = [i.get("id") for i in inputs]
        if len(set(ids)) != len(ids):
            return 400, _error("VALIDATION_ERROR", "Duplicate IDs found in batch input")
        for record in inputs:
            if record.get("idProperty") != "email":
                return 400, _error("VALIDATION_ERROR", "idProperty must be email")
            if not isinstance(record.get("id"), str) or not EMAIL_RE.fullmatch(record["id"]):
                return 400, _error("VALIDATION_ERROR", "Property values were not valid: invalid email")
            unknown = set(record.get("properties") or {}) - set(self.properties) - {"email"}
            if self.properties and unknown:
                return 400, _error("VALIDATION_ERROR", f"Property {sorted(unknown)} does not exist")
        results, errors = [], []
        with self._lock:
            accepted = []
            for record in inputs:
                email = record["id"]
                trace = record.get("objectWriteTraceId")
                if self._record_errors.get(email, 0) > 0:
                    self._record_errors[email] -= 1
                    errors.append(
                        {
                            "status": "error",
                            "category": "VALIDATION_ERROR",
                            "message": "record could not be written",
                            "context": {"objectWriteTraceId": [trace]},
                        }
                    )
                    continue
                now = _now()
                contact = self.contacts.get(email)
                is_new = contact is None
                if is_new:
                    contact = self.contacts[email] = {"id": str(next(self._ids)), "properties": {}, "createdAt": now}
                contact["properties"].update({"email": email, **{k: str(v) for k, v in record["properties"].items()}})
                contact["updatedAt"] = now
                accepted.append(email)
                self.writes.append(("upsert", email))
                results.append(
                    {
                        "id": contact["id"],
                        "new": is_new,
                        "objectWriteTraceId": trace,
                        "properties": dict(contact["properties"]),
                        "createdAt": contact["createdAt"],
                        "updatedAt": now,
                        "archived": False,
                    }
                )
            self.upsert_batches.append(accepted)
        payload = {"status": "COMPLETE", "results": results, "startedAt": _now(), "completedAt": _now()}
        if errors:
            payload.update(errors=errors, numErrors=len(errors))
        return (207 if errors else 200), payload

    def gdpr_delete(self, body: dict) -> tuple[int, dict | None]:
        """Like HubSpot: 204 once the contact is gone; an unknown id is a 404, an unknown email is blocklisted (204)."""
        object_id, id_property = body.get("objectId"), body.get("idProperty")
        if not isinstance(object_id, str) or not object_id or id_property not in (None, "email"):
            return 400, _error("VALIDATION_ERROR", "objectId is required; idProperty may only be email")
        with self._lock:
            if id_property == "email":
                found = object_id if object_id in self.contacts else None
            else:
                found = next((email for email, c in self.contacts.items() if c["id"] == object_id), None)
            if found is None and id_property != "email":
                return 404, _error("OBJECT_NOT_FOUND", "resource not found")
            if found is not None:
                del self.contacts[found]
                self.writes.append(("gdpr-delete", found))
            self.gdpr_deletes.append(dict(body))
        return 204, None

    def create_group(self, body: dict) -> tuple[int, dict]:
        name = body.get("name")
        if not isinstance(name, str) or not name or not isinstance(body.get("label"), str):
            return 400, _error("VALIDATION_ERROR", "name and label are required")
        with self._lock:
            if name in self.groups:
                return 409, _error("CONFLICT", f"A property group named '{name}' already exists.")
            self.groups[name] = {"name": name, "label": body["label"], "displayOrder": body.get("displayOrder", -1)}
            return 201, dict(self.groups[name])

    def create_property(self, body: dict) -> tuple[int, dict]:
        name, kind, field_type = body.get("name"), body.get("type"), body.get("fieldType")
        if not all(isinstance(body.get(k), str) and body[k] for k in ("name", "label", "groupName")):
            return 400, _error("VALIDATION_ERROR", "name, label and groupName are required")
        if field_type not in PROPERTY_TYPES.get(kind, set()):
            return 400, _error("VALIDATION_ERROR", f"fieldType {field_type!r} does not fit type {kind!r}")
        with self._lock:
            if body["groupName"] not in self.groups:
                return 400, _error("VALIDATION_ERROR", f"group {body['groupName']!r} does not exist")
            if name in self.properties:
                return 409, _error("OBJECT_ALREADY_EXISTS", f"A property named '{name}' already exists.")
            self.properties[name] = dict(body)
            return 201, dict(body)


def _error(category: str, message: str) -> dict:
    return {"status": "error", "category": category, "message": message, "correlationId": "fake"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHubSpot
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _reply(self, status: int, body: dict | None, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.fake.calls.append((self.command, urlsplit(self.path).path, status))
        try:
            self.send_response(status)
            if body is not None:
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (a hang fault): nothing to answer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if not self._authorized():
            return
        with self.fake._lock:
            if path.startswith(GROUPS_PATH + "/"):
                found = self.fake.groups.get(path.rsplit("/", 1)[1])
            elif path.startswith(PROPERTIES_PATH + "/"):
                found = self.fake.properties.get(path.rsplit("/", 1)[1])
            else:
                found = None
        self._reply(200 if found else 404, found or _error("OBJECT_NOT_FOUND", "not found"))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        with self.fake._lock:
            self.fake.bodies.append((path, raw))
        if not self._authorized():
            return
        hold = self.fake._take_hold(path)
        if hold:
            hold.arrived.set()
            hold.released.wait(HOLD_LIMIT_SECONDS)
        fault = self.fake._take_fault(path)
        if fault:
            if fault.hang_seconds:
                time.sleep(fault.hang_seconds)
            self._reply(fault.status, fault.body, fault.headers)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._reply(400, _error("VALIDATION_ERROR", "Invalid input JSON"))
            return
        routes = {UPSERT_PATH: self.fake.upsert, GROUPS_PATH: self.fake.create_group}
        routes[PROPERTIES_PATH] = self.fake.create_property
        routes[GDPR_DELETE_PATH] = self.fake.gdpr_delete
        route = routes.get(path)
        if route is None or not isinstance(body, dict):
            self._reply(404, _error("NOT_FOUND", "unknown endpoint"))
            return
        self._reply(*route(body))

    def _authorized(self) -> bool:
        if self.headers.get("authorization") == f"Bearer {self.fake.token}":
            return True
        self._reply(401, _error("INVALID_AUTHENTICATION", "Authentication credentials not found."))
        return False


def _print_contact_changes(fake: FakeHubSpot, seen: dict[str, str]) -> None:
    with fake._lock:
        changed = [(email, dict(c)) for email, c in fake.contacts.items() if seen.get(email) != c["updatedAt"]]
    for email, contact in changed:
        seen[email] = contact["updatedAt"]
        shown = ", ".join(f"{k}={v}" for k, v in sorted(contact["properties"].items()) if k.startswith("hhl_"))
        print(f"contact {contact['id']} {email}: {shown}", flush=True)


def main() -> int:
    port = os.environ.get("HHL_HUBSPOT_PORT", "8090")
    if not port.isdigit() or not 0 < int(port) < 65536:
        print(
            f"fake HubSpot: HHL_HUBSPOT_PORT must be a TCP port number from 1 to 65535, not {port!r}", file=sys.stderr
        )
        return 1
    fake = FakeHubSpot(os.environ.get("HUBSPOT_PRIVATE_APP_TOKEN") or "fake-hubspot-token")
    try:
        base_url = fake.start(int(port))
    except OSError as exc:
        print(
            f"fake HubSpot: cannot listen on 127.0.0.1:{port} ({exc.strerror}); set HHL_HUBSPOT_PORT", file=sys.stderr
        )
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    print(
        f"fake HubSpot on {base_url} (token {fake.token}). Start the local stack against it with\n"
        f"  ENABLE_CRM_PROGRESS=true HUBSPOT_API_BASE_URL={base_url} HUBSPOT_PRIVATE_APP_TOKEN={fake.token} make dev\n"
        f"then make crm-properties. Contacts the sync writes are printed here; Ctrl-C stops.",
        flush=True,
    )
    seen: dict[str, str] = {}
    while not stopping.wait(0.5):
        _print_contact_changes(fake, seen)
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
