"""template.yaml as CloudFormation sees it after the SAM transform, computed offline.

`sam validate` and `sam deploy` run the same aws-sam-translator; calling it directly lets tests look at the
resources SAM generates (versions, the `live` alias, CodeDeploy deployment groups) without AWS credentials.
"""

from __future__ import annotations

import copy
import logging

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from local.template import load_template

ARTIFACT_BUCKET = "hedgehog-learn-artifacts"


def artifact_key(logical_id: str) -> str:
    return f"{logical_id}.zip"


def translate(
    stage: str, region: str = "us-west-2", template: dict | None = None, parameters: dict[str, str] | None = None
) -> dict:
    """The CloudFormation template SAM deploys for `stage` (and any other `parameters`, as
    `--parameter-overrides` would give them), with code locations pointing at
    s3://ARTIFACT_BUCKET/<logical id>.zip as `sam package` would rewrite them.

    The parameters also become the translated template's defaults, so a linter resolving a `Ref` to a
    parameter sees the value this deployment would use."""
    sam_template = copy.deepcopy(template or load_template())
    parameter_values = {**(parameters or {}), "Stage": stage}
    for name, value in parameter_values.items():
        sam_template["Parameters"][name]["Default"] = value
    for logical_id, resource in sam_template["Resources"].items():
        properties = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if key in properties:
                properties[key] = f"s3://{ARTIFACT_BUCKET}/{artifact_key(logical_id)}"
    # The translator warns about feature toggles that only its AWS-hosted configuration defines.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    # Managed policy names are only looked up for `Policies: [SomeAWSManagedPolicyName]`; the template uses
    # policy templates and inline statements, so an empty map keeps this offline.
    return translator.translate(sam_template, parameter_values=parameter_values, get_managed_policy_map=dict)
