"""The GitHub workflows do what the deployment guide's "Option 1" promises. Their syntax is checked
against the GitHub workflow schema by `make lint` (check-jsonschema's vendored schema, offline);
these tests check their meaning: triggers, permissions, credentials and commands."""

from __future__ import annotations

import re

import pytest
import yaml

from kit.template import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(path.name for path in WORKFLOWS.glob("*.yml"))


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def commands(workflow: dict, job: str) -> list[str]:
    return [line.strip() for step in steps(workflow, job) for line in step.get("run", "").splitlines() if line.strip()]


def test_ci_runs_make_test_on_python_3_13_for_pull_requests_and_main():
    ci = load("ci.yml")
    assert "pull_request" in ci["on"]
    assert ci["on"]["push"] == {"branches": ["main"]}
    (job,) = ci["jobs"]
    assert ci["jobs"][job]["container"].startswith("python:3.13-")
    assert "make test PYTHON=python3.13" in commands(ci, job)


def test_deploy_runs_only_for_version_tags():
    assert load("deploy.yml")["on"] == {"push": {"tags": ["v*"]}}


def test_deploy_uses_oidc_with_minimal_permissions_and_no_stored_keys():
    deploy = load("deploy.yml")
    assert deploy["permissions"] == {"contents": "read"}
    # Only the deploy job may get the OIDC token for the AWS role; the test job runs with read-only access.
    assert deploy["jobs"]["deploy"]["permissions"] == {"id-token": "write", "contents": "read"}
    assert "permissions" not in deploy["jobs"]["test"]
    assert deploy["jobs"]["deploy"]["environment"] == "production"
    (credentials,) = [
        s for s in steps(deploy, "deploy") if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]
    assert credentials["with"] == {"role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}", "aws-region": "us-west-2"}
    assert "secrets." not in (WORKFLOWS / "deploy.yml").read_text()


def test_deploy_preflights_builds_deploys_then_verifies_with_credentials_first():
    deploy = load("deploy.yml")
    job = steps(deploy, "deploy")
    credentials_at = next(
        i for i, s in enumerate(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    run_at = {line.strip(): i for i, s in enumerate(job) for line in s.get("run", "").splitlines()}
    preflight, build, deploy_cmd, verify = (
        "make preflight ENV=prod PYTHON=python3.13",
        "sam build",
        "sam deploy --config-env prod --no-fail-on-empty-changeset",
        "make verify ENV=prod PYTHON=python3.13",
    )
    assert credentials_at < run_at[preflight] < run_at[build] < run_at[deploy_cmd] < run_at[verify]
    assert [c for c in commands(deploy, "deploy") if c.startswith("sam deploy")] == [deploy_cmd]
    # preflight checks the role the pipeline assumes, named by the same repository variable.
    assert deploy["jobs"]["deploy"]["env"]["AWS_DEPLOY_ROLE_ARN"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_deploy_waits_for_the_whole_test_suite():
    deploy, ci = load("deploy.yml"), load("ci.yml")
    assert deploy["jobs"]["deploy"]["needs"] in ("test", ["test"])
    # The test job is ci.yml itself, so a release runs exactly what pull requests run: make test.
    assert deploy["jobs"]["test"]["uses"] == "./.github/workflows/ci.yml"
    assert "workflow_call" in ci["on"]
    (job,) = ci["jobs"]
    assert "make test PYTHON=python3.13" in commands(ci, job)


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version(name):
    """A tag can be moved to other code; a commit cannot. The comment says which release the SHA is."""
    uses = [line.strip() for line in (WORKFLOWS / name).read_text().splitlines() if re.match(r"\s*-?\s*uses:", line)]
    assert uses
    for line in uses:
        target = line.split("uses:", 1)[1].strip()
        if target.startswith("./"):  # a workflow of this repository, at this commit
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", target), line


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_apt_get_update_runs_before_any_install(name):
    """A runner's package lists can be days old: an install without an update fails on a moved mirror."""
    workflow = load(name)
    for job_name, job in workflow["jobs"].items():
        lines = commands(workflow, job_name) if "steps" in job else []
        installs = [i for i, line in enumerate(lines) if re.search(r"\bapt(-get)? install\b", line)]
        updates = [i for i, line in enumerate(lines) if re.search(r"\bapt(-get)? update\b", line)]
        for install in installs:
            assert any(update < install for update in updates), f"{name} {job_name}: {lines[install]}"


def test_make_test_installs_debian_packages_after_an_update():
    script = (ROOT / "tools" / "ensure-system-deps.sh").read_text()
    assert script.index("apt-get update") < script.index("apt-get install")
