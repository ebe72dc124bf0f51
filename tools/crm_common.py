"""What the CRM tools share: where the HubSpot token comes from, and the client built with it.

Locally the token is HUBSPOT_PRIVATE_APP_TOKEN in the environment (or the local stack's handler
environment). For a deployed stage it is read from its SSM SecureString with the operator's AWS
credentials: the Lambda extension the functions use does not exist on a laptop or CI runner.
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
    if stage == "local":
        token = os.environ.get("HUBSPOT_PRIVATE_APP_TOKEN", "")
        if not token:
            raise ToolError("set HUBSPOT_PRIVATE_APP_TOKEN (or start the local stack with it)")
        return token
    import boto3

    name = (
        parameter
        or os.environ.get("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER")
        or DEFAULT_TOKEN_PARAMETER.format(stage=stage)
    )
    ssm = boto3.client("ssm", region_name=region)
    try:
        return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        raise ToolError(f"SSM parameter {name} does not exist") from None


def hubspot_client(stage: str, region: str | None, parameter: str | None = None) -> HubSpotClient:
    return HubSpotClient(hubspot_token(stage, region, parameter), base_url_from_env(), RetryPolicy.from_env())
