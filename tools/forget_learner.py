"""`make forget-learner ARGS='--user <userId>'`: finish a learner's erasure, or report what is left of it.

The erasure DELETE /auth/me starts (hhl.learning.account.erase_learner: the request recorded, the Cognito
user, every row), then what the erasure function finishes (hhl.crm.erasure: the HubSpot contact's GDPR
delete, rows written meanwhile), here and now with the operator's credentials. Safe to repeat; use it
when a learner asks by email, or when an erasure ran out of retries (the erasure dead-letter alarm).
`--check` only reports: the erasure request's state, whether the Cognito user exists, how many rows each
table still holds. `--pending` lists every unfinished erasure and the dead-letter queue's depth.

--stage local (default) uses the running local stack (its .local/stack.json); --stage dev|prod uses the
deployed erasure function's configuration (table names, user pool, HubSpot token parameter) and the
operator's AWS credentials. Prints user ids (opaque) and step names, never an email.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from tools.crm_common import ToolError, add_stage_arguments, configure_environment, hubspot_client


def remaining(user_id: str) -> dict:
    import boto3
    from hhl.config import settings
    from hhl.learning.account import hubspot_contact_state
    from hhl.storage import erasures
    from hhl.storage.learner_records import learner_rows

    cognito = boto3.client("cognito-idp", region_name=os.environ["AWS_REGION"])
    try:
        cognito.admin_get_user(UserPoolId=settings().user_pool_id, Username=user_id)
        cognito_user = "exists"
    except cognito.exceptions.UserNotFoundException:
        cognito_user = "gone"
    rows = {table: len(items) for table, items in learner_rows(user_id).items()}
    request = erasures.get_request(user_id)
    hubspot_contact = hubspot_contact_state(request or {})
    return {
        "cognitoUser": cognito_user,
        "rows": rows,
        "erasure": (request or {}).get("status", "none"),
        "hubspotContact": hubspot_contact,
        "erased": cognito_user == "gone" and not any(rows.values()) and hubspot_contact != "pending",
    }


def dead_letter_depth(stage: str) -> int:
    import boto3

    from kit.template import queue_names

    sqs = boto3.client("sqs", region_name=os.environ["AWS_REGION"])
    url = sqs.get_queue_url(QueueName=queue_names(stage)["ErasureDeadLetterQueue"])["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def pending(stage: str) -> dict:
    from hhl.learning.account import hubspot_contact_state
    from hhl.storage import erasures

    requests = [
        {
            "userId": request["learnerId"],
            "requestedAt": request.get("requestedAt"),
            "hubspotContact": hubspot_contact_state(request),
        }
        for request in erasures.pending_requests()
    ]
    return {"pending": requests, "deadLetterMessages": dead_letter_depth(stage)}


def forget(user_id: str, stage: str, region: str) -> dict:
    from hhl.crm.erasure import RETRYABLE, finish_erasure
    from hhl.learning import account
    from hhl.storage import erasures
    from hhl.timestamps import utc_now, utc_timestamp

    outcome = account.erase_learner(user_id, utc_timestamp(utc_now())).as_json()
    hubspot = None  # the token is read only when there is a contact to delete
    if (erasures.get_request(user_id) or {}).get("hubspotContactId"):
        hubspot = hubspot_client(stage, region, os.environ.get("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER"))
    try:
        outcome["finished"] = finish_erasure(user_id, hubspot)
    except RETRYABLE as exc:
        outcome["failure"] = f"{type(exc).__name__}: {exc}"
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make forget-learner", description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--user", metavar="USER_ID", help="the learner's userId (Cognito sub)")
    which.add_argument("--pending", action="store_true", help="list unfinished erasures and the dead-letter depth")
    parser.add_argument("--check", action="store_true", help="only report what is left; delete nothing")
    add_stage_arguments(parser)
    args = parser.parse_args(argv)
    try:
        configure_environment(args.stage, args.region, "erasure")
        if args.pending:
            listing = pending(args.stage)
            print(json.dumps(listing))
            return 0 if not listing["pending"] and not listing["deadLetterMessages"] else 1
        if not args.check:
            print(json.dumps(forget(args.user, args.stage, args.region)))
        report = remaining(args.user)
    except ToolError as exc:
        print(f"forget-learner: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0 if report["erased"] else 1


if __name__ == "__main__":
    sys.exit(main())
