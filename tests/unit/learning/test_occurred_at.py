"""occurredAt: RFC 3339 with a zone, within [now - 30 days, now + 5 minutes], stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hhl.learning.errors import InvalidInput
from hhl.learning.validation import parse_progress_event

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
BODY = {
    "courseSlug": "hedgehog-lab-foundations",
    "moduleSlug": "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "event": "started",
}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-03-10T11:00:00Z", "2026-03-10T11:00:00.000Z"),
        ("2026-03-10T16:30:00+05:30", "2026-03-10T11:00:00.000Z"),
        ("2026-03-09T23:00:00-07:00", "2026-03-10T06:00:00.000Z"),
        ("2026-03-10T11:59:59.123456789Z", "2026-03-10T11:59:59.123Z"),
        ("2026-03-10T12:04:59Z", "2026-03-10T12:04:59.000Z"),  # within the 5-minute skew
        ("2026-02-08T12:00:00Z", "2026-02-08T12:00:00.000Z"),  # exactly 30 days old
    ],
)
def test_accepted_times_are_stored_in_utc(sent, stored):
    assert parse_progress_event({**BODY, "occurredAt": sent}, NOW).occurred_at == stored


def test_absent_means_the_server_time():
    assert parse_progress_event(BODY, NOW).occurred_at == "2026-03-10T12:00:00.000Z"


@pytest.mark.parametrize(
    ("sent", "problem"),
    [
        ("2026-03-10T12:05:01Z", "must not be in the future"),
        ("2026-02-08T11:59:59Z", "must be within the last 30 days"),
        ("2026-03-10 11:00:00Z", "RFC 3339"),
        ("2026-03-10T11:00:00", "RFC 3339"),
        ("2026-03-10", "RFC 3339"),
        ("2026-W10-2T11:00:00Z", "RFC 3339"),
        ("2026-03-10T25:00:00Z", "RFC 3339"),
        ("2026-03-10T11:00:00+24:00", "RFC 3339"),
        ("\uff12\uff10\uff12\uff16-03-10T11:00:00Z", "RFC 3339"),  # full-width digits
        ("2026-03-10T11:00:00Z\n", "RFC 3339"),
    ],
)
def test_refused_times_say_why(sent, problem):
    with pytest.raises(InvalidInput) as raised:
        parse_progress_event({**BODY, "occurredAt": sent}, NOW)
    assert problem in raised.value.details["occurredAt"]
