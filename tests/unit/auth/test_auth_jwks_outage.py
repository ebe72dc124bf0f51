"""A JWKS outage, with an issuer that really goes down (connection refused) and comes back on loopback:
requests answer 503 with Retry-After meanwhile, and are served again once that time has passed."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hhl.auth import verifier
from hhl.config import settings


class Issuer:
    """The pool's JWKS endpoint on a fixed loopback port; stop() closes the socket, start() opens it again."""

    def __init__(self, keys: list[dict]):
        self.keys = keys
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/us-east-1_unitpool/.well-known/jwks.json"
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        keys = self.keys

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"keys": keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def issuer(api, signing_key, monkeypatch):
    """The issuer, down at first; the service's JWKS URL points at it and its caches start empty."""
    down = Issuer([signing_key.jwk])
    monkeypatch.setenv("COGNITO_JWKS_URL", down.url)
    settings.cache_clear()
    verifier.cognito_verifier.cache_clear()
    yield down
    down.stop()


def _retry_after(reply) -> int:
    assert reply.status == 503
    assert set(reply.body) == {"error"}
    seconds = int(reply.headers["retry-after"])
    assert 1 <= seconds <= 5
    return seconds


def test_jwks_outage_is_503_with_retry_after_and_recovers_quickly(api, issuer, tokens):
    bearer = {"authorization": f"Bearer {tokens.access()}"}
    retry_after = _retry_after(api.request("GET", "/progress", headers=bearer))
    issuer.start()
    time.sleep(retry_after)
    back = api.request("GET", "/progress", headers=bearer)
    assert (back.status, back.body) == (200, {"courses": []})


def test_callback_during_a_jwks_outage_is_503_with_retry_after(api, issuer, signed_in):
    retry_after = _retry_after(signed_in())
    issuer.start()
    time.sleep(retry_after)
    assert signed_in().status == 302
