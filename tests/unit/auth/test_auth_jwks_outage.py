"""A JWKS outage, with an issuer that really goes down (connection refused) and comes back on loopback:
requests answer 503 with Retry-After meanwhile, and are served again once that time has passed."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

import pytest
from hhl.auth import verifier
from hhl.config import settings

from kit.fake_http import fake_http_server, json_answer


class Issuer:
    """The pool's JWKS endpoint on a fixed loopback port; stop() closes the socket, start() opens it again."""

    def __init__(self, keys: list[dict]):
        self.keys = keys
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/us-east-1_unitpool/.well-known/jwks.json"
        self._serving: ExitStack | None = None

    def start(self) -> None:
        self._serving = ExitStack()
        self._serving.enter_context(fake_http_server(lambda _: json_answer(200, {"keys": self.keys}), self.port))

    def stop(self) -> None:
        if self._serving:
            self._serving.close()
            self._serving = None


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
