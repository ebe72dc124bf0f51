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

from tools.crm_common import ToolError, local_stack_environment, local_stack_state_file


def configure_environment(stage: str, region: str) -> None:
    """The account function's environment, so hhl's settings, storage and Cognito client reach its resources."""
    from hhl.config import settings

    if stage == "local":
        stack_env = local_stack_environment()
        if stack_env is None:
            raise ToolError(f"{local_stack_state_file()} not found: start the local stack first (make dev)")
        os.environ.update(stack_env)
    else:
        import boto3

        session = boto3.Session(region_name=region)
        function = f"hedgehog-learn-{stage}-account"
        configuration = session.client("lambda").get_function_configuration(FunctionName=function)
        os.environ.update(configuration["Environment"]["Variables"])
        os.environ.update(AWS_REGION=region, AWS_DEFAULT_REGION=region)
        credentials = session.get_credentials()
        if credentials is None:
            raise ToolError("no AWS credentials: set AWS_PROFILE (or the AWS_* variables) first")
        frozen = credentials.get_frozen_credentials()  # the layer's thin clients read these variables
        os.environ.update(AWS_ACCESS_KEY_ID=frozen.access_key, AWS_SECRET_ACCESS_KEY=frozen.secret_key)
        if frozen.token:
            os.environ["AWS_SESSION_TOKEN"] = frozen.token
    settings.cache_clear()  # read again from the environment just set


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
    parser.add_argument("--stage", choices=["local", "dev", "prod"], default="local")
    parser.add_argument("--region", default="us-west-2", help="AWS region of a deployed stage")
    args = parser.parse_args(argv)
    try:
        configure_environment(args.stage, args.region)
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
