"""docs/openapi.yaml as a checker: `check_against_spec(response)` fails unless the response's status, content type,
body and fixed headers are what the document says for its route. The contract test and the route tests use it."""

from __future__ import annotations

import functools
import re

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from openapi_spec_validator.readers import read_from_filename
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kit.template import ROOT

SPEC_PATH = ROOT / "docs" / "openapi.yaml"
SPEC_URI = "urn:hedgehog-learn:openapi"


@functools.cache
def spec() -> dict:
    document, _ = read_from_filename(str(SPEC_PATH))
    return document


@functools.cache
def registry() -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012))


def _ecma_pattern(validator, pattern, instance, schema):
    # JSON Schema patterns are ECMA-262, where a closing `$` is the end of the string; Python's `$`
    # also matches before a trailing newline ("slug\n"). Schemathesis reads `$` as `\Z` too.
    python_pattern = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
    if validator.is_type(instance, "string") and not re.search(python_pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def validator_at(path: str) -> Draft202012Validator:
    return EcmaValidator({"$ref": f"{SPEC_URI}#/{path}"}, registry=registry(), format_checker=FormatChecker())


def node_ref_parts(ref: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/")]


def documented_response(route_key: str, status: int) -> tuple[dict, str]:
    """The response object documented for (route, status) and the JSON pointer to it."""
    method, path = route_key.split(" ", 1)
    responses = spec()["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{route_key} answered {status}, which docs/openapi.yaml does not document"
    response = responses[str(status)]
    location = pointer("paths", path, method.lower(), "responses", str(status))
    if "$ref" in response:
        location = response["$ref"].removeprefix("#/")
        response = spec()
        for part in node_ref_parts(location):
            response = response[part]
    return response, location


def check_against_spec(response) -> None:
    documented, location = documented_response(response.route_key, response.status)
    if "content" not in documented:
        assert response.raw == b"", f"{response.route_key} {response.status} is documented without a body"
        return
    assert response.headers["content-type"] in documented["content"]
    schema_location = f"{location}/content/{pointer('application/json')}/schema"
    errors = sorted(validator_at(schema_location).iter_errors(response.body), key=str)
    assert not errors, f"{response.route_key} {response.status}: {errors[0].message} in {response.body}"
    for name, header in documented.get("headers", {}).items():
        if header.get("schema", {}).get("const"):
            assert response.headers.get(name.lower()) == header["schema"]["const"], (response.route_key, name)
