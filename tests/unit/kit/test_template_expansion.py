"""kit.template expands Fn::ForEach as AWS::LanguageExtensions does, so every reader of template.yaml sees
the resources CloudFormation will create, and the expansion agrees with cfn-lint's own."""

from __future__ import annotations

import pytest
from cfnlint.decode import decode
from cfnlint.template import Template
from cfnlint.template.transforms._language_extensions import language_extension

from kit.template import TEMPLATE_PATH, expand_language_extensions, load_template

LOOP = {
    "Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"],
    "Resources": {
        "Fn::ForEach::Alarms": [
            "Fn",
            ["Login", "CrmSync"],
            {
                "${Fn}ErrorsAlarm": {
                    "Type": "AWS::CloudWatch::Alarm",
                    "Properties": {
                        "AlarmName": {"Fn::Sub": "${${Fn}Function}-errors"},
                        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": {"Fn::Sub": "${Fn}Function"}}}],
                        "Version": {"Fn::GetAtt": [{"Fn::Sub": "${Fn}Function"}, "Version.Version"]},
                        "Label": {"Ref": "Fn"},
                    },
                }
            },
        ]
    },
}


def test_a_loop_becomes_one_resource_per_value_with_the_identifier_substituted():
    expanded = expand_language_extensions(LOOP)
    assert expanded["Transform"] == "AWS::Serverless-2016-10-31"
    assert sorted(expanded["Resources"]) == ["CrmSyncErrorsAlarm", "LoginErrorsAlarm"]
    assert expanded["Resources"]["LoginErrorsAlarm"]["Properties"] == {
        "AlarmName": {"Fn::Sub": "${LoginFunction}-errors"},
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "LoginFunction"}}],
        "Version": {"Fn::GetAtt": ["LoginFunction", "Version.Version"]},
        "Label": "Login",
    }


def test_a_loop_that_makes_a_resource_twice_is_refused():
    twice = {"Resources": {"Fn::ForEach::Twice": ["Fn", ["A", "A"], {"${Fn}Alarm": {"Type": "X"}}]}}
    with pytest.raises(ValueError, match="AAlarm"):
        expand_language_extensions(twice)


def test_a_loop_looks_names_up_in_a_mapping_and_writes_them_into_the_sub():
    looked_up = {
        "Mappings": {"FunctionNames": {"CrmSync": {"Name": "crm-sync"}}},
        "Resources": {
            "Fn::ForEach::Logs": [
                "Fn",
                ["CrmSync"],
                {
                    "${Fn}LogGroup": {
                        "Type": "AWS::Logs::LogGroup",
                        "Properties": {
                            "LogGroupName": {
                                "Fn::Sub": [
                                    "/aws/lambda/app-${Stage}-${Name}",
                                    {"Name": {"Fn::FindInMap": ["FunctionNames", {"Ref": "Fn"}, "Name"]}},
                                ]
                            },
                            "Tags": [{"Key": "fn", "Value": {"Fn::FindInMap": ["FunctionNames", "CrmSync", "Name"]}}],
                        },
                    }
                },
            ]
        },
    }
    properties = expand_language_extensions(looked_up)["Resources"]["CrmSyncLogGroup"]["Properties"]
    assert properties == {
        "LogGroupName": {"Fn::Sub": "/aws/lambda/app-${Stage}-crm-sync"},
        "Tags": [{"Key": "fn", "Value": "crm-sync"}],
    }


def _literal_sub_variables_written_in(node):
    """`!Sub [text, {Name: "literal"}]` as `!Sub "text with the literal"`: the same string. cfn-lint keeps the
    first form, SAM CLI's local expansion (and kit) the second."""
    if isinstance(node, list):
        return [_literal_sub_variables_written_in(item) for item in node]
    if not isinstance(node, dict):
        return node
    sub = node.get("Fn::Sub")
    if set(node) == {"Fn::Sub"} and isinstance(sub, list) and all(isinstance(v, str) for v in sub[1].values()):
        text = sub[0]
        for name, value in sub[1].items():
            text = text.replace(f"${{{name}}}", value)
        return {"Fn::Sub": text}
    return {key: _literal_sub_variables_written_in(value) for key, value in node.items()}


def test_the_templates_loops_expand_to_what_cfn_lint_expands_them_to():
    """cfn-lint's own LanguageExtensions expansion (its pinned, internal transform) is the oracle for the
    resources the loops make; it also resolves FindInMap per region, so only loop-made resources compare."""
    source, _ = decode(str(TEMPLATE_PATH))
    matches, linted = language_extension(Template(str(TEMPLATE_PATH), source, ["us-west-2"]))
    assert matches == []
    ours = load_template()["Resources"]
    made_by_loops = set(linted["Resources"]) - set(source["Resources"])
    assert made_by_loops, "template.yaml has no Fn::ForEach loop"
    assert set(ours) == set(linted["Resources"])
    for name in sorted(made_by_loops):
        assert ours[name] == _literal_sub_variables_written_in(linted["Resources"][name]), name
