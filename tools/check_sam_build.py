"""Smoke test of `sam build`'s output (.aws-sam/build): what Lambda will load is there.

Run by tools/sam-build.sh after the build. Checks the built template's functions and layer rather
than a hard-coded list, so a new function is covered without touching this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cfnlint.decode import decode

from kit.template import expand_language_extensions, function_handler

BUILD = Path(".aws-sam/build")
# What every handler imports from the shared layer; boto3 must not be bundled (nothing in the layer uses it).
LAYER_MUST_HAVE = [
    "hhl/__init__.py",
    "jwt/__init__.py",
    "aws_lambda_powertools/__init__.py",
    "aws_sdk_signers/signers.py",  # the thin DynamoDB client's SigV4 (hhl/storage/dynamodb_client.py)
    # Bytecode (layers/shared/Makefile): /opt is read-only, so what is not shipped compiles at every cold start.
    "hhl/__pycache__/__init__.cpython-313.pyc",
    "jwt/__pycache__/__init__.cpython-313.pyc",
    "aws_sdk_signers/__pycache__/signers.cpython-313.pyc",
]
LAYER_MUST_NOT_HAVE = ["boto3", "botocore"]
# The catalog layer (layers/catalog/Makefile): the compiled content, data only.
CATALOG_LAYER_MUST_HAVE = [
    "hhl_catalog/__init__.py",
    "hhl_catalog/catalog.json",
    "hhl_catalog/answer_keys.json",  # read only by code that grades quizzes
    "hhl_catalog/__pycache__/__init__.cpython-313.pyc",
]


def problems() -> list[str]:
    template, matches = decode(str(BUILD / "template.yaml"))
    if matches:
        return [f"built template unreadable: {matches[0]}"]
    template = expand_language_extensions(template)  # the built template keeps the Fn::ForEach alarm loops
    found = []
    for name, res in template["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            module = function_handler(props, template).rpartition(".")[0]
            if not (BUILD / props["CodeUri"] / f"{module}.py").is_file():
                found.append(f"{name}: {props['CodeUri']}/{module}.py missing")
        elif res["Type"] == "AWS::Serverless::LayerVersion" and name == "CatalogLayer":
            python = BUILD / props["ContentUri"] / "python"
            found += [f"{name}: python/{p} missing" for p in CATALOG_LAYER_MUST_HAVE if not (python / p).exists()]
        elif res["Type"] == "AWS::Serverless::LayerVersion":
            python = BUILD / props["ContentUri"] / "python"
            found += [f"{name}: python/{p} missing" for p in LAYER_MUST_HAVE if not (python / p).exists()]
            found += [f"{name}: python/{p} must not be bundled" for p in LAYER_MUST_NOT_HAVE if (python / p).exists()]
            if not list(python.glob("cryptography/hazmat/bindings/_rust*.so")):
                found.append(f"{name}: cryptography's compiled binding missing")
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(f"sam build smoke test: {problem}", file=sys.stderr)
    if not found:
        print(
            "sam build smoke test: every handler is there; the shared layer has hhl, jwt, powertools, "
            "aws_sdk_signers; the catalog layer has the catalog"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
