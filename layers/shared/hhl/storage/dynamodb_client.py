"""A thin DynamoDB client: the JSON protocol over one persistent HTTPS connection, SigV4 from aws-sdk-signers.

Why not boto3: importing it and creating a client is most of a cold start here, and the service uses five
operations of one protocol (docs/performance.md). Invariant: it sends exactly what boto3 sends, proven
against botocore's serializer and SigV4Auth (tests/unit/storage/test_dynamo_json_oracle.py,
tests/unit/storage/test_dynamodb_client.py). Credentials come from the environment or Lambda's container
endpoint; one connection per thread, kept alive and reopened when the peer closed it. Retries follow
botocore's standard mode (hhl.retry's loop, this module's classification and retry quota), bounded by the
invocation's deadline (hhl.deadline). An error answer raises DynamoDBError, a transport failure
DynamoDBUnreachable; hhl.storage.dynamodb turns both into storage errors.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import threading
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aws_sdk_signers import URI, AWSCredentialIdentity, AWSRequest, Field, Fields, SigV4Signer

from hhl import retry
from hhl.deadline import DeadlineExceeded, attempt_timeout
from hhl.tls import aws_context, aws_opener

TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 3.0
MAX_ATTEMPTS = 3
MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # one Query page is at most 1 MB of items; generous for the JSON around it

# botocore.retries.standard, for DynamoDB:
TRANSIENT_ERROR_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
TRANSIENT_STATUS_CODES = frozenset({500, 502, 503, 504})
THROTTLING_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
THROTTLING_STATUS_CODES = frozenset({429})
MODELED_RETRYABLE_CODES = frozenset({"ReplicatedWriteConflictException"})  # DynamoDB's model marks it retryable
THROTTLING_BASE_SECONDS = 1.0
BASE_SECONDS = 0.025
MAX_BACKOFF_SECONDS = 20.0
RETRY_AFTER_MAX_ADDITIONAL_SECONDS = 5.0
QUOTA_CAPACITY, RETRY_COST, THROTTLING_RETRY_COST, NO_RETRY_INCREMENT = 500, 14, 5, 1
BACKOFF = retry.Backoff(
    max_attempts=MAX_ATTEMPTS,
    base=BASE_SECONDS,
    cap=MAX_BACKOFF_SECONDS,
    jitter=retry.FULL,
    throttled_base=THROTTLING_BASE_SECONDS,
    server_wait_over_backoff=RETRY_AFTER_MAX_ADDITIONAL_SECONDS,
)

_SIGNER = SigV4Signer()


class DynamoDBError(Exception):
    """DynamoDB answered with an error (after the retries the policy allows)."""

    def __init__(self, code: str, message: str, status: int, body: dict):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        # The shape botocore's ClientError.response has: the error, and what the body carried besides
        # (a failed condition's old "Item" with ReturnValuesOnConditionCheckFailure).
        extra = {k: v for k, v in body.items() if k not in ("__type", "message", "Message")}
        self.response = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
            **extra,
        }


class DynamoDBUnreachable(Exception):
    """No answer: connection refused or reset, timeouts, a broken response (after the allowed retries)."""


# ---------------------------------------------------------------------------------------------- setup
def endpoint_url(service: str = "dynamodb") -> str:
    """AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else the service's regional endpoint."""
    variable = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")
    url = os.environ.get(variable) or os.environ.get("AWS_ENDPOINT_URL")
    return url.rstrip("/") if url else f"https://{service}.{region()}.amazonaws.com"


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class Credentials:
    """The function's credentials: its environment, or Lambda's container credentials endpoint.

    Hand-written because botocore's provider chain is what this client exists to avoid; Lambda offers
    exactly these two sources (SnapStart functions get only the endpoint).
    """

    REFRESH_BEFORE = timedelta(minutes=5)

    def __init__(self):
        self._identity: AWSCredentialIdentity | None = None
        self._lock = threading.Lock()

    def identity(self) -> AWSCredentialIdentity:
        access_key = os.environ.get("AWS_ACCESS_KEY_ID")
        if access_key:
            return AWSCredentialIdentity(
                access_key_id=access_key,
                secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
            )
        with self._lock:
            identity = self._identity
            if identity is None or identity.expiration - self.REFRESH_BEFORE <= datetime.now(UTC):
                identity = self._identity = self._from_container_endpoint()
            return identity

    @staticmethod
    def _from_container_endpoint() -> AWSCredentialIdentity:
        uri = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        if not uri:
            raise DynamoDBUnreachable("no AWS credentials in the environment")
        token = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        token_file = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        if token_file:
            with open(token_file) as file:
                token = file.read().strip()
        request = urllib.request.Request(uri, headers={"Authorization": token} if token else {})
        try:
            with aws_opener().open(request, timeout=attempt_timeout(2.0, "credentials")) as response:
                document = json.loads(response.read(64 * 1024))
            return AWSCredentialIdentity(
                access_key_id=document["AccessKeyId"],
                secret_access_key=document["SecretAccessKey"],
                session_token=document.get("Token"),
                expiration=datetime.fromisoformat(document["Expiration"].replace("Z", "+00:00")),
            )
        except DeadlineExceeded:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise DynamoDBUnreachable(f"container credentials unavailable: {type(exc).__name__}") from None


class _RetryQuota:
    """botocore's retry quota: retries spend capacity, successes earn it back, so an outage stops retrying."""

    def __init__(self):
        self.available = QUOTA_CAPACITY
        self._lock = threading.Lock()

    def acquire(self, amount: int) -> bool:
        with self._lock:
            if amount > self.available:
                return False
            self.available -= amount
            return True

    def release(self, amount: int) -> None:
        with self._lock:
            self.available = min(QUOTA_CAPACITY, self.available + amount)


class _Attempt:
    """The outcome of one attempt: a parsed body, an error answer, or a transport failure."""

    def __init__(self, status: int | None = None, body: dict | None = None, headers=None, failure: str | None = None):
        self.status = status
        self.body = body if body is not None else {}
        self.headers = headers or {}
        self.failure = failure  # transport failure (no usable answer), or None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status == 200

    @property
    def code(self) -> str:
        error_type = str(self.body.get("__type") or self.headers.get("x-amzn-errortype") or "")
        return error_type.rpartition("#")[2].partition(":")[0] or f"HTTP{self.status}"

    @property
    def message(self) -> str:
        return str(self.body.get("message") or self.body.get("Message") or "")

    @property
    def throttled(self) -> bool:
        return self.failure is None and (self.code in THROTTLING_ERROR_CODES or self.status in THROTTLING_STATUS_CODES)

    @property
    def retryable(self) -> bool:
        if self.failure is not None or self.throttled:
            return True
        return self.status in TRANSIENT_STATUS_CODES or self.code in TRANSIENT_ERROR_CODES | MODELED_RETRYABLE_CODES

    @property
    def server_wait(self) -> float | None:
        """x-amz-retry-after (milliseconds) in seconds; None without one."""
        retry_after_ms = self.headers.get("x-amz-retry-after")
        return int(retry_after_ms) / 1000 if retry_after_ms and retry_after_ms.isdigit() else None

    def as_failure(self) -> retry.Failure:
        return retry.Failure(self, self.retryable, self.throttled, self.server_wait)


# ---------------------------------------------------------------------------------------------- client
class DynamoDB:
    """The operations the storage layer uses, as boto3's low-level client names them.

    Another AWS JSON-protocol service is the same client with its own SERVICE, TARGET_PREFIX and
    CONTENT_TYPE (hhl.auth.cognito_admin).
    """

    SERVICE = "dynamodb"
    TARGET_PREFIX = TARGET_PREFIX
    CONTENT_TYPE = CONTENT_TYPE

    def __init__(self, url: str | None = None, credentials: Credentials | None = None):
        # DYNAMODB_READ_TIMEOUT_SECONDS: for an emulator slower than DynamoDB (moto on a busy test machine).
        self.read_timeout = float(os.environ.get("DYNAMODB_READ_TIMEOUT_SECONDS") or READ_TIMEOUT_SECONDS)
        parts = urllib.parse.urlsplit(url or endpoint_url(self.SERVICE))
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port
        self.region = region()
        self._credentials = credentials or Credentials()
        https = self.scheme == "https"
        self._ssl = aws_context() if https else None
        self._local = threading.local()  # the connection: one per thread, so one per Lambda container
        self._quota = _RetryQuota()
        # Called with (operation, request) once per API call, whatever the retries: cost accounting in tests.
        self.observers: list[Callable[[str, dict], None]] = []

    def get_item(self, **request) -> dict:
        return self.call("GetItem", request)

    def put_item(self, **request) -> dict:
        return self.call("PutItem", request)

    def update_item(self, **request) -> dict:
        return self.call("UpdateItem", request)

    def delete_item(self, **request) -> dict:
        return self.call("DeleteItem", request)

    def query(self, **request) -> dict:
        return self.call("Query", request)

    def batch_get_item(self, **request) -> dict:
        return self.call("BatchGetItem", request)

    # ------------------------------------------------------------------ one call, with retries
    @classmethod
    def serialize(cls, operation: str, request: dict) -> tuple[str, bytes]:
        """The X-Amz-Target and body of a request: byte for byte what botocore's JSON serializer sends."""
        return cls.TARGET_PREFIX + operation, json.dumps(request).encode()

    def call(self, operation: str, request: dict) -> dict:
        for observer in self.observers:
            observer(operation, request)
        target, payload = self.serialize(operation, request)
        acquired = 0  # the quota the last retry spent: a success pays it back

        def attempt(_number: int) -> dict | retry.Failure:
            answer = self._attempt(target, payload)
            return answer.body if answer.ok else answer.as_failure()

        def may_retry(failure: retry.Failure) -> bool:
            nonlocal acquired
            cost = THROTTLING_RETRY_COST if failure.throttled else RETRY_COST
            if not self._quota.acquire(cost):
                return False
            acquired = cost
            return True

        try:
            body = retry.run(attempt, BACKOFF, may_retry=may_retry)
        except retry.GaveUp as stop:  # not retryable, out of attempts, quota or the invocation's time
            raise self._failure(stop.failure.detail) from None
        self._quota.release(acquired or NO_RETRY_INCREMENT)
        return body

    @staticmethod
    def _failure(attempt: _Attempt) -> Exception:
        if attempt.failure is not None:
            return DynamoDBUnreachable(attempt.failure)
        return DynamoDBError(attempt.code, attempt.message, attempt.status or 0, attempt.body)

    # ------------------------------------------------------------------ one attempt
    def signed_headers(self, target: str, payload: bytes, when: datetime | None = None) -> dict[str, str]:
        """The request's headers, Authorization included (`when` fixes the signing time, for tests)."""
        fields = Fields(
            [
                Field(name="Content-Type", values=[self.CONTENT_TYPE]),
                Field(name="X-Amz-Target", values=[target]),
            ]
        )
        request = AWSRequest(
            destination=URI(scheme=self.scheme, host=self.host, port=self.port, path="/"),
            method="POST",
            body=io.BytesIO(payload),
            fields=fields,
        )
        properties = {"region": self.region, "service": self.SERVICE}
        if when is not None:
            properties["date"] = when.strftime("%Y%m%dT%H%M%SZ")
        signed = _SIGNER.sign(request=request, identity=self._credentials.identity(), properties=properties)
        return {field.name: field.as_string() for field in signed.fields}

    def _attempt(self, target: str, payload: bytes) -> _Attempt:
        timeout = attempt_timeout(self.read_timeout, "DynamoDB")
        try:
            headers = self.signed_headers(target, payload)
        except DynamoDBUnreachable as exc:
            return _Attempt(failure=str(exc))
        for fresh in (False, True):
            reused = False
            try:
                connection, reused = self._connection(timeout, fresh)
                connection.request("POST", "/", body=payload, headers=headers)
                response = connection.getresponse()
                raw = response.read(MAX_RESPONSE_BYTES)
                response_headers = {k.lower(): v for k, v in response.getheaders()}
                status = response.status
                if response.will_close:
                    self.drop_connection()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.drop_connection()
                if reused and not fresh:
                    continue  # the peer closed a kept-alive connection: that is not DynamoDB failing
                return _Attempt(failure=type(exc).__name__)
            except (OSError, http.client.HTTPException) as exc:  # timeouts, refused, broken responses
                self.drop_connection()
                return _Attempt(failure=type(exc).__name__)
            return self._parse(status, raw, response_headers)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns

    @staticmethod
    def _parse(status: int, raw: bytes, headers: dict[str, str]) -> _Attempt:
        expected_crc = headers.get("x-amz-crc32")
        if expected_crc is not None and expected_crc.isdigit() and zlib.crc32(raw) & 0xFFFFFFFF != int(expected_crc):
            return _Attempt(failure="CRC32 mismatch")  # botocore retries these as transient too
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return _Attempt(status=status, body=body, headers=headers)

    def _connection(self, timeout: float, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        connection = None if fresh else getattr(self._local, "connection", None)
        if connection is None:
            self.drop_connection()
            connect_timeout = min(CONNECT_TIMEOUT_SECONDS, timeout)
            if self._ssl is not None:
                connection = http.client.HTTPSConnection(
                    self.host, self.port, timeout=connect_timeout, context=self._ssl
                )
            else:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=connect_timeout)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.connection = connection
            connection.sock.settimeout(timeout)
            return connection, False
        connection.sock.settimeout(timeout)
        return connection, True

    def drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()
