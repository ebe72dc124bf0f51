"""The deploy role's policy in docs/runbook.md grants what the pipeline does, derived rather than listed:

- every AWS call of tools/verify.py and tools/preflight.py, found in their code (boto3 client method calls and
  paginators, mapped to IAM actions through botocore's service models);
- every permission CloudFormation's resource handlers need for the resource types of the template as sam deploy
  translates it (CloudFormation's registry schemas, as cfn-lint ships them), in every stage and option, except the
  features the template does not use, each listed below with its reason;
- sam deploy's own calls (change sets, the artifact bucket).
A call the tools start making, or a resource type the template gains, fails here until the policy grants it."""

from __future__ import annotations

import ast
import fnmatch
import functools
import json
import re
from pathlib import Path

import botocore.session
import cfnlint
import pytest

from kit.template import ROOT
from tools.sam_translate import translate

RUNBOOK = ROOT / "docs" / "runbook.md"
TOOLS = [ROOT / "tools" / "verify.py", ROOT / "tools" / "preflight.py"]
SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas"
# IAM's name where it differs from the API's: HeadBucket is authorised as ListBucket, GetCallerIdentity needs none,
# and reading a SecureString decrypted is also a kms:Decrypt (through SSM).
IAM_ACTIONS = {"s3:HeadBucket": ["s3:ListBucket"], "sts:GetCallerIdentity": []}
IMPLIED = {"ssm:GetParameter": ["kms:Decrypt"]}
# What `sam deploy --config-env prod` calls itself (samcli/lib/deploy/deployer.py, package/s3_uploader.py).
SAM_DEPLOY_CALLS = [
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplateSummary",
    "cloudformation:CreateChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:DescribeStackEvents",
    "s3:PutObject",
    "s3:GetObject",  # HeadObject before each upload
    "s3:ListBucket",
]
# Handler permissions for features this template does not use. Each stays denied; a template that starts using
# one (a VPC, a customer key, provisioned concurrency...) must take it out of here and add it to the policy.
UNUSED = {
    "ec2:Describe*": "functions are not in a VPC",
    "elasticfilesystem:DescribeMountTargets": "no EFS file system",
    "s3files:ListMountTargets": "no S3 file system mount",
    **dict.fromkeys(
        [
            "kms:CreateGrant",
            "kms:RevokeGrant",
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
            "kms:ListAliases",
        ],
        "no customer-managed key encrypts functions, tables, mappings, the pool or log groups "
        "(kms:Decrypt is granted only through SSM, for make preflight)",
    ),
    "lambda:PutFunctionCodeSigningConfig": "no code signing",
    "lambda:DeleteFunctionCodeSigningConfig": "no code signing",
    "lambda:PutFunctionRecursionConfig": "recursive-loop detection left at its default",
    "lambda:PutFunctionScalingConfig": "no capacity provider",
    "lambda:PassCapacityProvider": "no capacity provider",
    "lambda:AssociateRuntimeAlias": "no runtime alias",
    "lambda:PutRuntimeManagementConfig": "runtime updates left automatic",
    "lambda:PutProvisionedConcurrencyConfig": "no provisioned concurrency",
    "lambda:DeleteProvisionedConcurrencyConfig": "no provisioned concurrency",
    "dynamodb:BatchWriteItem": "tables are created empty (no ImportSourceSpecification)",
    "dynamodb:PutItem": "tables are created empty",
    "dynamodb:UpdateItem": "tables are created empty",
    "dynamodb:DeleteItem": "tables are created empty",
    "dynamodb:GetItem": "tables are created empty",
    "dynamodb:Query": "tables are created empty",
    "dynamodb:Scan": "tables are created empty",
    "dynamodb:ImportTable": "tables are created empty",
    "dynamodb:AssociateTableReplica": "no global table replicas",
    "dynamodb:CreateTableReplica": "no global table replicas",
    "dynamodb:EnableKinesisStreamingDestination": "no Kinesis streaming destination",
    "dynamodb:DisableKinesisStreamingDestination": "no Kinesis streaming destination",
    "dynamodb:UpdateKinesisStreamingDestination": "no Kinesis streaming destination",
    "dynamodb:UpdateContributorInsights": "contributor insights off",
    "dynamodb:PutResourcePolicy": "no table resource policy",
    "dynamodb:DeleteResourcePolicy": "no table resource policy",
    "kinesis:*": "no Kinesis streaming destination",
    "iam:CreateServiceLinkedRole": "no replicas, SMS or Pinpoint analytics",
    "iam:PutRolePermissionsBoundary": "the stack's roles have no permissions boundary",
    "iam:DeleteRolePermissionsBoundary": "the stack's roles have no permissions boundary",
    "logs:CreateLogStream": "only the DynamoDB import handler writes logs",
    "logs:PutLogEvents": "only the DynamoDB import handler writes logs",
    "logs:DescribeLogStreams": "only the DynamoDB import handler writes logs",
    "logs:AssociateKmsKey": "log groups use CloudWatch's own encryption",
    "logs:DisassociateKmsKey": "log groups use CloudWatch's own encryption",
    "logs:PutDataProtectionPolicy": "no log data protection policy",
    "logs:DeleteDataProtectionPolicy": "no log data protection policy",
    "logs:PutIndexPolicy": "no log field indexes",
    "logs:DeleteIndexPolicy": "no log field indexes",
    "logs:PutBearerTokenAuthentication": "no bearer-token log ingestion",
    "logs:PutLogGroupDeletionProtection": "log group deletion protection not set",
    "logs:DeleteResourcePolicy": "no log group resource policy",
    "firehose:TagDeliveryStream": "no Firehose delivery",
    "s3:REST.PUT.OBJECT": "no S3 log delivery",
    "s3:GetObjectMetadata": "tables are created empty (no import from S3)",
    "cloudfront:updateDistribution": "the hosted UI has a prefix domain, not a custom one",
    "sns:PutDataProtectionPolicy": "no SNS data protection policy",
    "codedeploy:RegisterOnPremisesInstance": "Lambda deployments only",
    "secretsmanager:GetRandomPassword": "secrets hold given values (the app client's secret), none generated",
    "secretsmanager:ReplicateSecretToRegions": "secrets are not replicated",
    "secretsmanager:RemoveRegionsFromReplication": "secrets are not replicated",
}
# The translator resolves Stage only and keeps every conditional resource, so two stages cover every option.
STAGES = ("dev", "prod")


# ==================================================================== the policy
def runbook_policy() -> dict:
    """The fenced json block that follows the runbook's mention of deploy-policy.json."""
    text = RUNBOOK.read_text()
    after = text[text.index("(`deploy-policy.json`)") :]
    return json.loads(re.search(r"```json\n(.*?)```", after, re.S)[1])


POLICY = runbook_policy()
STATEMENTS = POLICY["Statement"]


def as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def grants(action: str) -> list[dict]:
    """The Allow statements whose Action matches `action` (IAM matches case-insensitively, with wildcards)."""
    return [
        s
        for s in STATEMENTS
        if s["Effect"] == "Allow" and any(fnmatch.fnmatch(action.lower(), a.lower()) for a in as_list(s["Action"]))
    ]


def unused(action: str) -> bool:
    return any(fnmatch.fnmatch(action.lower(), pattern.lower()) for pattern in UNUSED)


# API Gateway creates the HTTP API's access log delivery with the deployer's rights (vended logs).
ACCESS_LOG_DELIVERY = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
# Calls that take no resource in IAM (or only account-wide ones), so they can only be granted on "*".
RESOURCELESS = {
    "cognito-idp:CreateUserPool",
    "cognito-idp:DescribeUserPoolDomain",
    "kms:CreateKey",
    "lambda:GetAccountSettings",
    "lambda:ListEventSourceMappings",
    "lambda:GetEventSourceMapping",
    "route53:ListHostedZones",
    "cloudwatch:DescribeAlarms",
    "codedeploy:ListApplications",
    *ACCESS_LOG_DELIVERY,
}


# ==================================================================== what the tools call
@functools.cache
def service_operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name, e.g. describe_stacks -> DescribeStacks."""
    model = botocore.session.get_session().get_service_model(service)
    return {botocore.xform_name(name): name for name in model.operation_names}


def tool_calls(path: Path) -> set[str]:
    """service:Operation for every boto3 call in a tool: method calls and paginators on clients of the
    services the file creates (`.client("name")`), matched against those services' operations."""
    tree = ast.parse(path.read_text())
    services, methods = set(), set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        literal = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        if node.func.attr == "client" and isinstance(literal, str):
            services.add(literal)
        elif node.func.attr == "get_paginator" and isinstance(literal, str):
            methods.add(literal)
        else:
            methods.add(node.func.attr)
    calls = set()
    for service in services:
        operations = service_operations(service)
        calls |= {f"{service}:{operations[method]}" for method in methods if method in operations}
    return calls


def iam_actions(call: str) -> list[str]:
    return IAM_ACTIONS.get(call, [call]) + IMPLIED.get(call, [])


TOOL_CALLS = {path.name: tool_calls(path) for path in TOOLS}


def test_the_call_scan_finds_the_tools_calls():
    """The scan sees what the tools obviously do (a scan that found nothing would pass everything below)."""
    assert {"cloudformation:DescribeStacks", "logs:FilterLogEvents", "cloudwatch:DescribeAlarms"} <= TOOL_CALLS[
        "verify.py"
    ]
    assert {
        "sts:GetCallerIdentity",
        "ssm:GetParameter",
        "cognito-idp:DescribeUserPoolDomain",
        "lambda:GetAccountSettings",
        "acm:DescribeCertificate",
        "s3:HeadBucket",
        "iam:GetRole",
    } <= TOOL_CALLS["preflight.py"]


@pytest.mark.parametrize("call", sorted(set().union(*TOOL_CALLS.values())))
def test_the_policy_grants_every_call_of_make_verify_and_make_preflight(call):
    for action in iam_actions(call):
        statements = grants(action)
        assert statements, f"{call} needs {action}"
        if action in RESOURCELESS:  # a grant on named resources would not cover it
            assert any("*" in as_list(s["Resource"]) for s in statements), f"{action} needs Resource *"


def test_make_preflight_only_reads():
    operations = {call.split(":")[1] for call in TOOL_CALLS["preflight.py"]}
    assert all(op.startswith(("Get", "Describe", "List", "Head")) for op in operations), sorted(operations)


# ==================================================================== what sam deploy needs
def handler_permissions(resource_type: str) -> set[str]:
    providers = json.loads((SCHEMAS / "providers" / "us-west-2.json").read_text())
    schema = json.loads((SCHEMAS / "resources" / f"{providers[resource_type]}.json").read_text())
    handlers = schema.get("handlers", {})
    return {p for kind in ("create", "read", "update", "delete") for p in handlers.get(kind, {}).get("permissions", [])}


@functools.cache
def deployed_resource_types() -> frozenset[str]:
    return frozenset(resource["Type"] for stage in STAGES for resource in translate(stage)["Resources"].values())


def test_the_translated_template_has_the_types_this_test_expects():
    assert {"AWS::Lambda::Function", "AWS::CodeDeploy::DeploymentGroup", "AWS::ApiGatewayV2::Api"} <= set(
        deployed_resource_types()
    )


@pytest.mark.parametrize("resource_type", sorted(deployed_resource_types()))
def test_the_policy_grants_what_cloudformation_needs_for_each_resource_type(resource_type):
    permissions = handler_permissions(resource_type)
    assert permissions, f"no registry schema handlers for {resource_type}"
    missing = sorted(p for p in permissions if not unused(p) and not grants(p))
    assert not missing, f"{resource_type} needs {missing}"


@pytest.mark.parametrize("action", SAM_DEPLOY_CALLS)
def test_the_policy_grants_sam_deploys_own_calls(action):
    assert grants(action)


def test_unused_features_stay_denied():
    """The exclusions are real: the policy grants none of them (kms:Decrypt only through SSM, see below)."""
    for pattern in UNUSED:
        granted = [
            a
            for s in STATEMENTS
            for a in as_list(s["Action"])
            if fnmatch.fnmatch(a.lower(), pattern.lower()) and s.get("Condition") is None
        ]
        assert not granted, f"{pattern} is listed unused but granted: {granted}"


# ==================================================================== least privilege
def test_the_access_log_delivery_permissions_are_granted():
    """API Gateway creates the HTTP API's access log delivery with the caller's rights (vended logs)."""
    for action in ACCESS_LOG_DELIVERY:
        assert any("*" in as_list(s["Resource"]) for s in grants(action)), action


def test_describe_alarms_is_granted_on_every_resource_for_composite_alarms():
    assert any(as_list(s["Resource"]) == ["*"] for s in grants("cloudwatch:DescribeAlarms"))


def test_filter_log_events_is_limited_to_the_stacks_log_groups():
    (statement,) = grants("logs:FilterLogEvents")
    assert all("hedgehog-learn-prod" in resource for resource in as_list(statement["Resource"]))


def test_no_service_is_granted_wholesale():
    for statement in STATEMENTS:
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), action
            # Wildcards only for reading (lambda:Get*, dynamodb:Describe*).
            assert "*" not in action or re.search(r":(Get|List|Describe)\*$", action), action


def test_every_unscoped_grant_is_resourceless_or_conditioned():
    for statement in STATEMENTS:
        if "*" not in as_list(statement["Resource"]) or statement.get("Condition"):
            continue
        loose = set(as_list(statement["Action"])) - RESOURCELESS
        assert not loose, f"{statement['Sid']}: {sorted(loose)} on *"


def test_roles_are_passed_only_to_lambda_and_codedeploy_and_only_the_stacks_own():
    (statement,) = grants("iam:PassRole")
    assert as_list(statement["Resource"]) == ["arn:aws:iam::*:role/hedgehog-learn-prod-*"]
    services = statement["Condition"]["StringEquals"]["iam:PassedToService"]
    assert sorted(services) == ["codedeploy.amazonaws.com", "lambda.amazonaws.com"]


def test_the_role_cannot_rewrite_its_own_policy():
    for statement in grants("iam:PutRolePolicy") + grants("iam:AttachRolePolicy"):
        for resource in as_list(statement["Resource"]):
            assert not fnmatch.fnmatch("arn:aws:iam::123456789012:role/hedgehog-learn-github-deploy", resource)


def test_secrets_are_decrypted_only_through_ssm():
    (statement,) = grants("kms:Decrypt")
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": "ssm.us-west-2.amazonaws.com"}}
    (parameters,) = grants("ssm:GetParameter")
    assert as_list(parameters["Resource"]) == ["arn:aws:ssm:us-west-2:*:parameter/hedgehog-learn/prod/*"]


def test_it_fits_in_a_roles_inline_policies():
    assert len(json.dumps(POLICY, separators=(",", ":"))) <= 10_240
    assert len({s["Sid"] for s in STATEMENTS}) == len(STATEMENTS)


KEY_ACTIONS_OF_THIS_STACK_ONLY = [
    "kms:PutKeyPolicy",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:ScheduleKeyDeletion",
    "kms:UntagResource",
]


@pytest.mark.parametrize("action", KEY_ACTIONS_OF_THIS_STACK_ONLY)
def test_the_stacks_key_is_changed_or_deleted_only_through_a_tag_the_stack_sets_on_it_itself(action):
    """A rollback deletes the key it created: the condition must hold from CreateKey on, so it names a tag the
    template puts on every KMS key, never an aws:* system tag CloudFormation may not have applied yet."""
    (statement,) = grants(action)
    ((operator, tests),) = statement["Condition"].items()
    ((condition_key, value),) = tests.items()
    assert operator == "StringEquals" and condition_key.startswith("aws:ResourceTag/")
    tag = condition_key.removeprefix("aws:ResourceTag/")
    assert not tag.startswith("aws:"), condition_key
    assert value == "hedgehog-learn-prod"  # the stack samconfig.toml's [prod] deploys
    keys = [r for r in translate("prod")["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    assert keys
    for key in keys:
        tags = {t["Key"]: t["Value"] for t in key["Properties"].get("Tags", [])}
        assert tags.get(tag) == {"Ref": "AWS::StackName"}
