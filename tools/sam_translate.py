"""template.yaml as CloudFormation sees it after the SAM transform, computed offline.

`sam validate` and `sam deploy` run the same aws-sam-translator; calling it directly lets tests look at the
resources SAM generates (versions, the `live` alias, CodeDeploy deployment groups) without AWS credentials.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from kit.template import load_template

ARTIFACT_BUCKET = "hedgehog-learn-artifacts"


def artifact_key(logical_id: str) -> str:
    return f"{logical_id}.zip"


def transform_value(spec: dict, value: str) -> str | list[str]:
    """A parameter's value as CloudFormation hands it to the transform: list-typed parameters
    (CommaDelimitedList, List<...>) as lists of their comma-separated items, the rest as strings."""
    if spec["Type"] == "CommaDelimitedList" or spec["Type"].startswith("List<"):
        return [item.strip() for item in value.split(",")]
    return value


def translate(
    stage: str,
    region: str = "us-west-2",
    template: dict | None = None,
    parameters: dict[str, str] | None = None,
    artifact_keys: Mapping[str, str] | None = None,
) -> dict:
    """The CloudFormation template SAM deploys for `stage` (and any other `parameters`, as
    `--parameter-overrides` would give them), with code locations pointing at s3://ARTIFACT_BUCKET/<key> as
    `sam package` would rewrite them. `sam package` names each upload by the MD5 of its zip, so one build
    differs from the next exactly where its code does; `artifact_keys` gives those keys by logical id
    (default: <logical id>.zip, one fixed build).

    The parameters also become the translated template's defaults, so a linter resolving a `Ref` to a
    parameter sees the value this deployment would use. Every parameter with a value (given or default)
    reaches the translator as CloudFormation hands it over, list-typed ones as lists."""
    sam_template = copy.deepcopy(template or load_template())
    given = {**(parameters or {}), "Stage": stage}
    for name, value in given.items():
        sam_template["Parameters"][name]["Default"] = value
    parameter_values = {
        name: transform_value(spec, str(spec["Default"]))
        for name, spec in sam_template["Parameters"].items()
        if "Default" in spec
    }
    for logical_id, resource in sam_template["Resources"].items():
        properties = resource.get("Properties") or {}
        for uri_property in ("CodeUri", "ContentUri"):
            if uri_property in properties:
                s3_key = (artifact_keys or {}).get(logical_id) or artifact_key(logical_id)
                properties[uri_property] = f"s3://{ARTIFACT_BUCKET}/{s3_key}"
    # The translator warns about feature toggles that only its AWS-hosted configuration defines.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    # Managed policy names are only looked up for `Policies: [SomeAWSManagedPolicyName]`; the template uses
    # policy templates and inline statements, so an empty map keeps this offline.
    return translator.translate(sam_template, parameter_values=parameter_values, get_managed_policy_map=dict)
