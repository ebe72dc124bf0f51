"""hhl.tls: a container builds one TLS context (a CA store load, ~20 ms of a learner's first click) for
DynamoDB, Cognito and the JWKS, however many of them it calls."""

from __future__ import annotations

import ssl
import urllib.parse

import pytest
from hhl import tls
from hhl.auth.jwks import fetch_jwks
from hhl.storage.dynamodb_client import DynamoDB

from bench import tls_front


@pytest.fixture
def contexts_built(monkeypatch):
    """Every TLS client context built from here on: by ssl directly, or by http.client for urllib."""
    built: list[ssl.SSLContext] = []
    create, create_for_http = ssl.create_default_context, ssl._create_default_https_context

    def counting(*args, **kwargs):
        built.append(create(*args, **kwargs))
        return built[-1]

    def counting_for_http(*args, **kwargs):
        built.append(create_for_http(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    monkeypatch.setattr(ssl, "_create_default_https_context", counting_for_http)
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    tls._context.cache_clear()
    tls._opener.cache_clear()
    yield built
    tls._context.cache_clear()
    tls._opener.cache_clear()


def test_dynamodb_and_the_jwks_fetches_over_https_share_one_context(
    contexts_built, jwks_server, signing_key, monkeypatch, tmp_path
):
    monkeypatch.setattr(tls_front, "CERT_DIR", tmp_path / "tls")
    with tls_front.front(jwks_server.url) as https_cognito:  # Cognito's JWKS is HTTPS, as in AWS
        monkeypatch.setenv("AWS_CA_BUNDLE", str(https_cognito.ca_bundle))
        contexts_built.clear()  # the front's own (server) context
        dynamodb = DynamoDB("https://127.0.0.1:1")
        jwks_url = https_cognito.url + urllib.parse.urlsplit(jwks_server.url).path
        for _ in range(3):
            assert signing_key.kid in fetch_jwks(jwks_url)
    assert len(contexts_built) == 1
    assert dynamodb._ssl is contexts_built[0]


def test_a_ca_bundle_replaces_the_store_for_every_client(contexts_built, monkeypatch, tmp_path, signing_key):
    from kit import certificates

    certificate, _ = certificates.self_signed(["127.0.0.1"], days=1, common_name="test ca", ca=True)
    (tmp_path / "ca.pem").write_bytes(certificate)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    context = DynamoDB("https://127.0.0.1:1")._ssl
    assert tls.aws_context() is context
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "test ca"),),)]
