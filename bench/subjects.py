"""What `make bench` measures: the template's functions and the two reference points beside them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from bench.runtime import BUILD_DIR, Runtime
from kit.template import resources

BENCH_DIR = Path(__file__).resolve().parent
FLOOR = "floor (a)"
REFERENCE = "reference (b)"
TRACER = "floor (a) + Tracer"
SNAPSHOT_SUFFIX = " (snap-start init)"
# They need secrets (from the Parameters and Secrets extension over HTTP) or nothing (catalog), never a
# table: no SDK at all, and the tightest init budget.
NO_SDK_FUNCTIONS = frozenset({"login", "catalog"})
# Never load the SDK, at init or serving: the request-path functions reach DynamoDB through the thin client
# (logout records the ended session), so their init is judged with the DynamoDB functions'.
SDK_FREE_FUNCTIONS = NO_SDK_FUNCTIONS | {"me", "enroll", "progress", "callback", "refresh", "logout"}


@dataclass(frozen=True)
class Subject:
    name: str
    code_dir: Path
    sys_path: tuple[Path, ...]
    uses_dynamodb: bool = False
    is_function: bool = True
    # What Lambda tells the init it is running for (AWS_LAMBDA_INITIALIZATION_TYPE).
    initialization_type: str = "on-demand"

    @property
    def built(self) -> bool:
        return (self.code_dir / "app.py").is_file()


def _uses_dynamodb(properties: dict) -> bool:
    for policy in properties.get("Policies") or []:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if any(str(action).startswith("dynamodb:") for action in actions):
                return True
    return False


def functions(runtime: Runtime) -> list[Subject]:
    """Every AWS::Serverless::Function, as `sam build` left it, named after its CodeUri folder."""
    subjects = []
    for logical_id, resource in resources("AWS::Serverless::Function").items():
        properties = resource["Properties"]
        code_dir = BUILD_DIR / logical_id
        subjects.append(
            Subject(
                name=Path(properties["CodeUri"]).name,
                code_dir=code_dir,
                sys_path=(code_dir, runtime.layer_dir, runtime.runtime_dir),
                uses_dynamodb=_uses_dynamodb(properties),
            )
        )
    return subjects


def cold_start_subjects(runtime: Runtime) -> list[Subject]:
    """Floor (a), reference (b), floor + Tracer, every function, me's SnapStart init: one round's order."""

    def reference_point(name: str, folder: str, *packages: Path) -> Subject:
        code_dir = BENCH_DIR / folder
        sys_path = (code_dir, *packages, runtime.runtime_dir)
        return Subject(name, code_dir, sys_path, uses_dynamodb=True, is_function=False)

    floor = reference_point(FLOOR, "floor")
    reference = reference_point(REFERENCE, "reference", runtime.reference_dir, runtime.layer_dir)
    tracer = reference_point(TRACER, "tracer", runtime.tracer_dir, runtime.layer_dir)
    me = next(f for f in functions(runtime) if f.name == "me")
    # What a SnapStart snapshot of `me` holds: the same init, told it runs ahead of any request.
    me_snapshot = dataclasses.replace(me, name=me.name + SNAPSHOT_SUFFIX, initialization_type="snap-start")
    return [floor, reference, tracer, *functions(runtime), me_snapshot]
