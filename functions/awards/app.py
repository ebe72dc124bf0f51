"""Awards: the progress table's stream (KEYS_ONLY) -> the badges and certificates stored completions earn.

Each batch is read per learner (hhl.learning.awards); a learner whose awarding failed is reported back
(ReportBatchItemFailures) and the stream delivers those records again: awarding is idempotent.
"""

from __future__ import annotations

from hhl.config import settings
from hhl.deadline import invocation
from hhl.learning.awards import award_stream_records
from hhl.observability import log_metrics, logger
from hhl.timestamps import utc_now, utc_timestamp

settings()  # fail the container's init, not a batch, when configuration is missing

# Stop starting DynamoDB calls this long before the invocation times out, so the partial batch
# response is always returned (a timed-out invocation retries the whole batch).
DEADLINE_MARGIN_SECONDS = 3.0


@log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context) -> dict:
    records = event.get("Records") or []
    with invocation(context, margin=DEADLINE_MARGIN_SECONDS):
        retry = award_stream_records(records, utc_timestamp(utc_now()))
    return {"batchItemFailures": [{"itemIdentifier": sequence_number} for sequence_number in retry]}
