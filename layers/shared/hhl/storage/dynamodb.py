"""The container's DynamoDB client, created on first use and reused by every request.

The low-level client (not boto3.resource) is used throughout: it is cheaper to import and create,
which is most of a Lambda cold start here, and the typed-attribute format is handled in storage/.
Imported lazily so functions that never touch DynamoDB (login, logout) never load boto3.
"""

from __future__ import annotations

import functools


@functools.cache
def client():
    import boto3
    from botocore.config import Config

    # Short timeouts and standard retries: a slow table should fail the request fast (502), not hang it.
    config = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("dynamodb", config=config)
