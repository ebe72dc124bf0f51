"""CRM sync: DynamoDB Streams (enrollments, progress, badges; KEYS_ONLY) -> HubSpot contacts.

Partial batch responses (ReportBatchItemFailures) are built here rather than with Powertools'
BatchProcessor: that calls a handler per record, while this sync must see the whole batch to push
each learner once and to send up to 100 contacts per HubSpot call; it would also add ~28 ms of
imports to the cold start for a loop this size (measured, docs/crm-sync.md).
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from hhl.config import settings
from hhl.crm.sync import sync_stream_records
from hhl.deadline import deadline, invocation
from hhl.observability import log_context, log_metrics, logger, metrics

settings()  # fail the container's init, not a batch, when configuration is missing

# Stop starting HubSpot calls this long before the invocation times out, so the partial batch
# response is always returned (a timed-out invocation retries the whole batch).
DEADLINE_MARGIN_SECONDS = 5.0


@log_metrics
@log_context
def handler(event: dict, context) -> dict:
    if not settings().enable_crm_progress:
        return {"batchItemFailures": []}
    records = event.get("Records") or []
    # Every HubSpot and DynamoDB call of the batch stays within the invocation's time (hhl.deadline).
    with invocation(context, margin=DEADLINE_MARGIN_SECONDS):
        report, retry = sync_stream_records(records, deadline())
    metrics.add_metric(name="CrmSyncSuccesses", unit=MetricUnit.Count, value=len(report.synced))
    metrics.add_metric(name="CrmSyncFailures", unit=MetricUnit.Count, value=len(report.failed))
    logger.info(
        "crm sync batch done",
        extra={
            "records": len(records),
            "synced": len(report.synced),
            "failed": sorted(report.failed),
            "skipped": sorted(report.skipped),
            "daily_limit_reached": report.daily_limit_reached,
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": sequence_number} for sequence_number in retry]}
