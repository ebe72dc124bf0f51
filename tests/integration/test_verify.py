"""`make verify` against a deployed stack: the template deployed into the AWS emulator (moto server,
our own instance so it can be reset between tests) with the local stack serving the API and hosted UI.
First the whole checklist passes through `make verify` itself; then each check is shown to fail when
its condition is broken."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest

from kit.fake_http import Answer, Request, fake_http_server
from kit.template import ROOT, resources
from tools import verify
from tools.emulator_stack import deploy

pytestmark = pytest.mark.integration

REGION = "us-west-2"  # make verify's default region
STAGE = "dev"
STACK = f"hedgehog-learn-{STAGE}"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator", "AWS_DEFAULT_REGION": REGION}


@pytest.fixture
def aws(emulator, local_stack, monkeypatch):
    """A freshly deployed hedgehog-learn-dev in the emulator; returns a boto3 client factory for it."""
    for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": emulator}.items():
        monkeypatch.setenv(name, value)
    urllib.request.urlopen(urllib.request.Request(f"{emulator}/moto-api/reset", method="POST"), timeout=10).close()
    deploy(STAGE, REGION, emulator, api_url=local_stack["api_url"], alarm_email="oncall@example.com")
    return lambda service: boto3.client(service, region_name=REGION, endpoint_url=emulator)


def run_verify(local_stack, capsys, *overrides: str) -> tuple[int, dict[str, str]]:
    """tools.verify in-process against the emulator stack; (exit code, {check name: PASS/FAIL line})."""
    args = ["--stack", STACK, "--region", REGION, "--api-url", local_stack["api_url"]]
    args += ["--cognito-base-url", local_stack["cognito_base_url"], *overrides]
    code = verify.main(args)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("PASS", "FAIL"))]
    return code, {line[6:].split(": ", 1)[0]: line for line in lines}


def failed(lines: dict[str, str]) -> dict[str, str]:
    return {name: line for name, line in lines.items() if line.startswith("FAIL")}


# ==================================================================== the whole checklist passes
def test_make_verify_prints_a_full_passing_checklist(aws, emulator, local_stack):
    args = f"--api-url {local_stack['api_url']} --cognito-base-url {local_stack['cognito_base_url']}"
    # --old-file and TOOLS_PY: the running tests' interpreter stands in for the tools venv; never reinstall
    # from inside a test (tests/unit/ops/test_ops_tools_venv.py checks that venv's requirements).
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "--old-file=.venv-tools/.installed",
            "verify",
            f"ENV={STAGE}",
            f"TOOLS_PY={sys.executable}",
            f"ARGS={args}",
        ],
        cwd=ROOT,
        env={**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": emulator},
        capture_output=True,
        text=True,
        timeout=120,
    )
    checks = [line for line in result.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert result.returncode == 0, result.stdout + result.stderr
    assert checks and all(line.startswith("PASS") for line in checks), result.stdout
    # One line per check of the deployment guide, one per function.
    for name in ("stack status", "HttpApiUrl output", "GET /auth/me", "GET /auth/login", "DynamoDB tables"):
        assert any(line.startswith(f"PASS  {name}:") for line in checks), name
    functions = resources("AWS::Serverless::Function")
    assert sum(line.startswith("PASS  function hedgehog-learn-dev-") for line in checks) == len(functions)
    assert "all checks passed" in result.stdout


# ==================================================================== each check fails when broken
def test_a_stack_that_does_not_exist_fails(aws, local_stack, capsys):
    code, lines = run_verify(local_stack, capsys, "--stack", "hedgehog-learn-prod")
    assert code == 1
    assert "does not exist" in lines["stack status"] and lines["stack status"].startswith("FAIL")


def test_a_stack_without_the_api_url_output_fails(aws, local_stack, capsys):
    template = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/x/y"}}}}
    aws("cloudformation").create_stack(StackName="hedgehog-learn-prod", TemplateBody=json.dumps(template))
    code, lines = run_verify(local_stack, capsys, "--stack", "hedgehog-learn-prod")
    assert code == 1 and lines["stack status"].startswith("PASS")
    assert lines["HttpApiUrl output"] == "FAIL  HttpApiUrl output: no HttpApiUrl output"


def _stub_api_answer(request: Request) -> Answer:
    """An API that answers /auth/me with the wrong body and /auth/login with a redirect elsewhere."""
    if request.path == "/auth/me":
        return 401, {"content-type": "application/json"}, b'{"error":"Unauthorized"}'
    return 302, {"location": "https://evil.example/oauth2/authorize?response_type=code"}, b""


@pytest.fixture
def stub_api():
    with fake_http_server(_stub_api_answer) as url:
        yield url


def test_wrong_auth_responses_fail(aws, local_stack, capsys, stub_api):
    code, lines = run_verify(local_stack, capsys, "--api-url", stub_api)
    assert code == 1
    assert lines["GET /auth/me"] == 'FAIL  GET /auth/me: 401 {"error":"Unauthorized"}'
    assert lines["GET /auth/login"].startswith(
        "FAIL  GET /auth/login: 302 location=https://evil.example/oauth2/authorize"
    )
    assert set(failed(lines)) == {"GET /auth/me", "GET /auth/login"}


def test_an_unreachable_api_fails_both_http_checks_and_the_rest_still_runs(aws, local_stack, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    code, lines = run_verify(local_stack, capsys, "--api-url", f"http://127.0.0.1:{closed_port}")
    assert code == 1 and set(failed(lines)) == {"GET /auth/me", "GET /auth/login"}
    assert lines["dashboard"].startswith("PASS")


def test_a_deleted_table_fails(aws, local_stack, capsys):
    aws("dynamodb").delete_table(TableName="hedgehog-learn-dev-badges")
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"DynamoDB tables"}
    assert "hedgehog-learn-dev-badges" in lines["DynamoDB tables"]


def test_an_alarm_in_alarm_state_fails(aws, local_stack, capsys):
    aws("cloudwatch").set_alarm_state(AlarmName="hedgehog-learn-dev-api-5xx", StateValue="ALARM", StateReason="test")
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"alarms OK"}
    assert "hedgehog-learn-dev-api-5xx=ALARM" in lines["alarms OK"]


def test_an_alarm_that_never_leaves_insufficient_data_fails(aws, local_stack, capsys):
    cloudwatch = aws("cloudwatch")
    cloudwatch.set_alarm_state(
        AlarmName="hedgehog-learn-dev-me-duration", StateValue="INSUFFICIENT_DATA", StateReason="t"
    )
    code, lines = run_verify(local_stack, capsys, "--alarm-settle-seconds", "0")
    assert code == 1 and "hedgehog-learn-dev-me-duration=INSUFFICIENT_DATA" in lines["alarms OK"]


def test_a_missing_alarm_fails(aws, local_stack, capsys):
    aws("cloudwatch").delete_alarms(AlarmNames=["hedgehog-learn-dev-crm-sync-dlq-age"])
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"alarms exist"}
    assert "missing: hedgehog-learn-dev-crm-sync-dlq-age" in lines["alarms exist"]


def test_no_alarms_at_all_fails(aws, local_stack, capsys):
    cloudwatch = aws("cloudwatch")
    names = [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNamePrefix="hedgehog-learn-dev-")["MetricAlarms"]]
    for start in range(0, len(names), 100):
        cloudwatch.delete_alarms(AlarmNames=names[start : start + 100])
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and lines["alarms OK"] == "FAIL  alarms OK: no alarms named hedgehog-learn-dev-*"


def _release(lambda_client, name: str, **configuration) -> str:
    """A deploy that publishes: $LATEST configured, a new version published and `live` moved to it."""
    if configuration:
        lambda_client.update_function_configuration(FunctionName=name, **configuration)
    version = lambda_client.publish_version(FunctionName=name)["Version"]
    lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return version


def test_a_live_version_configured_unlike_the_template_fails(aws, local_stack, capsys):
    _release(aws("lambda"), "hedgehog-learn-dev-me", Runtime="python3.12", Timeout=3)
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"function hedgehog-learn-dev-me"}
    assert "Runtime python3.12 (template: python3.13)" in lines["function hedgehog-learn-dev-me"]
    assert "Timeout 3 (template: 10)" in lines["function hedgehog-learn-dev-me"]


def test_a_deploy_that_changed_latest_but_published_no_version_fails(aws, local_stack, capsys):
    """What CloudFormation does when the version's logical id stays the same (a parameter-only change):
    $LATEST gets the new environment, `live` keeps serving the old one."""
    lambda_ = aws("lambda")
    environment = lambda_.get_function_configuration(FunctionName="hedgehog-learn-dev-enroll")["Environment"]
    variables = {**environment["Variables"], "ALLOWED_ORIGINS": "https://hedgehog.cloud,https://new.hedgehog.cloud"}
    lambda_.update_function_configuration(
        FunctionName="hedgehog-learn-dev-enroll", Environment={"Variables": variables}
    )
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"function hedgehog-learn-dev-enroll"}
    assert (
        "$LATEST differs from version 1 in Environment: the deploy published no version"
        in lines["function hedgehog-learn-dev-enroll"]
    )


def test_live_on_a_shared_layer_other_than_the_stacks_fails(aws, local_stack, capsys):
    lambda_ = aws("lambda")
    stack = aws("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    (stacks_layer,) = [o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "SharedLayerVersionArn"]
    other = lambda_.publish_layer_version(
        LayerName="hedgehog-learn-dev-shared",
        Content={"S3Bucket": "hedgehog-learn-artifacts", "S3Key": "SharedLayer.zip"},
        CompatibleRuntimes=["python3.13"],
    )["LayerVersionArn"]
    _release(lambda_, "hedgehog-learn-dev-catalog", Layers=[other])
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"function hedgehog-learn-dev-catalog"}
    assert f"runs layer {other}, the stack's is {stacks_layer}" in lines["function hedgehog-learn-dev-catalog"]


def test_live_still_splitting_traffic_fails(aws, local_stack, capsys):
    lambda_ = aws("lambda")
    previous = lambda_.get_alias(FunctionName="hedgehog-learn-dev-progress", Name="live")["FunctionVersion"]
    version = _release(lambda_, "hedgehog-learn-dev-progress")
    lambda_.update_alias(
        FunctionName="hedgehog-learn-dev-progress",
        Name="live",
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {previous: 0.9}},
    )
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"function hedgehog-learn-dev-progress"}
    assert f"live sends 90% of requests to version {previous}" in lines["function hedgehog-learn-dev-progress"]


def test_a_function_without_its_live_alias_fails(aws, local_stack, capsys):
    aws("lambda").delete_alias(FunctionName="hedgehog-learn-dev-login", Name="live")
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"function hedgehog-learn-dev-login"}


def test_an_unfinished_codedeploy_deployment_fails(aws, local_stack, capsys):
    codedeploy = aws("codedeploy")
    (application,) = codedeploy.list_applications()["applications"]
    group = sorted(codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"])[0]
    revision = {"revisionType": "AppSpecContent", "appSpecContent": {"content": "{}"}}
    deployment = codedeploy.create_deployment(applicationName=application, deploymentGroupName=group, revision=revision)
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"CodeDeploy deployments"}
    assert f"{deployment['deploymentId']} ({group}) Created for 0 min" in lines["CodeDeploy deployments"]


def test_a_missing_log_group_fails(aws, local_stack, capsys):
    aws("logs").delete_log_group(logGroupName="/aws/lambda/hedgehog-learn-dev-enroll")
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"log groups"}
    assert "missing: /aws/lambda/hedgehog-learn-dev-enroll" in lines["log groups"]


def test_a_recent_error_log_line_fails(aws, local_stack, capsys):
    logs, group = aws("logs"), "/aws/lambda/hedgehog-learn-dev-progress"
    logs.create_log_stream(logGroupName=group, logStreamName="2026/11/25/[$LATEST]abc")
    line = '{"level":"ERROR","message":"unhandled error","service":"hedgehog-learn"}'
    event = {"timestamp": int(time.time() * 1000), "message": line}
    logs.put_log_events(logGroupName=group, logStreamName="2026/11/25/[$LATEST]abc", logEvents=[event])
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"recent ERROR logs"}
    assert f"{group} (" in lines["recent ERROR logs"] and "unhandled error" in lines["recent ERROR logs"]


def test_an_alarm_topic_nobody_is_subscribed_to_fails(aws, local_stack, capsys):
    sns = aws("sns")
    for subscription in sns.list_subscriptions()["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"alarm notifications"}
    assert "no confirmed subscription" in lines["alarm notifications"]


def test_a_missing_dashboard_fails(aws, local_stack, capsys):
    aws("cloudwatch").delete_dashboards(DashboardNames=["hedgehog-learn-dev"])
    code, lines = run_verify(local_stack, capsys)
    assert code == 1 and set(failed(lines)) == {"dashboard"}
