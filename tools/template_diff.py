"""Compares what CloudFormation would receive from two versions of template.yaml: the check for a change of
form (folding into loops, flow style, comments) that must not change meaning.

Each version is expanded as AWS::LanguageExtensions does (kit.template) and translated as the SAM transform
does (tools.sam_translate) for dev, for prod, and for prod with the optional parts on (custom domain,
SnapStart, a crm-sync reservation, an existing user pool); every path where the two differ is printed.

    git show main:template.yaml > /tmp/main-template.yaml
    python -m tools.template_diff /tmp/main-template.yaml          # against ./template.yaml; exit 1 on a difference
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kit.template import TEMPLATE_PATH, load_template
from tools.sam_translate import translate

OPTIONAL_PARTS_ON = {
    "ApiDomainName": "api.example.com",
    "ApiCertificateArn": "arn:aws:acm:us-west-2:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    "EnableSnapStart": "true",
    "CrmSyncReservedConcurrency": "5",
    "ExistingUserPoolId": "us-west-2_example",
}


def received(path: Path) -> dict[str, dict]:
    """{view: template} for the expanded template and each translation CloudFormation would be handed."""
    expanded = load_template(path.resolve())
    optional = {name: value for name, value in OPTIONAL_PARTS_ON.items() if name in expanded["Parameters"]}
    return {
        "expanded": expanded,
        "dev": translate("dev", template=expanded),
        "prod": translate("prod", template=expanded),
        "prod, optional parts on": translate("prod", template=expanded, parameters=optional),
    }


def differences(old, new, path: str = "") -> list[str]:
    """Every path at which `new` differs from `old`, with both values (a missing side is `<absent>`)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new), key=str):
            if key not in old or key not in new:
                found.append(f"{path}/{key}: {old.get(key, '<absent>')!r} -> {new.get(key, '<absent>')!r}")
            else:
                found += differences(old[key], new[key], f"{path}/{key}")
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            line
            for index, pair in enumerate(zip(old, new, strict=True))
            for line in differences(*pair, f"{path}[{index}]")
        ]
    return [] if old == new else [f"{path}: {old!r} -> {new!r}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the template before the change, e.g. main's")
    parser.add_argument("new", type=Path, nargs="?", default=TEMPLATE_PATH, help="default: ./template.yaml")
    args = parser.parse_args(argv)
    old, new = received(args.old), received(args.new)
    found = [line for view in old for line in differences(old[view], new[view], view)]
    print("\n".join(found) if found else "same: CloudFormation would receive the same templates")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
