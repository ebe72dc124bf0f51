"""A TLS front (self-signed, loopback) before the bench's emulator, answering as DynamoDB does.

Real DynamoDB is HTTPS only and keeps connections alive; the emulator speaks plain HTTP and closes the
connection after every response (werkzeug sends `Connection: close`). Either would mislead: plain HTTP
hides what a cold container's first call costs (the TLS handshake, building an SSL context), and a
close per response makes every warm request pay a new handshake, which no AWS client pays and which
drowned the handlers' own overhead in the warm ratios. So the front terminates TLS, keeps each client's
connection alive (HTTP/1.1) and relays every request to the emulator. The floor and the functions alike
reach the emulator through it (AWS_ENDPOINT_URL=https://127.0.0.1:<port>, AWS_CA_BUNDLE = its
certificate, which both botocore and the thin client honour): one handshake per container, as in AWS.
"""

from __future__ import annotations

import contextlib
import http.client
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.runtime import ROOT
from kit import certificates
from local.http_server import LocalHTTPServer, RequestHandler

CERT_DIR = ROOT / ".local" / "bench-tls"


@dataclass(frozen=True)
class Front:
    url: str  # https://127.0.0.1:<port>
    ca_bundle: Path  # the self-signed certificate, to trust

    def environment(self) -> dict[str, str]:
        url, ca_bundle = self.url, str(self.ca_bundle)
        return {"AWS_ENDPOINT_URL": url, "AWS_ENDPOINT_URL_DYNAMODB": url, "AWS_CA_BUNDLE": ca_bundle}


def self_signed(directory: Path | None = None) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and localhost) and its key, made once per machine (in CERT_DIR)."""
    directory = directory or CERT_DIR
    cert, key = directory / "cert.pem", directory / "key.pem"
    if cert.exists() and key.exists():
        return cert, key
    certificate, private_key = certificates.self_signed(
        ["127.0.0.1", "localhost"], days=365, common_name="hedgehog-learn bench emulator", ca=True
    )
    directory.mkdir(parents=True, exist_ok=True)
    key.write_bytes(private_key)
    key.chmod(0o600)
    cert.write_bytes(certificate)
    return cert, key


# Hop-by-hop headers are the relay's own business on each side (RFC 9110 7.6.1).
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"})


class _Relay(RequestHandler):
    """One kept-alive client connection; each request goes to the emulator on a connection of its own."""

    upstream: tuple[str, int]

    def do_POST(self) -> None:
        self._relay()

    def do_GET(self) -> None:
        self._relay()

    def _relay(self) -> None:
        body = self.rfile.read(self.body_length())
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        backend = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            backend.request(self.command, self.path, body=body, headers=headers)
            response = backend.getresponse()
            payload = response.read()
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            backend.close()

    def log_message(self, format: str, *args) -> None:
        pass  # the emulator logs the requests


class _TLSServer(LocalHTTPServer):
    def __init__(self, upstream: tuple[str, int], context: ssl.SSLContext):
        self.context = context
        handler = type("Relay", (_Relay,), {"upstream": upstream})
        super().__init__(("127.0.0.1", 0), handler)

    def get_request(self):
        client, address = super().get_request()
        # The handshake happens in the connection's own thread (on its first read), not in the accept loop.
        return self.context.wrap_socket(client, server_side=True, do_handshake_on_connect=False), address


@contextlib.contextmanager
def front(emulator_url: str) -> Iterator[Front]:
    """TLS on a free loopback port, relaying every request to the emulator in plain HTTP."""
    cert, key = self_signed()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    parts = urllib.parse.urlsplit(emulator_url)
    server = _TLSServer((parts.hostname, parts.port), context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Front(f"https://127.0.0.1:{server.server_address[1]}", cert)
    finally:
        server.shutdown()
        server.server_close()
