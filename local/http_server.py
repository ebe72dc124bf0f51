"""The HTTP server under the local API, hosted UI and site, and the request handling they share."""

from __future__ import annotations

import json
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalHTTPServer(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of parallel requests (the concurrency tests send
    # 20 at once, a browser opens several) overflows it and the kernel resets connections under load.
    request_queue_size = 128
    daemon_threads = True


class MalformedRequest(Exception):
    """A request whose body cannot be framed: answered with `status`, then the connection is closed."""

    def __init__(self, status: HTTPStatus):
        super().__init__(status.phrase)
        self.status = status


class RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive without Nagle's algorithm, and API Gateway's JSON `{"message": ...}` for every
    error http.server answers by itself (malformed request line, oversized headers, ...)."""

    protocol_version = "HTTP/1.1"
    path = ""  # until a request line is parsed: errors about an unparsable one are logged too
    # A response goes out as two writes, headers then body. With Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers: ~40 ms on every kept-alive request.
    disable_nagle_algorithm = True
    # Each request is logged as "[<log_label>] GET /path 200": the path only, never the query string,
    # which may hold an authorization code. Without a label, http.server's own log line.
    log_label = ""

    def log_request(self, code="-", size="-") -> None:
        if not self.log_label:
            super().log_request(code, size)
            return
        print(f"[{self.log_label}] {self.command} {urllib.parse.urlsplit(self.path).path} {code}", flush=True)

    def send_body(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """A whole response: the status line, `headers`, the body's length and the body."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        status = HTTPStatus(code)
        body = json.dumps({"message": status.phrase}, separators=(",", ":")).encode()
        self.close_connection = True  # whatever follows a request we could not parse is not a request
        # http.server takes an unparsable request line for HTTP/0.9 and would send the body without a status line.
        self.request_version = self.protocol_version
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body_length(self) -> int:
        """The request body's length from its one Content-Length, as API Gateway frames requests: a
        malformed or repeated Content-Length is a 400, and a body without one (chunked) a 411."""
        if self.headers.get("transfer-encoding"):
            raise MalformedRequest(HTTPStatus.LENGTH_REQUIRED)
        values = self.headers.get_all("content-length") or ["0"]
        if len(values) > 1 or not values[0].strip().isdigit():
            raise MalformedRequest(HTTPStatus.BAD_REQUEST)
        return int(values[0])
