"""The GitHub workflows do what the deployment guide's "Option 1" promises. Their syntax is checked
against the GitHub workflow schema by `make lint` (check-jsonschema's vendored schema, offline);
these tests check their meaning: triggers, permissions, credentials and commands."""

from __future__ import annotations

import yaml

from local.template import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


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
    assert deploy["permissions"] == {"id-token": "write", "contents": "read"}
    assert "permissions" not in deploy["jobs"]["deploy"]  # nothing widens them per job
    assert deploy["jobs"]["deploy"]["environment"] == "production"
    (credentials,) = [
        s for s in steps(deploy, "deploy") if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]
    assert credentials["with"] == {"role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}", "aws-region": "us-west-2"}
    assert "secrets." not in (WORKFLOWS / "deploy.yml").read_text()


def test_deploy_builds_deploys_then_verifies_with_credentials_first():
    deploy = load("deploy.yml")
    job = steps(deploy, "deploy")
    credentials_at = next(
        i for i, s in enumerate(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    run_at = {line.strip(): i for i, s in enumerate(job) for line in s.get("run", "").splitlines()}
    build, deploy_cmd, verify = (
        "sam build",
        "sam deploy --config-env prod --no-fail-on-empty-changeset",
        "make verify ENV=prod PYTHON=python3.13",
    )
    assert credentials_at < run_at[build] < run_at[deploy_cmd] < run_at[verify]
    assert [c for c in commands(deploy, "deploy") if c.startswith("sam deploy")] == [deploy_cmd]
