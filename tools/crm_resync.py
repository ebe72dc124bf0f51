"""`make crm-resync ARGS='--user <userId>'` or `ARGS='--all'`: push learners' current state to HubSpot again.

The same operation the stream handler performs (hhl.crm.sync), for learners named here or for every
row of the users table: after a HubSpot outage, after the on-failure queue (DLQ) received batches,
after the daily API limit, or to backfill when the sync is first switched on. Safe to repeat.

--stage local (default) uses the running local stack (its .local/stack.json); --stage dev|prod
uses the deployed crm-sync function's configuration (table names, flag, token parameter) and the
operator's AWS credentials.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator

from tools.crm_common import ToolError, add_stage_arguments, configure_environment, hubspot_client

LEARNERS_PER_SYNC = 100  # one HubSpot batch


def all_user_ids() -> Iterator[str]:
    import boto3  # an operator's tool: the SDK's Scan paginator (the layer's thin client serves requests only)
    from hhl.config import settings

    pages = (
        boto3.client("dynamodb")
        .get_paginator("scan")
        .paginate(TableName=settings().tables.users, ProjectionExpression="userId")
    )
    for page in pages:
        for item in page["Items"]:
            yield item["userId"]["S"]


def _batches(user_ids: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for user_id in user_ids:
        batch.append(user_id)
        if len(batch) == LEARNERS_PER_SYNC:
            yield batch
            batch = []
    if batch:
        yield batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make crm-resync", description=__doc__.split("\n\n")[0])
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", action="append", metavar="USER_ID", help="a learner's userId (repeatable)")
    who.add_argument("--all", action="store_true", help="every learner in the users table")
    add_stage_arguments(parser)
    args = parser.parse_args(argv)
    try:
        configure_environment(args.stage, args.region, "crm-sync")
        from hhl.config import settings
        from hhl.crm.sync import sync_learners

        if not settings().enable_crm_progress:
            raise ToolError("ENABLE_CRM_PROGRESS is not true for this stage: nothing is sent to HubSpot")
        hubspot = hubspot_client(args.stage, args.region, os.environ.get("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER"))
        synced = skipped = 0
        failed: list[str] = []
        for batch in _batches(all_user_ids() if args.all else iter(args.user)):
            report = sync_learners(batch, hubspot=hubspot)
            synced, skipped = synced + len(report.synced), skipped + len(report.skipped)
            failed += sorted(report.failed)
            print(f"  {synced} synced, {len(failed)} failed, {skipped} skipped so far", flush=True)
            if report.daily_limit_reached:
                raise ToolError("HubSpot's daily API limit is reached; run again after it resets")
    except ToolError as exc:
        print(f"crm-resync: {exc}", file=sys.stderr)
        return 1
    print(f"crm-resync: {synced} synced, {len(failed)} failed, {skipped} skipped (no user row or email, or erased)")
    if failed:
        print("failed user ids: " + " ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
