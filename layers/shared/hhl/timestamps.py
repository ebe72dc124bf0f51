"""The one timestamp format stored and returned by the learning API: UTC, milliseconds, Z suffix.

Fixed width and one zone, so timestamps compare correctly as strings (in DynamoDB and in clients).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_utc_timestamp(value: str) -> datetime:
    """A stored utc_timestamp (or any ISO-8601 time with Z or an offset) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
