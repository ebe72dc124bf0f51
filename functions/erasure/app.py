"""Erasure: the erasures table's stream (KEYS_ONLY) -> the steps of a learner's erasure still pending.

DELETE /auth/me records the request and does what it can at once; this finishes the rest (the HubSpot
contact's GDPR delete, a Cognito or DynamoDB step that failed, and a last sweep once the 30-s revocation
window has closed) in hhl.crm.erasure.
A record whose erasure failed is reported back (ReportBatchItemFailures) and the stream delivers it again;
after MaximumRetryAttempts it goes to the dead-letter queue, whose alarm pages (docs/runbook.md#erasure).
"""

from __future__ import annotations

from hhl.config import settings
from hhl.crm.erasure import finish_stream_records
from hhl.deadline import deadline, invocation
from hhl.observability import log_metrics, logger

settings()  # fail the container's init, not a batch, when configuration is missing

# Stop starting calls this long before the invocation times out, so the partial batch response is always
# returned (a timed-out invocation retries the whole batch).
DEADLINE_MARGIN_SECONDS = 5.0


@log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context) -> dict:
    records = event.get("Records") or []
    with invocation(context, margin=DEADLINE_MARGIN_SECONDS):
        retry = finish_stream_records(records, deadline())
    return {"batchItemFailures": [{"itemIdentifier": sequence_number} for sequence_number in retry]}
