"""What the learning core raises when a request cannot be served: no HTTP here.

Each error says what went wrong in the learner's terms; hhl.http maps it to a status and the JSON
error envelope (InvalidInput 400, NotFoundError 404, Conflict 409, Revoked 410, RateLimited 429 with Retry-After).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the learning core refuses; `message` is safe to show a client and never echoes input."""

    def __init__(self, message: str, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details  # e.g. {field: problem}; never the offending values themselves


class InvalidInput(DomainError):
    """The request names something malformed or inconsistent (a bad body or slug)."""


class NotFoundError(DomainError):
    """The request is well-formed but what it names does not exist (or is not the learner's)."""


class Conflict(DomainError):
    """The request is well-formed but what it asks contradicts the stored state or the rules (e.g. marking
    complete a module that only its graded tasks can complete)."""


class Gone(DomainError):
    """What the request names existed and was withdrawn for good."""


class Revoked(Gone):
    """A credential (e.g. a certificate) that was issued and then revoked."""


class RateLimited(DomainError):
    """Too many attempts for now; `retry_after` is how many seconds until the next one is accepted."""

    def __init__(self, message: str, retry_after: int, details: Any = None):
        super().__init__(message, details)
        self.retry_after = max(1, int(retry_after))
