"""Safe deploys, read from what SAM really generates (aws-sam-translator, offline): every function is
published behind the `live` alias and shifted by CodeDeploy - canary in prod, all at once in dev -
with the function's error alarm able to stop and roll back the shift. The runbook's manual rollback
commands must name that alias and those functions."""

from __future__ import annotations

import re

import pytest

from kit.template import ROOT, load_template, resources
from tools.sam_translate import translate

TEMPLATE = load_template()
FUNCTIONS = resources("AWS::Serverless::Function", TEMPLATE)
ALIAS = TEMPLATE["Globals"]["Function"]["AutoPublishAlias"]
RUNBOOK = (ROOT / "docs" / "runbook.md").read_text()
EXPECTED_CONFIG = {
    "prod": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "dev": "CodeDeployDefault.LambdaAllAtOnce",
}


@pytest.fixture(scope="module", params=["dev", "prod"])
def translated(request):
    return request.param, translate(request.param)


def evaluate(value, stage: str):
    """Fn::If on IsProd and the Fn::Sub SAM wraps deployment config names in, for one stage."""
    if isinstance(value, dict) and "Fn::If" in value:
        condition, if_true, if_false = value["Fn::If"]
        assert condition == "IsProd"
        return evaluate(if_true if stage == "prod" else if_false, stage)
    if isinstance(value, dict) and "Fn::Sub" in value:
        pattern, variables = value["Fn::Sub"]
        return re.sub(r"\$\{(\w+)\}", lambda m: variables[m.group(1)], pattern)
    return value


def by_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == resource_type}


def test_every_function_is_published_behind_the_live_alias():
    assert ALIAS == "live"
    for name, function in FUNCTIONS.items():
        assert function["Properties"].get("AutoPublishAlias", ALIAS) == "live", name


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_codedeploy_shifts_each_alias_canary_in_prod_all_at_once_in_dev(translated, function):
    stage, template = translated
    (alias_id,) = [
        n
        for n, r in by_type(template, "AWS::Lambda::Alias").items()
        if r["Properties"]["FunctionName"] == {"Ref": function}
    ]
    alias = template["Resources"][alias_id]
    assert alias["Properties"]["Name"] == "live"
    group_id = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"]["Ref"]
    group = template["Resources"][group_id]["Properties"]
    assert evaluate(group["DeploymentConfigName"], stage) == EXPECTED_CONFIG[stage]
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_the_rollback_alarm_watches_the_version_being_deployed(translated, function):
    _, template = translated
    alias = next(
        r
        for r in by_type(template, "AWS::Lambda::Alias").values()
        if r["Properties"]["FunctionName"] == {"Ref": function}
    )
    version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
    group_id = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["DeploymentGroupName"]["Ref"]
    alarm_ids = [
        a["Name"]["Ref"]
        for a in template["Resources"][group_id]["Properties"]["AlarmConfiguration"]["Alarms"]
        if "Ref" in a["Name"]
    ]
    errors_alarms = [
        template["Resources"][a]["Properties"]
        for a in alarm_ids
        if template["Resources"][a]["Properties"].get("MetricName") == "Errors"
    ]
    assert len(errors_alarms) == 1, alarm_ids
    dims = {d["Name"]: d["Value"] for d in errors_alarms[0]["Dimensions"]}
    assert dims == {
        "FunctionName": {"Ref": function},
        "Resource": {"Fn::Sub": "${" + function + "}:live"},
        "ExecutedVersion": {"Fn::GetAtt": [version_id, "Version"]},
    }


def test_http_functions_also_roll_back_on_api_5xx_the_stream_consumer_does_not():
    # By name, not !Ref: the alarm depends on the API, which depends on every alias and so on its deployment
    # group; a !Ref back from the group is a cycle (test_translated_template.py lints for it).
    api_5xx_name = TEMPLATE["Resources"]["Api5xxAlarm"]["Properties"]["AlarmName"]
    for name, function in FUNCTIONS.items():
        alarms = function["Properties"]["DeploymentPreference"]["Alarms"]
        serves_http = any(e["Type"] == "HttpApi" for e in function["Properties"].get("Events", {}).values())
        assert (api_5xx_name in alarms) == serves_http, name
        assert {"Ref": "Api5xxAlarm"} not in alarms, name


# ==================================================================== the docs name what exists
def prod_names() -> set[str]:
    """Every hedgehog-learn-<stage>... name the template gives a resource, for prod; plus the stack."""
    names = {"hedgehog-learn-prod"}
    # `${LoginFunction}-errors` names an alarm after its function: a function's Ref is its FunctionName.
    function_names = {
        "${" + logical_id + "}": function["Properties"]["FunctionName"]["Fn::Sub"]
        for logical_id, function in FUNCTIONS.items()
    }

    def collect(value):
        if isinstance(value, dict):
            if isinstance(value.get("Fn::Sub"), str):
                text = value["Fn::Sub"]
                for reference, name in function_names.items():
                    text = text.replace(reference, name)
                names.update(re.findall(r"hedgehog-learn-prod(?:-[a-z0-9]+)*", text.replace("${Stage}", "prod")))
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(TEMPLATE["Resources"])
    return names


@pytest.mark.parametrize("doc", ["runbook.md", "alarms.md"])
def test_every_prod_resource_name_in_the_docs_exists_in_the_template(doc):
    text = (ROOT / "docs" / doc).read_text()
    mentioned = set(re.findall(r"hedgehog-learn-prod(?:-[a-z0-9]+)*", text))
    assert mentioned <= prod_names(), mentioned - prod_names()


def test_runbook_rollback_commands_move_the_real_alias_of_real_functions():
    commands = re.findall(r"aws lambda update-alias[^\n]*", RUNBOOK)
    assert commands, "docs/runbook.md has no alias rollback command"
    functions = {f["Properties"]["FunctionName"]["Fn::Sub"].replace("${Stage}", "prod") for f in FUNCTIONS.values()}
    for command in commands:
        assert re.search(r"--name (\S+)", command)[1] == ALIAS, command
        function = re.search(r"--function-name (\S+)", command)[1]
        assert function in functions or function.startswith('"$'), command
    assert "--function-name hedgehog-learn-prod-me --name live --function-version" in RUNBOOK
    for recycled in re.findall(r"^recycle (\S+)", RUNBOOK, flags=re.MULTILINE):
        assert recycled in functions, recycled


def test_runbook_stack_commands_name_the_stack():
    stacks = re.findall(r"--stack-name ([\w-]+)", RUNBOOK)
    assert stacks and set(stacks) == {"hedgehog-learn-prod"}


def test_runbook_parameter_overrides_keep_the_stage():
    # --parameter-overrides replaces samconfig.toml's "Stage=<env>" rather than adding to it.
    for env, overrides in re.findall(r"sam deploy --config-env (\w+) --parameter-overrides ([^\n`]+)", RUNBOOK):
        assert f"Stage={env}" in overrides.split(), overrides
