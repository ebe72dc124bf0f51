"""Reads template.yaml for the local stack, the tests, bench and the operator tools: tables and HTTP
routes come from the template itself, so nothing about them is listed twice.

Every reader sees the template as CloudFormation does after AWS::LanguageExtensions: the alarms folded
with Fn::ForEach are expanded here, one resource per function or table. cfn-lint's decoder parses it
because it understands CloudFormation's short-form tags (!Ref, !Sub, ...).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


@functools.cache
def load_template(path: Path = TEMPLATE_PATH) -> dict:
    template, matches = decode(str(path))
    if matches:
        raise ValueError(f"cannot parse {path}: {matches[0]}")
    return expand_language_extensions(template)


def resources(resource_type: str, template: dict | None = None) -> dict[str, dict]:
    template = template or load_template()
    return {name: res for name, res in template["Resources"].items() if res["Type"] == resource_type}


def _resolve_stage_name(value, stage: str) -> str:
    """Resolve the `!Sub hedgehog-learn-${Stage}-x` names the template uses for tables and functions."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        return value["Fn::Sub"].replace("${Stage}", stage)
    if isinstance(value, str):
        return value
    raise ValueError(f"unsupported name expression: {value!r}")


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    name: str
    env_var: str
    create_table_args: dict


def table_specs(stage: str, template: dict | None = None) -> list[TableSpec]:
    """One CreateTable request per AWS::DynamoDB::Table, with the template's keys, indexes and streams."""
    template = template or load_template()
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    env_by_table = {v["Ref"]: k for k, v in env.items() if isinstance(v, dict) and "Ref" in v}
    specs = []
    for logical_id, res in resources("AWS::DynamoDB::Table", template).items():
        props = res["Properties"]
        name = _resolve_stage_name(props["TableName"], stage)
        args = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if key in props:
                args[key] = props[key]
        if "StreamSpecification" in props:
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        specs.append(TableSpec(logical_id, name, env_by_table[logical_id], args))
    return specs


def queue_names(stage: str, template: dict | None = None) -> dict[str, str]:
    """logical id -> queue name, for every AWS::SQS::Queue (the stream consumers' dead-letter queues)."""
    queues = resources("AWS::SQS::Queue", template or load_template())
    return {
        logical_id: _resolve_stage_name(res["Properties"]["QueueName"], stage) for logical_id, res in queues.items()
    }


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as declared, e.g. /enrollments/{courseSlug}
    function: str  # logical id
    code_uri: Path
    handler: str  # module.attr, e.g. app.handler
    timeout: float = 3.0  # seconds: the function's Timeout (Lambda's default when the template sets none)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @functools.cached_property
    def pattern(self) -> re.Pattern:
        regex = re.sub(r"\\\{(\w+)(?:\\\+)?\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(self.path))
        return re.compile(f"^{regex}$")


def function_handler(props: dict, template: dict) -> str:
    """A function's Handler: its own, else Globals' (every function here runs app.handler)."""
    return props.get("Handler") or template["Globals"]["Function"]["Handler"]


def http_routes(template: dict | None = None) -> list[Route]:
    """Every HttpApi event of every function in the template."""
    template = template or load_template()
    global_timeout = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    routes = []
    for logical_id, res in resources("AWS::Serverless::Function", template).items():
        props = res["Properties"]
        for event in (props.get("Events") or {}).values():
            if event["Type"] != "HttpApi":
                continue
            routes.append(
                Route(
                    method=event["Properties"]["Method"].upper(),
                    path=event["Properties"]["Path"],
                    function=logical_id,
                    code_uri=ROOT / props["CodeUri"],
                    handler=function_handler(props, template),
                    timeout=float(props.get("Timeout", global_timeout)),
                )
            )
    return routes


def cors_configuration(template: dict | None = None) -> dict:
    """The HttpApi's CorsConfiguration (AllowOrigins is an intrinsic; the local stack supplies its own)."""
    template = template or load_template()
    (api,) = resources("AWS::Serverless::HttpApi", template).values()
    return {k: v for k, v in api["Properties"]["CorsConfiguration"].items() if k != "AllowOrigins"}


def _literal(properties: dict) -> dict:
    """Properties whose values are plain data; intrinsics (!If, !Sub, !Ref) are the local stack's to supply."""

    def is_literal(value) -> bool:
        if isinstance(value, dict):
            return not any(k.startswith("Fn::") or k == "Ref" for k in value) and all(map(is_literal, value.values()))
        if isinstance(value, list):
            return all(map(is_literal, value))
        return True

    return {k: v for k, v in properties.items() if is_literal(v)}


def user_pool_args(template: dict | None = None) -> dict:
    """CreateUserPool arguments from the template's UserPool (CloudFormation and the API share names)."""
    template = template or load_template()
    return _literal(template["Resources"]["UserPool"]["Properties"])


def user_pool_client_args(template: dict | None = None) -> dict:
    """CreateUserPoolClient arguments from the template's UserPoolClient, minus names, pool and URLs."""
    template = template or load_template()
    return _literal(template["Resources"]["UserPoolClient"]["Properties"])


def secret_ids(stage: str, template: dict | None = None) -> dict[str, str]:
    """{variable: name} for the Globals variables that name a secret (`*_PARAMETER`, `*_SECRET_ID`), as the
    template resolves them when this stack owns the secret: the default SSM parameter names, and the
    Name of a Secrets Manager secret the template creates. The local stack stores its secrets there."""
    template = template or load_template()
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    names = {}
    for variable, value in env.items():
        if variable.endswith(("_PARAMETER", "_SECRET_ID")):
            names[variable] = _owned_secret_name(value, stage, template)
    return names


def _owned_secret_name(value, stage: str, template: dict) -> str:
    if isinstance(value, dict) and "Fn::If" in value:
        # [condition, when the stack owns it, when a name was given]: the first branch is the stack's own.
        return _owned_secret_name(value["Fn::If"][1], stage, template)
    if isinstance(value, dict) and "Ref" in value and value["Ref"] in template["Resources"]:
        return _resolve_stage_name(template["Resources"][value["Ref"]]["Properties"]["Name"], stage)
    return _resolve_stage_name(value, stage)


# ---------------------------------------------------------------------------------------- Fn::ForEach
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FOR_EACH = "Fn::ForEach::"
_SUB_VARIABLE = re.compile(r"\$\{[^!][^}]*\}")


def expand_language_extensions(template: dict) -> dict:
    """The template as the AWS::LanguageExtensions transform hands it on (as cfn-lint expands it too).

    `Fn::ForEach::<Loop>: [Identifier, [values...], {OutputKey: OutputValue}]` becomes one copy of the
    fragment per value: `${Identifier}` (and `&{Identifier}`, alphanumerics only) is replaced in keys
    and in Fn::Sub strings (a Sub left without variables becomes that plain string), `Ref: Identifier`
    becomes the value. So `Ref: !Sub "${Fn}Function"` is a Ref to LoginFunction for Fn = Login.
    Inside a loop, `!FindInMap [Map, !Ref Fn, Key]` becomes the mapping's value, and a Sub variable
    given such a value is written into the Sub's string: `!Sub ["${Stage}-${Name}", {Name: !FindInMap
    [Names, !Ref Fn, Name]}]` is `!Sub "${Stage}-login"` for Fn = Login, the same string either way.
    """
    expanded = _expand(template, {}, template.get("Mappings", {}))
    transform = expanded.get("Transform")
    if isinstance(transform, list) and LANGUAGE_EXTENSIONS in transform:
        rest = [name for name in transform if name != LANGUAGE_EXTENSIONS]
        expanded["Transform"] = rest[0] if len(rest) == 1 else rest
    return expanded


def _replace(text: str, values: dict[str, str]) -> str:
    for identifier, value in values.items():
        text = text.replace(f"${{{identifier}}}", value)
        text = text.replace(f"&{{{identifier}}}", re.sub(r"[^A-Za-z0-9]", "", value))
    return text


def _expand(node, values: dict[str, str], mappings: dict):
    if isinstance(node, list):
        return [_expand(item, values, mappings) for item in node]
    if not isinstance(node, dict):
        return node
    if values and set(node) == {"Ref"} and isinstance(node["Ref"], str) and node["Ref"] in values:
        return values[node["Ref"]]
    if values and set(node) == {"Fn::FindInMap"}:
        keys = _expand(node["Fn::FindInMap"], values, mappings)
        if all(isinstance(key, str) for key in keys):
            map_name, top, second = keys
            return mappings[map_name][top][second]
        return {"Fn::FindInMap": keys}
    if values and set(node) == {"Fn::Sub"}:
        sub = node["Fn::Sub"]
        if isinstance(sub, str):
            text = _replace(sub, values)
            return text if not _SUB_VARIABLE.search(text) else {"Fn::Sub": text}
        text, variables = _replace(sub[0], values), _expand(sub[1], values, mappings)
        for name, value in list(variables.items()):
            if isinstance(value, str):
                text = text.replace(f"${{{name}}}", value)
                del variables[name]
        if variables:
            return {"Fn::Sub": [text, variables]}
        return text if not _SUB_VARIABLE.search(text) else {"Fn::Sub": text}
    result = {}
    for key, value in node.items():
        if key.startswith(FOR_EACH):
            identifier, collection, fragment = value
            if not isinstance(collection, list) or not all(isinstance(item, str) for item in collection):
                raise ValueError(f"{key}: only a literal list of strings is supported here")
            copies = [_expand(fragment, {**values, identifier: item}, mappings) for item in collection]
        else:
            copies = [{_replace(key, values): _expand(value, values, mappings)}]
        for copy in copies:
            for copy_key, copy_value in copy.items():
                if copy_key in result:
                    raise ValueError(f"{key} makes {copy_key} a second time")
                result[copy_key] = copy_value
    return result
