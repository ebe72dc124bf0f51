"""The deployment guide's post-deployment checklist as one command.

    make verify ENV=prod
    python -m tools.verify --config-env prod [--api-url URL] [--cognito-base-url URL]
    python -m tools.verify --stack hedgehog-learn-prod --region us-west-2
    python -m tools.verify --stack hedgehog-learn-dev --local   # the emulator stack next to `make dev`

Prints one PASS/FAIL line per check with what it saw and exits 1 if any check failed. Expectations
(tables, alarms, function settings, log groups) come from template.yaml, so they follow the template.
Functions are checked as learners reach them: through the `live` alias, its version and that version's
layers, not $LATEST. boto3 honours AWS_ENDPOINT_URL, which is how the same checks run against the AWS
emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3

from kit.template import ROOT, load_template, resources, table_specs
from tools.checklist import Check, banner, deploy_config, guarded, run_checklist

STACK_PREFIX = "hedgehog-learn-"
HEALTHY_STACK_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
ME_UNAUTHORIZED_BODY = '{"error":"Unauthorized: Missing access token"}'
HTTP_TIMEOUT_SECONDS = 10
ALARM_POLL_SECONDS = 15
LIVE_ALIAS = "live"
# Outputs naming the layer versions the stack publishes (SharedLayerVersionArn, ...): every function's live
# version must run each of them (every function gets every layer the stack publishes, through Globals).
LAYER_OUTPUT_SUFFIX = "LayerVersionArn"
# What a function's live version must share with $LATEST: a difference means the deploy updated the function
# but published no version, so learners still run the previous one.
RELEASED_SETTINGS = ("CodeSha256", "Layers", "Environment", "Runtime", "Handler", "Timeout", "MemorySize")
# CodeDeploy's statuses of a deployment that has not finished (ListDeployments' includeOnlyStatuses).
UNFINISHED_DEPLOYMENT_STATUSES = ["Created", "Queued", "InProgress", "Baking", "Ready"]
# CloudFormation names a resource without a name property <stack>-<logical id>-<random suffix>; SAM's
# CodeDeploy application for AutoPublishAlias + DeploymentPreference is ServerlessDeploymentApplication.
CODEDEPLOY_APPLICATION = "ServerlessDeploymentApplication"


def use_local_stack() -> dict:
    """Point boto3 at the running local stack's emulator; returns its .local/stack.json
    (HHL_STATE_DIR overrides the directory)."""
    state_dir = Path(os.environ.get("HHL_STATE_DIR") or ROOT / ".local")
    state = json.loads((state_dir / "stack.json").read_text())
    os.environ["AWS_ENDPOINT_URL"] = state["aws_endpoint_url"]
    # The emulator accepts any credentials; boto3 only needs some.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    return state


# The property that fixes a resource's name, for the types whose names other names are built from.
NAME_PROPERTIES = {"AWS::Serverless::Function": "FunctionName", "AWS::DynamoDB::Table": "TableName"}


def _stage_name(value, stage: str, template: dict | None = None) -> str:
    """`!Sub hedgehog-learn-${Stage}-x` -> hedgehog-learn-<stage>-x, for the names the template fixes; a
    `${LoginFunction}` or `${UsersTable}` in it (the alarm loops' names) becomes that resource's own name."""
    if not isinstance(value, dict):
        return value
    resources_ = (template or {}).get("Resources", {})

    def named(match: re.Match) -> str:
        resource = resources_.get(match[1], {})
        name_property = NAME_PROPERTIES.get(resource.get("Type"))
        if not name_property:
            return match[0]
        return _stage_name(resource["Properties"][name_property], stage, template)

    return re.sub(r"\$\{(\w+)\}", named, value["Fn::Sub"].replace("${Stage}", stage))


def _listed(label: str, items: list[str]) -> str:
    return f"; {label}: {', '.join(items)}" if items else ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_get(url: str) -> tuple[int, dict[str, str], str]:
    """GET without following redirects; (status, lower-cased headers, body)."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, timeout=HTTP_TIMEOUT_SECONDS) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 3xx/4xx/5xx arrive here
        status, headers, body = error.code, error.headers, error.read()
    return status, {k.lower(): v for k, v in headers.items()}, body.decode("utf-8", "replace")


class Verifier:
    def __init__(
        self,
        stack: str,
        region: str,
        api_url: str | None,
        cognito_base_url: str | None,
        error_window_minutes: int = 15,
        alarm_settle_seconds: int = 0,
    ):
        self.stack = stack
        self.stage = stack.removeprefix(STACK_PREFIX)
        self.region = region
        self.api_url_override = api_url
        self.cognito_base_url_override = cognito_base_url
        self.error_window_minutes = error_window_minutes
        self.alarm_settle_seconds = alarm_settle_seconds
        self.template = load_template()
        self.session = boto3.Session(region_name=region)
        self.outputs: dict[str, str] = {}

    def client(self, name: str):
        return self.session.client(name)

    # ------------------------------------------------------------------ the checklist, in the guide's order
    def checks(self) -> Iterator[Check]:
        yield guarded("stack status", self.check_stack)
        yield guarded("HttpApiUrl output", self.check_api_url_output)
        yield guarded("GET /auth/me", self.check_me)
        yield guarded("GET /auth/login", self.check_login)
        yield guarded("DynamoDB tables", self.check_tables)
        yield guarded("alarms exist", self.check_alarms_exist)
        yield guarded("alarms OK", self.check_alarms_ok)
        for function in resources("AWS::Serverless::Function", self.template).values():
            name = _stage_name(function["Properties"]["FunctionName"], self.stage)
            yield guarded(f"function {name}", lambda f=function, n=name: self.check_function(n, f))
        yield guarded("CodeDeploy deployments", self.check_deployments)
        yield guarded("log groups", self.check_log_groups)
        yield guarded("recent ERROR logs", self.check_recent_errors)
        yield guarded("alarm notifications", self.check_subscriptions)
        yield guarded("dashboard", self.check_dashboard)

    def check_stack(self) -> tuple[bool, str]:
        stack = self.client("cloudformation").describe_stacks(StackName=self.stack)["Stacks"][0]
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return stack["StackStatus"] in HEALTHY_STACK_STATUSES, f"{self.stack} is {stack['StackStatus']}"

    def check_api_url_output(self) -> tuple[bool, str]:
        url = self.outputs.get("HttpApiUrl")
        if not url:
            return False, "no HttpApiUrl output"
        return url.startswith(("https://", "http://")), url

    @property
    def api_url(self) -> str:
        url = self.api_url_override or self.outputs.get("HttpApiUrl")
        if not url:
            raise ValueError("no API URL (no HttpApiUrl output and no --api-url)")
        return url.rstrip("/")

    def check_me(self) -> tuple[bool, str]:
        status, _, body = http_get(f"{self.api_url}/auth/me")
        return status == 401 and body == ME_UNAUTHORIZED_BODY, f"{status} {body[:200]}"

    def check_login(self) -> tuple[bool, str]:
        if self.cognito_base_url_override:
            base = self.cognito_base_url_override.rstrip("/")
        else:
            base = f"https://{self.outputs['CognitoDomain']}"
        authorize = f"{base}/oauth2/authorize?"
        status, headers, _ = http_get(f"{self.api_url}/auth/login")
        location = headers.get("location", "")
        ok = status == 302 and location.startswith(authorize) and "response_type=code" in location
        return ok, f"{status} location={location.split('?')[0] or '(none)'} (expected {authorize[:-1]})"

    def check_tables(self) -> tuple[bool, str]:
        dynamodb = self.client("dynamodb")
        seen, missing = [], []
        for spec in table_specs(self.stage, self.template):
            try:
                status = dynamodb.describe_table(TableName=spec.name)["Table"]["TableStatus"]
            except dynamodb.exceptions.ResourceNotFoundException:
                missing.append(spec.name)
                continue
            if status == "ACTIVE":
                seen.append(spec.name)
            else:
                missing.append(f"{spec.name} {status}")
        return not missing, f"{len(seen)} active" + _listed("missing or not active", missing)

    def _alarms(self) -> dict[str, str]:
        paginator = self.client("cloudwatch").get_paginator("describe_alarms")
        states = {}
        for page in paginator.paginate(
            AlarmNamePrefix=f"{STACK_PREFIX}{self.stage}-", AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        ):
            for alarm in page["MetricAlarms"] + page["CompositeAlarms"]:
                states[alarm["AlarmName"]] = alarm["StateValue"]
        return states

    def expected_alarms(self) -> set[str]:
        return {
            _stage_name(alarm["Properties"]["AlarmName"], self.stage, self.template)
            for alarm_type in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
            for alarm in resources(alarm_type, self.template).values()
        }

    def check_alarms_exist(self) -> tuple[bool, str]:
        expected, found = self.expected_alarms(), set(self._alarms())
        missing = sorted(expected - found)
        seen = f"{len(expected & found)}/{len(expected)} of the template's alarms"
        return not missing and bool(expected), seen + _listed("missing", missing)

    def check_alarms_ok(self) -> tuple[bool, str]:
        states = self._alarms()
        # A new or just-updated alarm is INSUFFICIENT_DATA until CloudWatch first evaluates it (about a
        # minute); give those time to settle, but never wait on an alarm that is already in ALARM.
        deadline = time.monotonic() + self.alarm_settle_seconds
        while "INSUFFICIENT_DATA" in states.values() and "ALARM" not in states.values() and time.monotonic() < deadline:
            time.sleep(ALARM_POLL_SECONDS)
            states = self._alarms()
        if not states:
            return False, f"no alarms named {STACK_PREFIX}{self.stage}-*"
        not_ok = sorted(f"{name}={state}" for name, state in states.items() if state != "OK")
        return not not_ok, f"{len(states) - len(not_ok)}/{len(states)} OK" + _listed("not OK", not_ok)

    def check_function(self, name: str, function: dict) -> tuple[bool, str]:
        """What the `live` alias serves: its version set up as the template says, on the stack's shared layer,
        taking all the traffic, and the same release as $LATEST."""
        defaults = self.template.get("Globals", {}).get("Function", {})
        properties = function["Properties"]
        expected = {
            key: properties.get(key, defaults.get(key)) for key in ("Runtime", "Handler", "Timeout", "MemorySize")
        }
        lambda_ = self.client("lambda")
        alias = lambda_.get_alias(FunctionName=name, Name=LIVE_ALIAS)
        version = alias["FunctionVersion"]
        live = lambda_.get_function_configuration(FunctionName=name, Qualifier=version)
        wrong = [
            f"{key} {live.get(key)} (template: {value})" for key, value in expected.items() if live.get(key) != value
        ]
        split = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        wrong += [
            f"{LIVE_ALIAS} sends {weight:.0%} of requests to version {other} (a deployment shifting traffic, or stuck)"
            for other, weight in split.items()
        ]
        layers = [layer["Arn"] for layer in live.get("Layers") or []]
        published = {key: arn for key, arn in self.outputs.items() if key.endswith(LAYER_OUTPUT_SUFFIX)}
        if not published:
            wrong.append(f"no *{LAYER_OUTPUT_SUFFIX} output to compare the layers with")
        for arn in published.values():
            if arn not in layers:
                stale = [other for other in layers if other.rpartition(":")[0] == arn.rpartition(":")[0]]
                wrong.append(f"runs layer {stale[0] if stale else '(none)'}, the stack's is {arn}")
        latest = lambda_.get_function_configuration(FunctionName=name)
        differs = [key for key in RELEASED_SETTINGS if live.get(key) != latest.get(key)]
        if differs:
            wrong.append(
                f"$LATEST differs from version {version} in {', '.join(differs)}: the deploy published no version "
                "(docs/runbook.md, live is behind $LATEST)"
            )
        names = ", ".join(arn.rpartition(":layer:")[2] for arn in published.values())
        summary = f"{LIVE_ALIAS}={version}: {live['Runtime']} {live['Handler']} {live['Timeout']}s "
        summary += f"{live['MemorySize']}MB, layers {names}"
        return not wrong, summary if not wrong else f"{LIVE_ALIAS}={version}: " + "; ".join(wrong)

    def _codedeploy_application(self) -> str:
        prefix = f"{self.stack}-{CODEDEPLOY_APPLICATION}-"
        paginator = self.client("codedeploy").get_paginator("list_applications")
        found = [name for page in paginator.paginate() for name in page["applications"] if name.startswith(prefix)]
        if len(found) != 1:
            raise ValueError(f"expected one CodeDeploy application {prefix}*, found {len(found)}")
        return found[0]

    def check_deployments(self) -> tuple[bool, str]:
        """After `sam deploy` returns, CloudFormation has waited for every traffic shift: a deployment that
        has not finished is stuck (or another deploy is running)."""
        codedeploy = self.client("codedeploy")
        application = self._codedeploy_application()
        groups = [
            group
            for page in codedeploy.get_paginator("list_deployment_groups").paginate(applicationName=application)
            for group in page["deploymentGroups"]
        ]
        unfinished = [
            deployment
            for group in groups
            for page in codedeploy.get_paginator("list_deployments").paginate(
                applicationName=application,
                deploymentGroupName=group,
                includeOnlyStatuses=UNFINISHED_DEPLOYMENT_STATUSES,
            )
            for deployment in page["deployments"]
        ]
        if not unfinished:
            return True, f"none unfinished in {application} ({len(groups)} deployment groups)"
        now = datetime.now(UTC)
        described = []
        for start in range(0, len(unfinished), 25):
            batch = codedeploy.batch_get_deployments(deploymentIds=unfinished[start : start + 25])
            for info in batch["deploymentsInfo"]:
                minutes = (now - info["createTime"]).total_seconds() / 60
                described.append(
                    f"{info['deploymentId']} ({info.get('deploymentGroupName')}) {info['status']} for {minutes:.0f} min"
                )
        return False, "unfinished: " + "; ".join(described) + " (docs/runbook.md, a deployment in progress)"

    def expected_log_groups(self) -> set[str]:
        return {
            _stage_name(group["Properties"]["LogGroupName"], self.stage)
            for group in resources("AWS::Logs::LogGroup", self.template).values()
        }

    def check_log_groups(self) -> tuple[bool, str]:
        expected = self.expected_log_groups()
        paginator = self.client("logs").get_paginator("describe_log_groups")
        found = set()
        for prefix in ("/aws/lambda/", "/aws/http-api/"):
            for page in paginator.paginate(logGroupNamePrefix=f"{prefix}{STACK_PREFIX}{self.stage}"):
                found |= {group["logGroupName"] for group in page["logGroups"]}
        missing = sorted(expected - found)
        return not missing, f"{len(expected & found)}/{len(expected)}" + _listed("missing", missing)

    def check_recent_errors(self) -> tuple[bool, str]:
        """The guide's "No ERROR level logs in CloudWatch", over the last few minutes of every function."""
        since = int((time.time() - self.error_window_minutes * 60) * 1000)
        logs = self.client("logs")
        noisy = []
        for group in sorted(self.expected_log_groups()):
            if not group.startswith("/aws/lambda/"):
                continue
            try:
                events = logs.filter_log_events(logGroupName=group, filterPattern="ERROR", startTime=since, limit=1)
            except logs.exceptions.ResourceNotFoundException:
                continue  # reported by the log groups check
            if events["events"]:
                noisy.append(f"{group} ({events['events'][0]['message'][:120].strip()})")
        return not noisy, f"none in the last {self.error_window_minutes} min" if not noisy else "; ".join(noisy)

    def check_subscriptions(self) -> tuple[bool, str]:
        topic = self.outputs.get("AlarmTopicArn")
        if not topic:
            return False, "no AlarmTopicArn output"
        paginator = self.client("sns").get_paginator("list_subscriptions_by_topic")
        subscriptions = [s for page in paginator.paginate(TopicArn=topic) for s in page["Subscriptions"]]
        confirmed = [s for s in subscriptions if s["SubscriptionArn"].startswith("arn:")]
        pending = len(subscriptions) - len(confirmed)
        seen = ", ".join(f"{s['Protocol']}:{s['Endpoint']}" for s in confirmed) or "no confirmed subscription"
        return bool(confirmed), seen + (f" ({pending} pending confirmation)" if pending else "")

    def check_dashboard(self) -> tuple[bool, str]:
        name = f"{STACK_PREFIX}{self.stage}"
        body = json.loads(self.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
        widgets = len(body.get("widgets", []))
        return widgets > 0, f"{name} with {widgets} widgets"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-env", help="the samconfig.toml environment (dev, prod) naming the stack and region")
    parser.add_argument("--stack", help="hedgehog-learn-<stage> (default: the --config-env stack)")
    parser.add_argument("--region", help="default: the --config-env region, else us-west-2")
    parser.add_argument("--api-url", help="API base URL instead of the HttpApiUrl output")
    parser.add_argument("--cognito-base-url", help="hosted UI base URL instead of https://<CognitoDomain output>")
    parser.add_argument("--error-window-minutes", type=int, default=15, help="how far back to look for ERROR logs")
    parser.add_argument(
        "--alarm-settle-seconds", type=int, default=180, help="how long to wait for INSUFFICIENT_DATA alarms to settle"
    )
    parser.add_argument("--local", action="store_true", help="emulator, API and hosted UI of the running local stack")
    args = parser.parse_args(argv)
    if args.config_env:
        config = deploy_config(args.config_env)
        args.stack, args.region = args.stack or config.stack, args.region or config.region
    args.region = args.region or "us-west-2"
    if not args.stack or not args.stack.startswith(STACK_PREFIX):
        parser.error(f"--stack must be {STACK_PREFIX}<stage>")
    if args.local:
        state = use_local_stack()
        args.region = state["region"]
        args.api_url = args.api_url or state["api_url"]
        args.cognito_base_url = args.cognito_base_url or state["cognito_base_url"]

    verifier = Verifier(
        args.stack,
        args.region,
        args.api_url,
        args.cognito_base_url,
        error_window_minutes=args.error_window_minutes,
        alarm_settle_seconds=args.alarm_settle_seconds,
    )
    print(banner("Verifying", args.stack, args.region))
    return run_checklist(verifier.checks())


if __name__ == "__main__":
    sys.exit(main())
