"""What the CRM tools share: where the HubSpot token comes from, and the client built with it.

The token is the stage's SSM SecureString in every stage, read with boto3: for dev/prod with the
operator's AWS credentials (the Lambda extension the functions use does not exist on a laptop or CI
runner), for the local stage from the running local stack's emulator, where it was stored the same way
(with no stack running, an operator's own HUBSPOT_PRIVATE_APP_TOKEN: no function ever reads that).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hhl.crm.hubspot import HubSpotClient, RetryPolicy, base_url_from_env

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TOKEN_PARAMETER = "/hedgehog-learn/{stage}/hubspot-token"


class ToolError(RuntimeError):
    """A problem the operator can fix; printed without a traceback."""


def local_stack_state_file() -> Path:
    return Path(os.environ.get("HHL_STATE_DIR", ROOT / ".local")) / "stack.json"


def local_stack_environment() -> dict[str, str] | None:
    """The running local stack's handler environment (from its stack.json), or None when none is running."""
    state_file = local_stack_state_file()
    return json.loads(state_file.read_text())["handler_env"] if state_file.is_file() else None


def hubspot_token(stage: str, region: str | None, parameter: str | None = None) -> str:
    """The stage's SSM SecureString. Locally: the running stack's, read from its emulator, where `make dev`
    stored it as an operator stores it in AWS; with no stack running, HUBSPOT_PRIVATE_APP_TOKEN of this
    shell (an operator's own token for a HubSpot of their choosing; no function reads it)."""
    import boto3

    if stage == "local":
        stack_env = local_stack_environment()
        if stack_env is None:
            token = os.environ.get("HUBSPOT_PRIVATE_APP_TOKEN", "")
            if not token:
                raise ToolError("start the local stack (make dev), or set HUBSPOT_PRIVATE_APP_TOKEN")
            return token
        name = parameter or stack_env["HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER"]
        ssm = boto3.client(
            "ssm",
            region_name=stack_env["AWS_REGION"],
            endpoint_url=stack_env.get("AWS_ENDPOINT_URL"),
            aws_access_key_id=stack_env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=stack_env["AWS_SECRET_ACCESS_KEY"],
        )
    else:
        name = (
            parameter
            or os.environ.get("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER")
            or DEFAULT_TOKEN_PARAMETER.format(stage=stage)
        )
        ssm = boto3.client("ssm", region_name=region)
    try:
        return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        raise ToolError(f"SSM parameter {name} does not exist (store the HubSpot token there first)") from None


def hubspot_client(stage: str, region: str | None, parameter: str | None = None) -> HubSpotClient:
    return HubSpotClient(hubspot_token(stage, region, parameter), base_url_from_env(), RetryPolicy.from_env())


def add_stage_arguments(parser, region_help: str = "AWS region of a deployed stage") -> None:
    """--stage (local: the running local stack, the default) and --region (of a deployed stage)."""
    parser.add_argument("--stage", choices=["local", "dev", "prod"], default="local")
    parser.add_argument("--region", default="us-west-2", help=region_help)


def configure_environment(stage: str, region: str, function: str) -> None:
    """Become the deployed function `hedgehog-learn-<stage>-<function>` (or the running local stack at stage
    local): its environment, and the operator's credentials as variables, which the layer's thin clients read."""
    from hhl.config import settings

    if stage == "local":
        stack_env = local_stack_environment()
        if stack_env is None:
            raise ToolError(f"{local_stack_state_file()} not found: start the local stack first (make dev)")
        os.environ.update(stack_env)
    else:
        import boto3

        session = boto3.Session(region_name=region)
        name = f"hedgehog-learn-{stage}-{function}"
        configuration = session.client("lambda").get_function_configuration(FunctionName=name)
        os.environ.update(configuration["Environment"]["Variables"])
        os.environ.update(AWS_REGION=region, AWS_DEFAULT_REGION=region)
        credentials = session.get_credentials()
        if credentials is None:
            raise ToolError("no AWS credentials: set AWS_PROFILE (or the AWS_* variables) first")
        frozen = credentials.get_frozen_credentials()
        os.environ.update(AWS_ACCESS_KEY_ID=frozen.access_key, AWS_SECRET_ACCESS_KEY=frozen.secret_key)
        if frozen.token:
            os.environ["AWS_SESSION_TOKEN"] = frozen.token
    settings.cache_clear()  # read again from the environment just set
