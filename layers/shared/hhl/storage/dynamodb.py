"""The container's DynamoDB client (hhl.storage.dynamo_json), created on first use and reused by every request.

The thin client rather than boto3: importing boto3 and creating its client costs ~210 ms of the first
click, and the storage layer needs five operations of DynamoDB's JSON protocol (docs/performance.md).

SnapStart: a snapshot may be taken after the client connected (an init that runs ahead of requests
creates it; a test request may use it), and a restored sandbox must not reuse that socket, whose
peer is gone. Lambda's runtime calls the after-restore hooks registered through snapshot_restore_py;
the client drops its connection there. Should a kept connection fail anyway, the client reconnects.
"""

from __future__ import annotations

import functools
import os

from hhl.storage.dynamo_json import DynamoDB

# Lambda's AWS_LAMBDA_INITIALIZATION_TYPE for inits that run ahead of any request.
PREINITIALIZED = frozenset({"snap-start", "provisioned-concurrency"})


@functools.cache
def client() -> DynamoDB:
    return DynamoDB()


def after_restore() -> None:
    """A SnapStart restore: the snapshot's connection (if any) is dead; the next call opens a new one."""
    if client.cache_info().currsize:
        client().drop_connection()


try:  # present in Lambda's Python runtimes (SnapStart's runtime hooks), absent elsewhere
    from snapshot_restore_py import register_after_restore
except ImportError:
    pass
else:
    register_after_restore(after_restore)

# An init that runs ahead of every request (a SnapStart snapshot, provisioned concurrency) creates the
# client now, so the first request does not build its SSL context; it opens no connection.
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in PREINITIALIZED:
    client()
