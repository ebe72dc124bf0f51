"""`make forget-learner ARGS='--user <userId>'`: finish a learner's erasure, or report what is left of it.

The same erasure DELETE /auth/me performs (hhl.learning.account.erase_learner): the Cognito user, then
every row of the learner in every learner table. Safe to repeat; use it when a learner asks by email, or
when their DELETE stopped half-way (a 503) and they cannot sign in again. `--check` only reports: whether
the Cognito user exists and how many rows each table still holds.

--stage local (default) uses the running local stack (its .local/stack.json); --stage dev|prod uses the
deployed account function's configuration (table names, user pool) and the operator's AWS credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from tools.crm_common import ToolError, add_stage_arguments, configure_environment


def remaining(user_id: str) -> dict:
    import boto3
    from hhl.config import settings
    from hhl.storage.learner_records import learner_rows

    cognito = boto3.client("cognito-idp", region_name=os.environ["AWS_REGION"])
    try:
        cognito.admin_get_user(UserPoolId=settings().user_pool_id, Username=user_id)
        cognito_user = "exists"
    except cognito.exceptions.UserNotFoundException:
        cognito_user = "gone"
    rows = {table: len(items) for table, items in learner_rows(user_id).items()}
    return {"cognitoUser": cognito_user, "rows": rows, "erased": cognito_user == "gone" and not any(rows.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make forget-learner", description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", required=True, metavar="USER_ID", help="the learner's userId (Cognito sub)")
    parser.add_argument("--check", action="store_true", help="only report what is left; delete nothing")
    add_stage_arguments(parser)
    args = parser.parse_args(argv)
    try:
        configure_environment(args.stage, args.region, "account")
        if not args.check:
            from hhl.learning import account
            from hhl.timestamps import utc_now, utc_timestamp

            print(json.dumps(account.erase_learner(args.user, utc_timestamp(utc_now())).as_json()))
        report = remaining(args.user)
    except ToolError as exc:
        print(f"forget-learner: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0 if report["erased"] else 1


if __name__ == "__main__":
    sys.exit(main())
