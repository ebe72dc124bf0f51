"""What make preflight and make verify read before calling AWS: samconfig.toml as sam deploy reads it, and the
template's values for one set of parameters. A mistake here checks the wrong stack, region or secret."""

from __future__ import annotations

import pytest

from kit.template import load_template
from tools.checklist import deploy_config, parse_parameter_overrides
from tools.preflight import TemplateValues

TEMPLATE = load_template()
DEFAULTS = {name: str(spec.get("Default", "")) for name, spec in TEMPLATE["Parameters"].items()}
ENVIRONMENT = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]


def test_parameter_overrides_are_read_as_sam_reads_them():
    assert parse_parameter_overrides('Stage=prod AlarmEmail=oncall@example.com SiteBaseUrl="https://a b"') == {
        "Stage": "prod",
        "AlarmEmail": "oncall@example.com",
        "SiteBaseUrl": "https://a b",
    }
    assert parse_parameter_overrides(["Stage=prod", "AllowedOrigins=https://a,https://b"]) == {
        "Stage": "prod",
        "AllowedOrigins": "https://a,https://b",
    }
    assert parse_parameter_overrides("CallbackUrl=") == {"CallbackUrl": ""}
    with pytest.raises(ValueError, match="'Stage' is not Key=Value"):
        parse_parameter_overrides("Stage")


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_environment_deploys_its_own_stack_in_its_region(env):
    config = deploy_config(env)
    assert (config.stack, config.region, config.resolve_s3) == (f"hedgehog-learn-{env}", "us-west-2", True)
    assert config.parameter_overrides["Stage"] == env


def test_an_unknown_environment_is_refused():
    with pytest.raises(ValueError, match=r"samconfig.toml has no \[staging\] environment \(has: default, dev, prod"):
        deploy_config("staging")


def test_the_secret_names_follow_the_parameters():
    prod = TemplateValues(TEMPLATE, DEFAULTS | {"Stage": "prod"}, "us-west-2")
    assert prod.value(ENVIRONMENT["JWT_SECRET_PARAMETER"]) == "/hedgehog-learn/prod/jwt-secret"
    assert prod.value(ENVIRONMENT["HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER"]) == "/hedgehog-learn/prod/hubspot-token"
    named = TemplateValues(TEMPLATE, DEFAULTS | {"Stage": "prod", "JwtSecretParameterName": "/x/jwt"}, "us-west-2")
    assert named.value(ENVIRONMENT["JWT_SECRET_PARAMETER"]) == "/x/jwt"


def test_conditions_and_regions_are_evaluated():
    values = TemplateValues(TEMPLATE, DEFAULTS | {"Stage": "prod", "CognitoDomainPrefix": "learn"}, "eu-west-1")
    assert values.value(ENVIRONMENT["COGNITO_DOMAIN"]) == "learn.auth.eu-west-1.amazoncognito.com"
    assert values.condition("IsProd") and values.condition("CreateUserPool")
    prod_only = {"Fn::If": ["IsProd", 5, {"Ref": "AWS::NoValue"}]}
    assert values.value(prod_only) == 5
    assert (
        TemplateValues(TEMPLATE, DEFAULTS, "us-west-2").value({"Fn::If": ["IsProd", 5, {"Ref": "AWS::NoValue"}]})
        is None
    )


def test_what_exists_only_after_the_deploy_is_not_guessed():
    values = TemplateValues(TEMPLATE, DEFAULTS, "us-west-2")
    with pytest.raises(ValueError, match="UserPool is known only once the stack exists"):
        values.value(ENVIRONMENT["COGNITO_USER_POOL_ID"])
    with pytest.raises(ValueError, match="Fn::GetAtt cannot be evaluated before the deploy"):
        values.value({"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]})
