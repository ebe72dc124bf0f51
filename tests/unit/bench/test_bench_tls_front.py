"""`make bench`'s TLS front: the floor's boto3 and the functions' thin client both reach the emulator through
it, over TLS, trusting only its self-signed certificate (AWS_CA_BUNDLE)."""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.request

import boto3
import pytest
from hhl.storage.dynamodb_client import DynamoDB, DynamoDBUnreachable

from bench import tls_front


@pytest.fixture
def front(dynamodb, moto_server, tmp_path, monkeypatch):
    monkeypatch.setattr(tls_front, "CERT_DIR", tmp_path / "tls")
    with tls_front.front(moto_server) as running:
        for name, value in running.environment().items():
            monkeypatch.setenv(name, value)
        yield running


def test_the_thin_client_and_boto3_reach_the_emulator_through_the_front(front, service_env):
    key = {"userId": {"S": "u-1"}}
    table = service_env["DYNAMODB_USERS_TABLE"]
    thin = DynamoDB()
    assert thin.scheme == "https"
    thin.put_item(TableName=table, Item={**key, "email": {"S": "a@example.com"}})
    sdk = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=front.url, verify=str(front.ca_bundle))
    assert sdk.get_item(TableName=table, Key=key)["Item"]["email"] == {"S": "a@example.com"}


def test_the_front_speaks_tls_only_to_clients_that_trust_its_certificate(front, monkeypatch):
    with pytest.raises(urllib.error.URLError) as raised:
        urllib.request.urlopen(front.url, timeout=5, context=ssl.create_default_context())
    assert isinstance(raised.value.reason, ssl.SSLCertVerificationError)
    monkeypatch.delenv("AWS_CA_BUNDLE")
    with pytest.raises(DynamoDBUnreachable):
        DynamoDB().get_item(TableName="t", Key={"userId": {"S": "u-1"}})


def test_the_front_keeps_connections_alive_as_dynamodb_does(front):
    """The emulator closes after every response; DynamoDB does not. Through the front, one TLS connection
    carries every request, so warm requests pay no handshake that AWS would not charge them."""
    context = ssl.create_default_context(cafile=str(front.ca_bundle))
    connection = http.client.HTTPSConnection("127.0.0.1", int(front.url.rsplit(":", 1)[1]), context=context)
    headers = {
        "x-amz-target": "DynamoDB_20120810.ListTables",
        "content-type": "application/x-amz-json-1.0",
        # The emulator picks the service from the credential scope; it does not check the signature.
        "authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    sockets = []
    for _ in range(3):
        connection.request("POST", "/", body="{}", headers=headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        assert "TableNames" in json.loads(response.read())
        assert not response.will_close
        sockets.append(connection.sock)
    assert sockets[0] is sockets[1] is sockets[2]
    connection.close()
