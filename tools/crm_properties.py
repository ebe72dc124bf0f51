"""`make crm-properties [ARGS='--stage prod']`: create the Hedgehog Learn contact property group and
the five properties the CRM sync writes. Idempotent: what already exists (409) is left as it is.

Locally (--stage local, the default) it talks to the HubSpot the running local stack talks to, like
`make crm-resync`: HUBSPOT_API_BASE_URL from its stack.json (e.g. `make fake-hubspot`) and the token from
its emulator's SSM, or both from this environment when no stack runs. For dev/prod the token is read from
the stage's SSM parameter.
"""

from __future__ import annotations

import argparse
import os
import sys

from hhl.crm import properties
from hhl.crm.hubspot import HubSpotClient, HubSpotError

from tools.crm_common import ToolError, add_stage_arguments, hubspot_client, local_stack_environment

GROUPS_PATH = "/crm/v3/properties/contacts/groups"
PROPERTIES_PATH = "/crm/v3/properties/contacts"
HUBSPOT_VARIABLES = ("HUBSPOT_API_BASE_URL",)  # the token is in the stack's SSM (tools/crm_common.py)


def _create(hubspot: HubSpotClient, path: str, body: dict) -> str:
    response = hubspot.request("POST", path, body)
    if response.status in (200, 201):
        return "created"
    if response.status == 409:
        return "exists"
    message = response.body.get("message") if isinstance(response.body, dict) else None
    raise ToolError(f"creating {body['name']} failed: HubSpot answered {response.status} {message or ''}".strip())


def ensure_properties(hubspot: HubSpotClient) -> dict[str, str]:
    """{name: "created" | "exists"} for the group and each property, group first."""
    results = {properties.GROUP["name"]: _create(hubspot, GROUPS_PATH, properties.GROUP)}
    for definition in properties.definitions():
        results[definition["name"]] = _create(hubspot, PROPERTIES_PATH, definition)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make crm-properties", description=__doc__.split("\n\n")[0])
    add_stage_arguments(parser, region_help="for the SSM token parameter (dev/prod)")
    parser.add_argument(
        "--token-parameter", help="SSM parameter holding the token (default /hedgehog-learn/<stage>/hubspot-token)"
    )
    args = parser.parse_args(argv)
    stack_env = local_stack_environment() if args.stage == "local" else None
    os.environ.update({name: stack_env[name] for name in HUBSPOT_VARIABLES if name in (stack_env or {})})
    try:
        results = ensure_properties(hubspot_client(args.stage, args.region, args.token_parameter))
    except (ToolError, HubSpotError) as exc:
        print(f"crm-properties: {exc}", file=sys.stderr)
        return 1
    for name, outcome in results.items():
        print(f"{name}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
