"""The container's DynamoDB client, created on first use and reused by every request.

The low-level client (not boto3.resource) is used throughout: it is cheaper to import and create,
which is most of a Lambda cold start here, and the typed-attribute format is handled in storage/.
Imported lazily so functions that never touch DynamoDB (login, logout) never load boto3.
"""

from __future__ import annotations

import functools
import os

from hhl.deadline import attempt_timeout

# Lambda's AWS_LAMBDA_INITIALIZATION_TYPE for inits that run ahead of any request.
PREINITIALIZED = frozenset({"snap-start", "provisioned-concurrency"})


CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 3


@functools.cache
def client():
    import boto3
    from botocore.config import Config

    # Short timeouts and standard retries: a slow table should fail the request fast (503), not hang it.
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": 3},
    )
    dynamodb = boto3.client("dynamodb", config=config)
    dynamodb.meta.events.register("before-send.dynamodb", _within_deadline)
    return dynamodb


def _within_deadline(request, **_) -> None:
    """Each attempt (retries included) reads for no longer than the invocation has left (hhl.deadline)."""
    request.context["read_timeout"] = attempt_timeout(READ_TIMEOUT_SECONDS, "DynamoDB")


# An on-demand init leaves the client to the first request that needs one (a 401 never does); an init
# that runs ahead of every request (a SnapStart snapshot, provisioned concurrency) creates it now, so no
# learner waits for boto3. Creating it opens no connection, so nothing in a snapshot goes stale.
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in PREINITIALIZED:
    client()
