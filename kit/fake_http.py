"""One scripted HTTP server on loopback for tests that stand in for a dependency (DynamoDB, a credentials
endpoint, Cognito): each request goes to an `answer` function, which returns (status, headers, body)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


Answer = tuple[int, dict[str, str], bytes]


def json_answer(status: int, document: object, content_type: str = "application/json") -> Answer:
    return status, {"content-type": content_type}, json.dumps(document).encode()


@contextmanager
def fake_http_server(answer: Callable[[Request], Answer], port: int = 0) -> Iterator[str]:
    """Serve `answer` on 127.0.0.1 (`port`, default any free one) for the block; yields http://127.0.0.1:<port>."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Request(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            status, headers, body = answer(request)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()  # quick stop
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
