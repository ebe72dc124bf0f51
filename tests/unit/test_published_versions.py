"""Every release reaches the `live` alias: which function versions a build publishes.

SAM names each function's AWS::Lambda::Version by a hash of the function's properties; CloudFormation
publishes a version (and CodeDeploy moves `live` to it) only when that logical id changes. These tests
translate two builds of template.yaml as `sam deploy` would, differing only in what `sam package` uploaded
(each zip is named by its content's MD5), and assert exactly which version ids change. The functions keep
all logic, the catalog and the dependencies in the shared layer, so a layer-only build must publish a new
version of every function that uses it.
"""

from __future__ import annotations

import copy

import pytest

from kit.template import load_template, resources
from tools.sam_translate import translate

TEMPLATE = load_template()
FUNCTIONS = sorted(resources("AWS::Serverless::Function", TEMPLATE))
CODE_RESOURCES = sorted(
    name
    for name, resource in TEMPLATE["Resources"].items()
    if {"CodeUri", "ContentUri"} & set(resource.get("Properties") or {})
)
SHARED_LAYER = "SharedLayer"
CATALOG_LAYER = "CatalogLayer"  # the compiled content, data only


def build(*changed: str) -> dict[str, str]:
    """The S3 keys `sam package` gives a build in which only the `changed` resources' code differs from
    the first build."""
    return {name: f"{name}/{'changed' if name in changed else 'first'}.zip" for name in CODE_RESOURCES}


def published(template: dict | None = None, artifact_keys: dict[str, str] | None = None) -> dict[str, str]:
    """{function or layer logical id in template.yaml: the logical id of the version the stack publishes}."""
    translated = translate("prod", template=template or TEMPLATE, artifact_keys=artifact_keys or build())
    ids = {}
    for logical_id, resource in translated["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Version":
            ids[resource["Properties"]["FunctionName"]["Ref"]] = logical_id
        elif resource["Type"] == "AWS::Lambda::LayerVersion":
            ids[logical_id.rstrip("0123456789abcdef")] = logical_id
    return ids


def changed_between(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {name for name in before if before[name] != after[name]}


def layer_users(template: dict, layer: str = SHARED_LAYER) -> set[str]:
    reference = {"Ref": layer}
    in_globals = reference in template["Globals"]["Function"].get("Layers", [])
    return {
        name
        for name in FUNCTIONS
        if reference in template["Resources"][name]["Properties"].get("Layers", []) or in_globals
    }


def test_every_function_publishes_a_version_behind_live_hashed_from_all_its_properties():
    """cfn-lint refuses AutoPublishAliasAllProperties in Globals, so each function sets it; a new function
    without it would publish nothing on a layer-only release."""
    assert TEMPLATE["Globals"]["Function"]["AutoPublishAlias"] == "live"
    for layer in (SHARED_LAYER, CATALOG_LAYER):
        assert TEMPLATE["Resources"][layer]["Properties"]["PublishLambdaVersion"] is True
    for name in FUNCTIONS:
        assert TEMPLATE["Resources"][name]["Properties"].get("AutoPublishAliasAllProperties") is True, name
    assert set(published()) == {*FUNCTIONS, SHARED_LAYER, CATALOG_LAYER}
    assert layer_users(TEMPLATE) == set(FUNCTIONS), "every function runs the shared layer"
    assert layer_users(TEMPLATE, CATALOG_LAYER) == set(FUNCTIONS), "and the catalog layer"


def test_an_unchanged_build_publishes_no_version():
    assert changed_between(published(), published()) == set()


def test_a_build_that_changes_only_the_shared_layer_publishes_every_function_that_uses_it():
    changed = changed_between(published(), published(artifact_keys=build(SHARED_LAYER)))
    assert changed == {SHARED_LAYER, *layer_users(TEMPLATE)}


def test_a_content_change_publishes_the_catalog_layer_and_every_function_but_not_the_code_layer():
    """`make catalog` changes only layers/catalog: the shared layer (all code) keeps its version."""
    changed = changed_between(published(), published(artifact_keys=build(CATALOG_LAYER)))
    assert changed == {CATALOG_LAYER, *layer_users(TEMPLATE, CATALOG_LAYER)}
    assert SHARED_LAYER not in changed


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_build_that_changes_only_one_handler_publishes_only_that_function(function):
    assert changed_between(published(), published(artifact_keys=build(function))) == {function}


def test_an_environment_change_in_the_template_publishes_every_function():
    template = copy.deepcopy(TEMPLATE)
    template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] = "DEBUG"
    assert changed_between(published(), published(template)) == set(FUNCTIONS)


@pytest.mark.parametrize("setting", [("MemorySize", 512), ("Timeout", 20)])
def test_a_configuration_change_of_one_function_publishes_only_that_function(setting):
    template = copy.deepcopy(TEMPLATE)
    name, value = setting
    template["Resources"][FUNCTIONS[0]]["Properties"][name] = value
    assert changed_between(published(), published(template)) == {FUNCTIONS[0]}


def test_make_verify_can_see_every_layer_version_the_stack_publishes():
    """tools/verify.py checks each function's live version against the *LayerVersionArn outputs: every layer
    of the template needs one, and every function runs every layer (Globals)."""
    layers = set(resources("AWS::Serverless::LayerVersion", TEMPLATE))
    outputs = {
        output["Value"]["Ref"]
        for key, output in TEMPLATE["Outputs"].items()
        if key.endswith("LayerVersionArn") and isinstance(output["Value"], dict)
    }
    assert layers and outputs == layers
    assert {layer["Ref"] for layer in TEMPLATE["Globals"]["Function"]["Layers"]} == layers
