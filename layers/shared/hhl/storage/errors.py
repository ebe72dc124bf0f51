"""What the storage layer raises when DynamoDB cannot answer: no HTTP here.

A failed condition is not an error of this kind (callers expect and handle it). Only the HTTP edge
(hhl.http) turns these into answers; a stream consumer such as the CRM sync catches them directly.
"""

from __future__ import annotations


class StorageError(Exception):
    """A DynamoDB call failed; nothing was half-written by it."""

    def __init__(self, operation: str, reason: str):
        super().__init__(f"{operation}: {reason}")
        self.operation = operation
        self.reason = reason


class RowGone(Exception):
    """A write made to depend on another row (a ConditionCheck) was refused: that row no longer exists.

    Not a storage error: DynamoDB answered, and retrying cannot bring the row back (the awards stream consumer
    conditions its grants on the learner's progress row, which an erasure deletes first).
    """


class StorageUnavailable(StorageError):
    """Throttled, briefly unavailable, unreachable or out of time: retrying shortly should succeed."""


class StorageFailed(StorageError):
    """DynamoDB refused the request itself: retrying the same request will not help."""
