"""Deploy template.yaml into the AWS emulator (moto) as far as it goes, so `make verify` has a stack to check.

    python -m tools.emulator_stack --stage dev [--api-url URL] [--alarm-email ADDRESS]

Uses AWS_ENDPOINT_URL (or `--local`: the local stack's .local/stack.json). The template is translated
with the SAM translator exactly as `sam deploy` does, code is uploaded from functions/ and layers/, and
moto's CloudFormation creates what it implements: tables, log groups, functions, roles, queue, topic, KMS
key, dashboard. The rest is done here through the services' APIs, as CloudFormation and CodeDeploy would:
the shared layer is published first (moto's CloudFormation ignores a layer's name and a function's
layers), then each function gets that layer, a published version and its `live` alias; the CodeDeploy
application and deployment groups, the alarms and the email subscription follow from the template's own
definitions. Not created: the HTTP API, Cognito, AWS's extension layer (not in the emulator). Stage must
be dev or prod (the template's AllowedValues); the local stack's own tables are hedgehog-learn-local-*,
so the two never collide.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path

import boto3

from kit.template import ROOT, load_template
from tools.sam_translate import ARTIFACT_BUCKET, artifact_key, translate

# Resource types the stack is created with: what verify checks and what those depend on, all of them
# implemented by moto's CloudFormation. Everything else is left out and references to it become
# "emulator-skipped-<LogicalId>" strings.
DEPLOYED_TYPES = {
    "AWS::CloudWatch::Dashboard",
    "AWS::DynamoDB::Table",
    "AWS::IAM::Role",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::Logs::LogGroup",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
}
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
SKIPPED = "emulator-skipped-"
LIVE_ALIAS = "live"


def _clients(endpoint_url: str | None, region: str) -> dict:
    session = boto3.Session(region_name=region)
    return {
        name: session.client(name, endpoint_url=endpoint_url)
        for name in ("cloudformation", "cloudwatch", "codedeploy", "lambda", "s3", "sns")
    }


def _zip_dir(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, file.relative_to(path))
    return buffer.getvalue()


def _upload_code(s3, region: str, sam_template: dict) -> None:
    """What `sam package` does: one zip per function and layer, at the keys translate() points to."""
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=ARTIFACT_BUCKET, **location)
    for logical_id, resource in sam_template["Resources"].items():
        properties = resource.get("Properties") or {}
        source = properties.get("CodeUri") or properties.get("ContentUri")
        if source:
            s3.put_object(Bucket=ARTIFACT_BUCKET, Key=artifact_key(logical_id), Body=_zip_dir(ROOT / source))


def _replace_refs(value, replaced: dict[str, str]):
    """Replace Ref / GetAtt / ${...} references to resources not created by the stack with their stand-in
    strings: a published layer's ARN, or a placeholder for a skipped resource."""
    if isinstance(value, list):
        return [_replace_refs(item, replaced) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and arg in replaced:
            return replaced[arg]
        if key == "Fn::GetAtt" and arg[0] in replaced:
            return replaced[arg[0]]
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else arg
            text = re.sub(
                r"\$\{([A-Za-z0-9]+)(\.[A-Za-z.]+)?\}",
                lambda m: replaced.get(m.group(1), m.group(0)),
                text,
            )
            return {"Fn::Sub": text if not variables else [text, _replace_refs(variables, replaced)]}
    return {key: _replace_refs(item, replaced) for key, item in value.items()}


def emulator_template(translated: dict, api_url: str | None, layer_arns: dict[str, str] | None = None) -> dict:
    """The translated template cut down to DEPLOYED_TYPES; references to the layers published beforehand
    (`layer_arns`, by logical id) become their ARNs."""
    template = copy.deepcopy(translated)
    resources = template["Resources"]
    skipped = {name for name, res in resources.items() if res["Type"] not in DEPLOYED_TYPES}
    kept = {name: res for name, res in resources.items() if name not in skipped}
    for resource in kept.values():
        if isinstance(resource.get("DependsOn"), list):
            resource["DependsOn"] = [name for name in resource["DependsOn"] if name not in skipped]
        elif resource.get("DependsOn") in skipped:
            del resource["DependsOn"]
    for resource in kept.values():
        if resource["Type"] == "AWS::KMS::Key" and "Tags" in resource["Properties"]:
            # moto's CloudFormation hands a key's tags to KMS as written; KMS's own API spells them TagKey/TagValue.
            tags = resource["Properties"]["Tags"]
            resource["Properties"]["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags]
    replaced = {name: SKIPPED + name for name in skipped} | (layer_arns or {})
    template["Resources"] = _replace_refs(kept, replaced)
    template["Outputs"] = _replace_refs(template.get("Outputs", {}), replaced)
    if api_url:
        template["Outputs"]["HttpApiUrl"]["Value"] = api_url
    return template


def _physical_ids(cfn, stack_name: str) -> dict[str, str]:
    paginator = cfn.get_paginator("list_stack_resources")
    return {
        res["LogicalResourceId"]: res["PhysicalResourceId"]
        for page in paginator.paginate(StackName=stack_name)
        for res in page["StackResourceSummaries"]
    }


class _Resolver:
    """Just enough of CloudFormation's intrinsics for the alarm and subscription definitions: Ref, Fn::Sub,
    Fn::GetAtt (Version, QueueName, Arn). moto cannot create these resources, so nothing else resolves them."""

    def __init__(self, names: dict[str, str], versions: dict[str, str]):
        self.names = names  # parameters, pseudo parameters and physical ids by logical id
        self.versions = versions  # version number by AWS::Lambda::Version logical id

    def ref(self, name: str) -> str:
        return self.names.get(name, SKIPPED + name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        physical = self.ref(logical_id)
        if attribute == "Version":
            return self.versions[logical_id]
        if attribute == "QueueName":  # a queue's physical id is its URL
            return physical.rsplit("/", 1)[1]
        return physical

    def __call__(self, value):
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.ref(value["Ref"])
        if "Fn::GetAtt" in value:
            return self.get_att(*value["Fn::GetAtt"])
        if "Fn::Sub" in value:
            return re.sub(
                r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z]+))?\}",
                lambda m: self.get_att(m.group(1), m.group(2)) if m.group(2) else self.ref(m.group(1)),
                value["Fn::Sub"],
            )
        return {key: self(item) for key, item in value.items()}


def _publish_layers(lambda_client, template: dict, stage: str) -> dict[str, str]:
    """Publish each layer of the translated template under its LayerName; {logical id: layer version ARN}."""
    arns = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::LayerVersion":
            properties = resource["Properties"]
            name = properties["LayerName"]
            name = name["Fn::Sub"].replace("${Stage}", stage) if isinstance(name, dict) else name
            published = lambda_client.publish_layer_version(
                LayerName=name,
                Description=properties.get("Description", ""),
                Content={"S3Bucket": properties["Content"]["S3Bucket"], "S3Key": properties["Content"]["S3Key"]},
                CompatibleRuntimes=properties.get("CompatibleRuntimes", []),
            )
            arns[logical_id] = published["LayerVersionArn"]
    return arns


def _publish_live_versions(
    lambda_client, template: dict, names: dict[str, str], layer_arns: dict[str, str]
) -> dict[str, str]:
    """What the stack's AWS::Lambda::Version and `live` AWS::Lambda::Alias resources do, with the layers
    the emulator has; {version logical id: the version number `live` points to}."""
    versions = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Version":
            continue
        function = resource["Properties"]["FunctionName"]["Ref"]
        layers = template["Resources"][function]["Properties"].get("Layers", [])
        arns = [
            layer_arns[layer["Ref"]] for layer in layers if isinstance(layer, dict) and layer.get("Ref") in layer_arns
        ]
        lambda_client.update_function_configuration(FunctionName=names[function], Layers=arns)
        version = lambda_client.publish_version(FunctionName=names[function])["Version"]
        lambda_client.create_alias(FunctionName=names[function], Name=LIVE_ALIAS, FunctionVersion=version)
        versions[logical_id] = version
    return versions


def _create_deployment_groups(codedeploy, template: dict, stack_name: str, names: dict[str, str]) -> None:
    """The CodeDeploy application and one deployment group per function, named as CloudFormation names
    resources without a name property: <stack>-<logical id>-<random suffix>."""
    suffix = "EMULATOR"
    (application_id,) = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::CodeDeploy::Application"]
    application = f"{stack_name}-{application_id}-{suffix}"
    codedeploy.create_application(applicationName=application, computePlatform="Lambda")
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CodeDeploy::DeploymentGroup":
            codedeploy.create_deployment_group(
                applicationName=application,
                deploymentGroupName=f"{stack_name}-{logical_id}-{suffix}",
                serviceRoleArn=f"arn:aws:iam::123456789012:role/{names.get('CodeDeployServiceRole', 'codedeploy')}",
                deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            )


def _put_alarms(cloudwatch, template: dict, resolve: _Resolver) -> None:
    alarms = {name: res for name, res in template["Resources"].items() if res["Type"] in ALARM_TYPES}
    # Metric alarms first: composite rules name them.
    for logical_id, resource in sorted(alarms.items(), key=lambda item: item[1]["Type"] != ALARM_TYPES[0]):
        properties = resolve(resource["Properties"])
        if resource["Type"] == ALARM_TYPES[0]:
            cloudwatch.put_metric_alarm(**properties)
        else:
            # moto implements no PutCompositeAlarm: a metric-less alarm with the same name and actions
            # stands in for it, enough for verify to see it exist, change state and notify the topic.
            rule_free = {key: properties[key] for key in ("AlarmName", "AlarmDescription", "AlarmActions", "OKActions")}
            cloudwatch.put_metric_alarm(**rule_free, EvaluationPeriods=1, ComparisonOperator="GreaterThanThreshold")
        resolve.names[logical_id] = properties["AlarmName"]


def deploy(
    stage: str,
    region: str,
    endpoint_url: str | None,
    api_url: str | None = None,
    alarm_email: str | None = None,
) -> str:
    """Create hedgehog-learn-<stage> in the emulator; returns the stack name."""
    clients = _clients(endpoint_url, region)
    stack_name = f"hedgehog-learn-{stage}"
    _upload_code(clients["s3"], region, load_template())
    full_template = translate(stage, region)
    layer_arns = _publish_layers(clients["lambda"], full_template, stage)
    template = emulator_template(full_template, api_url, layer_arns)
    parameters = [{"ParameterKey": "Stage", "ParameterValue": stage}]
    if alarm_email:
        parameters.append({"ParameterKey": "AlarmEmail", "ParameterValue": alarm_email})
    cfn = clients["cloudformation"]
    if any(
        s["StackName"] == stack_name for s in cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]
    ):
        # Deploying again replaces the emulator's stack: the emulator cannot apply change sets.
        cfn.delete_stack(StackName=stack_name)
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template), Parameters=parameters)
    cfn.get_waiter("stack_create_complete").wait(StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    names = {p["ParameterKey"]: p["ParameterValue"] for p in parameters}
    names |= {"AWS::Region": region, "AWS::StackName": stack_name, "AWS::Partition": "aws"}
    names |= _physical_ids(cfn, stack_name)
    resolve = _Resolver(names, _publish_live_versions(clients["lambda"], full_template, names, layer_arns))
    _create_deployment_groups(clients["codedeploy"], full_template, stack_name, names)
    _put_alarms(clients["cloudwatch"], full_template, resolve)
    subscription = full_template["Resources"].get("AlarmEmailSubscription")
    if alarm_email and subscription:
        properties = resolve(subscription["Properties"])
        clients["sns"].subscribe(TopicArn=properties["TopicArn"], Protocol="email", Endpoint=alarm_email)
    return stack_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="dev", choices=["dev", "prod"])
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--endpoint-url", help="AWS emulator URL (default: AWS_ENDPOINT_URL)")
    parser.add_argument("--api-url", help="value of the HttpApiUrl output (the emulator has no HTTP API)")
    parser.add_argument("--alarm-email", default="oncall@example.com")
    parser.add_argument("--local", action="store_true", help="use the running local stack's .local/stack.json")
    args = parser.parse_args(argv)
    if args.local:
        from tools.verify import use_local_stack

        state = use_local_stack()
        args.endpoint_url, args.region = state["aws_endpoint_url"], state["region"]
        args.api_url = args.api_url or state["api_url"]
    endpoint_url = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint_url:
        print("refusing to run without an emulator endpoint (--endpoint-url, AWS_ENDPOINT_URL or --local)")
        return 2
    stack_name = deploy(args.stage, args.region, endpoint_url, args.api_url, args.alarm_email)
    print(f"{stack_name} created in the emulator at {endpoint_url} ({args.region})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
