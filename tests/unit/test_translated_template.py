"""template.yaml as CloudFormation receives it: translated by the SAM translator (as `sam deploy` does),
then linted by cfn-lint with its best-practice (I) rules, for every shape of deployment the parameters allow.

`cfn-lint template.yaml` alone cannot see what SAM generates (versions, `live` aliases, CodeDeploy deployment
groups, the HTTP API's stage and permissions): a dependency cycle through them only shows up here, and the
local emulator creates the stack without checking for one. Each combination is translated and linted once
(cfn-lint's schema validation is CPU-bound, seconds per template): under pytest-xdist (`make unit`) each test
lints its own, spread over the workers, and only a pairwise cover of the matrix (the rest is marked `exhaustive`);
in a serial run (`make test`) the whole matrix is linted at once in parallel processes.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from concurrent.futures import ProcessPoolExecutor

import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode

from kit.template import TEMPLATE_PATH
from tools.sam_translate import translate

REGION = "us-west-2"
EXISTING_POOL = {
    "ExistingUserPoolId": "us-west-2_AbCdEfGhI",
    "ExistingUserPoolClientId": "1example23456789abcdefghij",
    "ExistingUserPoolClientSecretName": "hedgehog-existing-client-secret",
    "ExistingCognitoDomain": "auth.example.com",
}
# With the domain the site's two origins (as prod), without it one: both list shapes reach the translator.
TWO_ORIGINS = "https://hedgehog.cloud,https://www.hedgehog.cloud"
ONE_ORIGIN = "https://dev.hedgehog.cloud"
API_DOMAIN = {
    "AllowedOrigins": TWO_ORIGINS,
    "ApiDomainName": "api.hedgehog.cloud",
    "ApiCertificateArn": "arn:aws:acm:us-west-2:111122223333:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "HostedZoneId": "Z0123456789ABCDEFGHIJ",
}
MATRIX = {
    "stage": ("dev", "prod"),
    "pool": ("created", "existing"),
    "snapstart": ("snapstart", "no-snapstart"),
    "domain": ("api-domain", "no-api-domain"),
}


def is_translation_artefact(match) -> bool:
    """Findings about what the transforms wrote, not about template.yaml; CloudFormation accepts both.

    - The translator substitutes the Stage value it is given into the layer's `!Sub hedgehog-learn-${Stage}-shared`,
      leaving a Sub without variables (W1020).
    - AWS::LanguageExtensions resolves a loop's `!FindInMap [FunctionNames, !Ref Fn, Name]` to its value, so a
      mapping read only inside Fn::ForEach loops is left behind unread (W7001); template.yaml does read it.
    """
    if match.rule.id == "W1020":
        return match.path[:1] == ["Resources"] and match.path[-2:] == ["LayerName", "Fn::Sub"]
    if match.rule.id == "W7001":
        return match.path[:1] == ["Mappings"] and match.path[1] in mappings_read_inside_loops()
    return False


@functools.cache
def mappings_read_inside_loops() -> frozenset[str]:
    """Names of the mappings template.yaml reads with Fn::FindInMap inside an Fn::ForEach loop."""
    names: set[str] = set()

    def walk(node, inside_loop: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, inside_loop)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "Fn::FindInMap" and inside_loop and isinstance(value, list) and isinstance(value[0], str):
                    names.add(value[0])
                walk(value, inside_loop or key.startswith("Fn::ForEach::"))

    source, _ = decode(str(TEMPLATE_PATH))  # before the loops are expanded
    walk(source["Resources"], False)
    return frozenset(names)


def parameters(pool: str, snapstart: str, domain: str) -> dict[str, str]:
    values = {"EnableSnapStart": "true" if snapstart == "snapstart" else "false"}
    if pool == "existing":
        values.update(EXISTING_POOL)
    values.update(API_DOMAIN if domain == "api-domain" else {"AllowedOrigins": ONE_ORIGIN})
    return values


def translated(stage: str, pool: str, snapstart: str, domain: str) -> dict:
    return translate(stage, REGION, parameters=parameters(pool, snapstart, domain))


def lint_findings(combination: tuple[str, ...]) -> tuple[str, ...]:
    template = json.dumps(translated(*combination))
    matches = lint(template, config=ManualArgs(regions=[REGION], include_checks=["I"]))
    return tuple(
        f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches if not is_translation_artefact(m)
    )


COMBINATIONS = list(itertools.product(*MATRIX.values()))
# Five combinations in which every two parameters meet in all four of their value pairs (a pairwise covering
# array): `make unit` lints only these; the other eleven are marked `exhaustive` and run in `make test`.
PAIRWISE = {
    ("dev", "created", "snapstart", "api-domain"),
    ("dev", "existing", "no-snapstart", "no-api-domain"),
    ("prod", "created", "no-snapstart", "no-api-domain"),
    ("prod", "existing", "snapstart", "no-api-domain"),
    ("prod", "existing", "no-snapstart", "api-domain"),
}


@functools.cache
def findings() -> dict[tuple[str, ...], tuple[str, ...]]:
    with ProcessPoolExecutor(max_workers=min(len(COMBINATIONS), os.cpu_count() or 1)) as pool:
        return dict(zip(COMBINATIONS, pool.map(lint_findings, COMBINATIONS), strict=True))


@pytest.mark.parametrize(
    "combination",
    [pytest.param(c, marks=() if c in PAIRWISE else pytest.mark.exhaustive) for c in COMBINATIONS],
    ids="-".join,
)
def test_cloudformation_would_accept_the_translated_template(combination):
    """No error (E3004 is the dependency cycle), warning or unexplained best-practice finding."""
    under_xdist = "PYTEST_XDIST_WORKER" in os.environ  # else every worker would lint the whole matrix
    assert (lint_findings(combination) if under_xdist else findings()[combination]) == ()


def test_make_units_combinations_meet_every_pair_of_parameter_values():
    """So `make unit` lints every value of each parameter next to every value of each other one."""
    for (i, first), (j, second) in itertools.combinations(enumerate(MATRIX.values()), 2):
        met = {(combination[i], combination[j]) for combination in PAIRWISE}
        assert met == set(itertools.product(first, second)), (list(MATRIX)[i], list(MATRIX)[j])


@pytest.mark.parametrize("origins", [ONE_ORIGIN, TWO_ORIGINS], ids=["one-origin", "two-origins"])
def test_list_parameters_reach_the_translator_as_cloudformation_hands_them(origins):
    """AllowedOrigins is a CommaDelimitedList: CloudFormation gives the transform a list, and the HTTP API's CORS
    allow-list must come out as one entry per origin (a joined string would be one origin that matches none)."""
    template = translate("prod", REGION, parameters={"AllowedOrigins": origins})
    (api,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    assert api["Properties"]["Body"]["x-amazon-apigateway-cors"]["allowOrigins"] == origins.split(",")


def test_the_route_throttles_reach_the_deployed_stage():
    """SAM carries the HttpApi's RouteSettings onto the AWS::ApiGatewayV2::Stage it generates, and the routes
    are in the API's own body, so they exist before the stage that names them."""
    resources = translated("prod", "created", "no-snapstart", "no-api-domain")["Resources"]
    (stage,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    settings = stage["Properties"]["RouteSettings"]
    assert settings["GET /catalog"] == {"ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 25}
    api = next(r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    paths = api["Properties"]["Body"]["paths"]
    for route_key in settings:
        method, path = route_key.split(" ", 1)
        assert method.lower() in paths[path], route_key
