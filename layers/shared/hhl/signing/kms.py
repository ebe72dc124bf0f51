"""The KMS operations certificates need (Sign, GetPublicKey) over the storage layer's thin AWS JSON client.

No boto3 here either (hhl.storage.dynamodb_client explains why): KMS speaks the same JSON protocol, as
`TrentService.<Operation>` with `application/x-amz-json-1.1`. Binary fields travel base64-encoded.
Endpoint: AWS_ENDPOINT_URL_KMS, else AWS_ENDPOINT_URL, else https://kms.<region>.amazonaws.com.
"""

from __future__ import annotations

import base64
import functools

from hhl.storage.dynamodb_client import DynamoDB, DynamoDBError, DynamoDBUnreachable

MAX_RAW_MESSAGE_BYTES = 4096


class KmsError(Exception):
    """KMS answered with an error (after the retries the policy allows)."""

    def __init__(self, code: str, message: str, status: int, body: dict):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status


class KmsUnreachable(Exception):
    """No answer from KMS: connection refused or reset, timeouts (after the allowed retries)."""


class KMS(DynamoDB):
    SERVICE = "kms"
    TARGET_PREFIX = "TrentService."
    CONTENT_TYPE = "application/x-amz-json-1.1"

    def call(self, operation: str, request: dict) -> dict:
        try:
            return super().call(operation, request)
        except DynamoDBError as exc:
            raise KmsError(exc.code, str(exc), exc.status, {}) from None
        except DynamoDBUnreachable as exc:
            raise KmsUnreachable(str(exc)) from None

    def sign(self, key_id: str, message: bytes) -> bytes:
        """ECDSA_SHA_256 over `message` (RAW: KMS hashes it; at most 4096 bytes): the DER-encoded signature."""
        if len(message) > MAX_RAW_MESSAGE_BYTES:
            raise ValueError(f"KMS signs at most {MAX_RAW_MESSAGE_BYTES} bytes of a raw message")
        response = self.call(
            "Sign",
            {
                "KeyId": key_id,
                "Message": base64.b64encode(message).decode(),
                "MessageType": "RAW",
                "SigningAlgorithm": "ECDSA_SHA_256",
            },
        )
        return base64.b64decode(response["Signature"])

    def public_key(self, key_id: str) -> tuple[str, bytes]:
        """(the key's ARN, its public key as DER SubjectPublicKeyInfo)."""
        response = self.call("GetPublicKey", {"KeyId": key_id})
        return response["KeyId"], base64.b64decode(response["PublicKey"])


@functools.cache
def client() -> KMS:
    return KMS()
