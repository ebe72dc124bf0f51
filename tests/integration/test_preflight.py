"""`make preflight ENV=prod` against the AWS emulator (moto server, reset for every test) and a fake of Lambda's
quota API on loopback (moto has no GetAccountSettings). First an account ready for the first prod deploy
passes through `make preflight` itself; then each check is shown to fail when its condition is broken."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import pytest

from kit.certificates import self_signed
from kit.template import ROOT, load_template
from tests.fakes.lambda_quota import FakeLambdaQuota
from tools import preflight
from tools.checklist import deploy_config

pytestmark = pytest.mark.integration

ENV = "prod"
CONFIG = deploy_config(ENV)
REGION = CONFIG.region
ACCOUNT = "123456789012"  # moto's
JWT_SECRET = "jwt-secret-value-that-must-never-be-printed-0123456789"
HUBSPOT_TOKEN = "pat-na1-hubspot-token-that-must-never-be-printed"
SAM_BUCKET = "aws-sam-cli-managed-default-samclisourcebucket-abc123"
REAL_SAM = ROOT / ".venv-sam" / "bin" / "sam"
CHECK_NAMES = [
    "credentials",
    "parameters",
    "JWT secret",
    "HubSpot token",
    "Cognito domain",
    "Lambda concurrency",
    "secrets extension layer",
    "API certificate",
    "API DNS zone",
    "artifact bucket",
    "SAM CLI",
    "Python 3.13",
    "GitHub deploy role",
]


def runbook_trust_policy() -> dict:
    """The deploy role's trust policy exactly as docs/runbook.md tells the operator to create it."""
    runbook = (ROOT / "docs" / "runbook.md").read_text()
    block = next(b for b in re.findall(r"```json\n(.*?)```", runbook, re.S) if "AssumeRoleWithWebIdentity" in b)
    return json.loads(block.replace("<account-id>", ACCOUNT).replace("<owner>/<repo>", "hedgehog/learn-backend"))


SAMCONFIG_CERTIFICATE_PLACEHOLDER = (
    "arn:aws:acm:us-west-2:000000000000:certificate/00000000-0000-0000-0000-000000000000"
)


def template_extension_layer() -> str:
    """The extension layer version the template gives the functions in the deploy's region."""
    template = load_template()
    (architecture,) = template["Globals"]["Function"]["Architectures"]
    column = preflight.EXTENSION_ARCHITECTURE_COLUMNS[architecture]
    return template["Mappings"]["ParametersSecretsExtension"][REGION][column]


@pytest.fixture
def quota():
    """Lambda's quota and layer API; AWS publishes the extension layer version the template names."""
    with FakeLambdaQuota() as fake:
        fake.published_layers[template_extension_layer()] = ["arm64"]
        yield fake


@pytest.fixture(scope="session")
def python313_dir() -> str:
    """Where python3.13 is, found once: on PATH first, each run's lookup skips pyenv's slow fallback."""
    return subprocess.run(
        ["bash", str(preflight.FIND_PYTHON313)], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def aws(emulator, quota, python313_dir, monkeypatch, tmp_path):
    """An account ready for the first prod deploy: secrets, SAM's artifact stack and bucket, the GitHub
    deploy role; nothing else (no stack, the Cognito prefix free). Returns a boto3 client factory."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEPLOY_ROLE_ARN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    environment = {
        "AWS_ACCESS_KEY_ID": "emulator",
        "AWS_SECRET_ACCESS_KEY": "emulator",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": emulator,
        "AWS_ENDPOINT_URL_LAMBDA": quota.url,
        # Never ask an instance-metadata address for credentials, and read no real AWS config.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "PATH": f"{python313_dir}{os.pathsep}{os.environ['PATH']}",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    urllib.request.urlopen(urllib.request.Request(f"{emulator}/moto-api/reset", method="POST"), timeout=10).close()

    def client(service: str):
        return boto3.client(service, region_name=REGION, endpoint_url=emulator)

    ssm = client("ssm")
    ssm.put_parameter(Name=f"/hedgehog-learn/{ENV}/jwt-secret", Type="SecureString", Value=JWT_SECRET)
    ssm.put_parameter(Name=f"/hedgehog-learn/{ENV}/hubspot-token", Type="SecureString", Value=HUBSPOT_TOKEN)
    managed = {
        "Resources": {"SourceBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": SAM_BUCKET}}},
        "Outputs": {"SourceBucket": {"Value": {"Ref": "SourceBucket"}}},
    }
    client("cloudformation").create_stack(StackName=preflight.SAM_MANAGED_STACK, TemplateBody=json.dumps(managed))
    client("iam").create_role(
        RoleName=preflight.DEFAULT_DEPLOY_ROLE, AssumeRolePolicyDocument=json.dumps(runbook_trust_policy())
    )
    domain = CONFIG.parameter_overrides.get("ApiDomainName")
    if domain:
        # samconfig.toml names prod's certificate by a placeholder ARN for the operator to replace (preflight fails
        # it until then); a ready account has one issued, and the in-process checks see it in the placeholder's place.
        placeholder, issued = CONFIG.parameter_overrides["ApiCertificateArn"], imported_certificate(client, domain)

        def with_issued_certificate(*args):
            config = deploy_config(*args)
            if config.parameter_overrides.get("ApiCertificateArn") != placeholder:
                return config
            return dataclasses.replace(
                config, parameter_overrides={**config.parameter_overrides, "ApiCertificateArn": issued}
            )

        monkeypatch.setitem(CONFIG.parameter_overrides, "ApiCertificateArn", issued)
        monkeypatch.setattr(preflight, "deploy_config", with_issued_certificate)
    return client


@pytest.fixture(scope="session")
def pinned_sam(tmp_path_factory) -> Path:
    """A sam that answers --version with the pinned release, so the in-process runs don't start the real one
    (seconds each); the `make preflight` test above runs the real .venv-sam/bin/sam."""
    pinned = re.search(r"^aws-sam-cli==(\S+)", preflight.SAM_REQUIREMENTS.read_text(), re.M)[1]
    sam = tmp_path_factory.mktemp("sam") / "sam"
    sam.write_text(f"#!/bin/sh\necho 'SAM CLI, version {pinned}'\n")
    sam.chmod(0o755)
    return sam


@pytest.fixture
def run(capsys, pinned_sam):
    """run(*args): tools.preflight in-process; (exit code, {check name: PASS/FAIL line}, whole output)."""

    def run_preflight(*args: str) -> tuple[int, dict[str, str], str]:
        sam = ["--sam", str(pinned_sam)] if "--sam" not in args else []
        code = preflight.main(["--config-env", ENV, *sam, *args])
        out = capsys.readouterr().out
        lines = [line for line in out.splitlines() if line.startswith(("PASS", "FAIL"))]
        return code, {line[6:].split(": ", 1)[0]: line for line in lines}, out

    return run_preflight


def failed(lines: dict[str, str]) -> set[str]:
    return {name for name, line in lines.items() if line.startswith("FAIL")}


def overrides(**values: str) -> list[str]:
    """--parameter-overrides as sam deploy takes them: samconfig's for prod, changed by `values`."""
    merged = {**CONFIG.parameter_overrides, **values}
    return ["--parameter-overrides", " ".join(f"{key}={value}" for key, value in merged.items())]


# ==================================================================== a ready account passes
def test_make_preflight_env_prod_prints_a_full_passing_checklist(aws):
    args = f"--account {ACCOUNT} --sam {REAL_SAM}"
    domain = CONFIG.parameter_overrides.get("ApiDomainName")
    if domain:  # the certificate and zone samconfig.toml names exist in AWS only: make them in the emulator
        emulated = {"ApiCertificateArn": imported_certificate(aws, domain)}
        if CONFIG.parameter_overrides.get("HostedZoneId"):
            emulated["HostedZoneId"] = hosted_zone(aws, domain.partition(".")[2])
        args += " " + shlex.join(overrides(**emulated))
    # --old-file and TOOLS_PY: the running tests' interpreter stands in for the tools venv; never reinstall
    # from inside a test (tests/unit/ops/test_ops_tools_venv.py checks that venv's requirements).
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "--old-file=.venv-tools/.installed",
            "preflight",
            f"ENV={ENV}",
            f"TOOLS_PY={sys.executable}",
            f"ARGS={args}",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
    )
    checks = [line for line in result.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line[6:].split(":")[0] for line in checks] == CHECK_NAMES
    assert all(line.startswith("PASS") for line in checks), result.stdout
    assert f"Pre-flight for {CONFIG.stack} in {REGION}" in result.stdout
    assert "all checks passed" in result.stdout
    for secret in (JWT_SECRET, HUBSPOT_TOKEN):
        assert secret not in result.stdout + result.stderr
    said = {line[6:].split(":")[0]: line for line in checks}
    assert f"account {ACCOUNT}" in said["credentials"]
    assert f"/hedgehog-learn/{ENV}/jwt-secret: SecureString" in said["JWT secret"]
    assert f"hedgehog-learn-{ENV} is free" in said["Cognito domain"]
    assert "unreserved after the deploy (Lambda requires >= 100)" in said["Lambda concurrency"]
    assert SAM_BUCKET in said["artifact bucket"]
    assert "Python 3.13." in said["Python 3.13"]
    assert "repo:hedgehog/learn-backend:environment:production" in said["GitHub deploy role"]


def account_state(aws) -> dict:
    """What a deploy (or a careless check) would change: stacks, parameters, roles, pools, buckets."""
    return {
        "stacks": [s["StackName"] for s in aws("cloudformation").list_stacks()["StackSummaries"]],
        "parameters": [(p["Name"], p["Version"]) for p in aws("ssm").describe_parameters()["Parameters"]],
        "roles": [(r["RoleName"], r["CreateDate"]) for r in aws("iam").list_roles()["Roles"]],
        "pools": aws("cognito-idp").list_user_pools(MaxResults=60)["UserPools"],
        "buckets": [b["Name"] for b in aws("s3").list_buckets()["Buckets"]],
    }


def test_the_whole_checklist_is_read_only(aws, quota, run):
    before = account_state(aws)
    code, lines, _ = run("--account", ACCOUNT)
    assert code == 0 and not failed(lines)
    assert account_state(aws) == before
    assert quota.requests[0] == "/2016-08-19/account-settings"


# ==================================================================== credentials, account, region
def test_no_credentials_say_so_once_first_and_the_checks_without_an_account_still_run(aws, monkeypatch, run):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, lines, out = run()
    assert code == 1 and list(lines) == ["credentials", "parameters", "SAM CLI", "Python 3.13"]
    assert lines["credentials"].startswith("FAIL  credentials: no AWS credentials found")
    assert "AWS_PROFILE" in lines["credentials"] and "Unable to locate credentials" not in out
    assert {name for name, line in lines.items() if line.startswith("PASS")} == {"parameters", "SAM CLI", "Python 3.13"}


def test_samconfigs_placeholder_certificate_fails_even_without_credentials(aws, monkeypatch, run):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, lines, _ = run(*overrides(ApiCertificateArn=SAMCONFIG_CERTIFICATE_PLACEHOLDER))
    assert code == 1 and failed(lines) == {"credentials", "parameters"}
    assert "ApiCertificateArn is samconfig.toml's placeholder" in lines["parameters"]


def test_a_parameter_value_the_template_refuses_fails(aws, run):
    retired = "arn:aws:kms:us-west-2:123456789012:key/a,,arn:aws:kms:us-west-2:123456789012:key/b"
    code, lines, _ = run(
        *overrides(
            CrmSyncReservedConcurrency="2", ApiDomainName="API.Hedgehog.Cloud", CertificateRetiredKeyArns=retired
        )
    )
    assert code == 1 and "parameters" in failed(lines)
    assert "CrmSyncReservedConcurrency='2' is not one of 0, 4," in lines["parameters"]
    assert "ApiDomainName='API.Hedgehog.Cloud': a lower-case host name" in lines["parameters"]
    assert f"CertificateRetiredKeyArns={retired!r} has an empty item" in lines["parameters"]


# ==================================================================== the secrets extension layer
def test_the_extension_layer_the_stack_will_use_is_looked_up(aws, quota, run):
    code, lines, _ = run("--account", ACCOUNT)
    assert code == 0
    arn = template_extension_layer()
    assert lines["secrets extension layer"] == f"PASS  secrets extension layer: {arn} exists (arm64)"
    name, _, version = arn.rpartition(":")
    assert f"/2018-10-31/layers/{name}/versions/{version}" in [urllib.parse.unquote(r) for r in quota.requests]


def test_an_extension_layer_version_that_does_not_exist_fails(aws, run):
    missing = template_extension_layer().rpartition(":")[0] + ":999"
    code, lines, _ = run(*overrides(ParametersSecretsExtensionLayerArn=missing))
    assert code == 1 and failed(lines) == {"secrets extension layer"}
    assert f"{missing} does not exist" in lines["secrets extension layer"]


def test_an_extension_layer_for_another_architecture_fails(aws, quota, run):
    x86 = template_extension_layer().replace("-Arm64:", ":")
    quota.published_layers[x86] = ["x86_64"]
    code, lines, _ = run(*overrides(ParametersSecretsExtensionLayerArn=x86))
    assert code == 1 and failed(lines) == {"secrets extension layer"}
    assert "is for x86_64, the functions run on arm64" in lines["secrets extension layer"]


def test_credentials_for_another_account_fail(aws, run):
    code, lines, _ = run("--account", "999999999999")
    assert code == 1 and failed(lines) == {"credentials"}
    assert f"account {ACCOUNT} as arn:aws:sts::{ACCOUNT}:user/moto" in lines["credentials"]
    assert "expected account 999999999999" in lines["credentials"]


def test_a_deploy_role_arn_names_the_expected_account(aws, run):
    role = f"arn:aws:iam::999999999999:role/{preflight.DEFAULT_DEPLOY_ROLE}"
    code, lines, _ = run("--deploy-role", role)
    assert code == 1 and failed(lines) == {"credentials", "GitHub deploy role"}
    assert (
        f"found arn:aws:iam::{ACCOUNT}:role/{preflight.DEFAULT_DEPLOY_ROLE}, expected {role}"
        in lines["GitHub deploy role"]
    )


def test_a_region_that_does_not_exist_fails(aws, run, tmp_path):
    config = tmp_path / "samconfig.toml"
    text = (ROOT / "samconfig.toml").read_text()
    config.write_text(text.replace('region = "us-west-2"', 'region = "us-wset-2"'))
    code, lines, _ = run("--config-file", str(config))
    assert code == 1 and "region 'us-wset-2' (samconfig.toml [prod]) is not an AWS region" in lines["credentials"]


# ==================================================================== secrets
def test_a_missing_jwt_secret_fails(aws, run):
    aws("ssm").delete_parameter(Name="/hedgehog-learn/prod/jwt-secret")
    code, lines, _ = run()
    assert code == 1 and failed(lines) == {"JWT secret"}
    assert lines["JWT secret"] == "FAIL  JWT secret: /hedgehog-learn/prod/jwt-secret not found in us-west-2"


def test_a_short_jwt_secret_fails_without_printing_it(aws, run):
    short = "s" * 31
    aws("ssm").put_parameter(Name="/hedgehog-learn/prod/jwt-secret", Type="SecureString", Value=short, Overwrite=True)
    code, lines, out = run()
    assert code == 1 and failed(lines) == {"JWT secret"}
    assert "shorter than 32 characters" in lines["JWT secret"] and short not in out


def test_a_plaintext_jwt_secret_fails(aws, run):
    ssm = aws("ssm")
    ssm.delete_parameter(Name="/hedgehog-learn/prod/jwt-secret")
    ssm.put_parameter(Name="/hedgehog-learn/prod/jwt-secret", Type="String", Value=JWT_SECRET)
    code, lines, out = run()
    assert code == 1 and "is a String, not a SecureString" in lines["JWT secret"] and JWT_SECRET not in out


def test_the_jwt_secret_is_looked_up_under_the_overridden_name(aws, run):
    code, lines, _ = run(*overrides(JwtSecretParameterName="/elsewhere/jwt"))
    assert code == 1 and lines["JWT secret"] == "FAIL  JWT secret: /elsewhere/jwt not found in us-west-2"


def test_a_missing_hubspot_token_fails_only_when_crm_sync_is_on(aws, run):
    aws("ssm").delete_parameter(Name="/hedgehog-learn/prod/hubspot-token")
    code, lines, _ = run(*overrides(EnableCrmProgress="false"))
    assert lines["HubSpot token"] == "PASS  HubSpot token: not needed (EnableCrmProgress=false)"
    code, lines, _ = run(*overrides(EnableCrmProgress="true"))
    assert code == 1 and failed(lines) == {"HubSpot token"}
    assert "/hedgehog-learn/prod/hubspot-token not found" in lines["HubSpot token"]


def test_an_existing_stack_keeps_its_crm_setting(aws, run):
    """sam deploy re-uses a deployed stack's value for a parameter it is not given."""
    aws("ssm").delete_parameter(Name="/hedgehog-learn/prod/hubspot-token")
    deployed = {
        "Parameters": {"EnableCrmProgress": {"Type": "String"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    }
    aws("cloudformation").create_stack(
        StackName="hedgehog-learn-prod",
        TemplateBody=json.dumps(deployed),
        Parameters=[{"ParameterKey": "EnableCrmProgress", "ParameterValue": "true"}],
    )
    code, lines, _ = run("--parameter-overrides", "Stage=prod")
    assert code == 1 and "hubspot-token not found" in lines["HubSpot token"]


# ==================================================================== Cognito domain
def test_a_domain_prefix_taken_by_another_pool_fails(aws, run):
    cognito = aws("cognito-idp")
    pool = cognito.create_user_pool(PoolName="someone-else")["UserPool"]["Id"]
    cognito.create_user_pool_domain(Domain="hedgehog-learn-prod", UserPoolId=pool)
    code, lines, _ = run()
    assert code == 1 and failed(lines) == {"Cognito domain"}
    assert f"hedgehog-learn-prod is taken by pool {pool}: set CognitoDomainPrefix" in lines["Cognito domain"]
    code, lines, _ = run(*overrides(CognitoDomainPrefix="hedgehog-learn-courses"))
    assert lines["Cognito domain"] == "PASS  Cognito domain: hedgehog-learn-courses is free"


def test_the_stacks_own_domain_passes_on_an_update(aws, run):
    cognito = aws("cognito-idp")
    pool = cognito.create_user_pool(PoolName="hedgehog-learn-prod")["UserPool"]["Id"]
    cognito.create_user_pool_domain(Domain="hedgehog-learn-prod", UserPoolId=pool)
    deployed = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {"UserPoolId": {"Value": pool}}}
    aws("cloudformation").create_stack(StackName="hedgehog-learn-prod", TemplateBody=json.dumps(deployed))
    _code, lines, _ = run()
    assert (
        lines["Cognito domain"]
        == f"PASS  Cognito domain: hedgehog-learn-prod belongs to hedgehog-learn-prod's own pool {pool} (an update)"
    )


def test_a_prefix_cognito_reserves_fails(aws, run):
    code, lines, _ = run(*overrides(CognitoDomainPrefix="hedgehog-aws-learn"))
    assert (
        code == 1
        and "'hedgehog-aws-learn' is not a valid Cognito domain prefix (contains 'aws')" in lines["Cognito domain"]
    )


def test_an_existing_pool_needs_every_existing_parameter(aws, run):
    code, lines, _ = run(*overrides(ExistingUserPoolId="us-west-2_abc"))
    assert code == 1 and failed(lines) == {"Cognito domain"}
    assert (
        "empty: ExistingCognitoDomain, ExistingUserPoolClientId, ExistingUserPoolClientSecretName"
        in lines["Cognito domain"]
    )


def test_an_existing_pool_passes_when_it_exists(aws, run):
    cognito = aws("cognito-idp")
    pool = cognito.create_user_pool(PoolName="learners")["UserPool"]["Id"]
    given = {
        "ExistingUserPoolClientId": "client",
        "ExistingUserPoolClientSecretName": "existing-client-secret",
        "ExistingCognitoDomain": "auth.hedgehog.cloud",
    }
    code, lines, _ = run(*overrides(ExistingUserPoolId=pool, **given))
    assert lines["Cognito domain"] == f"PASS  Cognito domain: existing pool {pool} (learners) at auth.hedgehog.cloud"
    code, lines, _ = run(*overrides(ExistingUserPoolId="us-west-2_gone", **given))
    assert code == 1 and "ResourceNotFoundException" in lines["Cognito domain"]


# ==================================================================== Lambda concurrency
RESERVED = 5


def reserving() -> tuple[list[str], int]:
    """(overrides, count): crm-sync reserving concurrency in prod, through CrmSyncReservedConcurrency where the
    template has that parameter, else the number the template fixes."""
    template = load_template()
    if "CrmSyncReservedConcurrency" in template["Parameters"]:
        return overrides(CrmSyncReservedConcurrency=str(RESERVED)), RESERVED
    return [], int(template["Resources"]["CrmSyncFunction"]["Properties"]["ReservedConcurrentExecutions"])


def test_a_new_accounts_quota_fails(aws, quota, run):
    quota.concurrent_executions = 10  # what new accounts get until they ask for more
    args, count = reserving()
    code, lines, _ = run(*args)
    assert code == 1 and failed(lines) == {"Lambda concurrency"}
    expected = f"account limit 10, unreserved 10; hedgehog-learn-prod-crm-sync reserves {count}: {10 - count}"
    assert expected in lines["Lambda concurrency"]


def test_an_account_reserved_up_to_its_limit_fails(aws, quota, run):
    args, count = reserving()
    quota.reserved = {"some-other-app": 1000 - 100 - count + 1}
    code, lines, _ = run(*args)
    assert code == 1 and "99 unreserved after the deploy (Lambda requires >= 100)" in lines["Lambda concurrency"]
    quota.reserved = {"some-other-app": 1000 - 100 - count}
    code, lines, _ = run(*args)
    assert (
        lines["Lambda concurrency"].startswith("PASS")
        and "100 unreserved after the deploy" in lines["Lambda concurrency"]
    )


def test_an_update_counts_the_functions_current_reservation(aws, quota, run):
    # Already deployed: crm-sync's reservation is out of the unreserved pool, which is at the minimum.
    args, count = reserving()
    quota.reserved = {"hedgehog-learn-prod-crm-sync": count, "some-other-app": 900 - count}
    _, lines, _ = run(*args)
    assert "unreserved 100;" in lines["Lambda concurrency"] and lines["Lambda concurrency"].startswith("PASS")


# ==================================================================== API certificate
def imported_certificate(aws, domain: str) -> str:
    certificate, key = self_signed([domain], days=90)
    return aws("acm").import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]


def test_an_issued_certificate_for_the_api_domain_passes(aws, run):
    arn = imported_certificate(aws, "api.hedgehog.cloud")
    domain = overrides(ApiDomainName="api.hedgehog.cloud", ApiCertificateArn=arn)
    _, lines, _ = run(*domain)
    assert lines["API certificate"] == f"PASS  API certificate: {arn} is ISSUED for api.hedgehog.cloud"
    wildcard = imported_certificate(aws, "*.hedgehog.cloud")
    _, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud", ApiCertificateArn=wildcard))
    assert lines["API certificate"].startswith("PASS")


def test_a_certificate_still_pending_validation_fails(aws, run):
    arn = aws("acm").request_certificate(DomainName="api.hedgehog.cloud", ValidationMethod="DNS")["CertificateArn"]
    code, lines, _ = run(
        *overrides(ApiDomainName="api.hedgehog.cloud", ApiCertificateArn=arn),
    )
    assert code == 1 and failed(lines) == {"API certificate"}
    assert lines["API certificate"] == f"FAIL  API certificate: {arn} is PENDING_VALIDATION for api.hedgehog.cloud"


def test_a_certificate_for_another_name_fails(aws, run):
    arn = imported_certificate(aws, "www.hedgehog.cloud")
    code, lines, _ = run(
        *overrides(ApiDomainName="api.hedgehog.cloud", ApiCertificateArn=arn),
    )
    assert code == 1 and lines["API certificate"].endswith("does not cover api.hedgehog.cloud")


def test_a_domain_without_a_certificate_or_one_from_another_region_fails(aws, run):
    code, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud", ApiCertificateArn=""))
    assert "ApiDomainName=api.hedgehog.cloud but ApiCertificateArn is empty" in lines["API certificate"]
    elsewhere = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0c6f1a2e-1111-2222-3333-444455556666"
    code, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud", ApiCertificateArn=elsewhere))
    assert code == 1 and f"{elsewhere} is not in us-west-2" in lines["API certificate"]


def hosted_zone(aws, name: str, **options) -> str:
    zone = aws("route53").create_hosted_zone(Name=name, CallerReference=name, **options)["HostedZone"]
    return zone["Id"].rpartition("/")[2]


def test_the_zone_holding_the_api_domain_passes(aws, run):
    zone = hosted_zone(aws, "hedgehog.cloud")
    _, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud", HostedZoneId=zone))
    expected = f"{zone} is hedgehog.cloud: the stack adds api.hedgehog.cloud's alias record to it"
    assert lines["API DNS zone"] == f"PASS  API DNS zone: {expected}"
    _, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud"))
    assert "HostedZoneId empty: point api.hedgehog.cloud at the stack's ApiDomainTarget output" in lines["API DNS zone"]


def test_a_zone_that_does_not_hold_the_domain_fails(aws, run):
    zone = hosted_zone(aws, "hedgehog.dev")
    code, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud", HostedZoneId=zone))
    assert (
        code == 1
        and lines["API DNS zone"] == f"FAIL  API DNS zone: {zone} is hedgehog.dev: api.hedgehog.cloud is not in it"
    )
    code, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud", HostedZoneId="ZNOSUCHZONE1"))
    assert code == 1 and "NoSuchHostedZone" in lines["API DNS zone"]


def test_a_private_zone_fails(aws, run):
    aws("ec2").create_vpc(CidrBlock="10.0.0.0/16")
    vpc = aws("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]
    private = {"VPC": {"VPCRegion": REGION, "VPCId": vpc}, "HostedZoneConfig": {"PrivateZone": True}}
    zone = hosted_zone(aws, "hedgehog.cloud", **private)
    code, lines, _ = run(*overrides(ApiDomainName="api.hedgehog.cloud", HostedZoneId=zone))
    assert code == 1 and "a private zone: browsers on the internet would not find" in lines["API DNS zone"]


# ==================================================================== artifact bucket
def test_no_sam_managed_stack_fails(aws, run):
    aws("cloudformation").delete_stack(StackName=preflight.SAM_MANAGED_STACK)
    code, lines, _ = run()
    assert code == 1 and failed(lines) == {"artifact bucket"}
    assert "stack aws-sam-cli-managed-default does not exist in us-west-2" in lines["artifact bucket"]


def test_a_deleted_artifact_bucket_fails(aws, run):
    aws("s3").delete_bucket(Bucket=SAM_BUCKET)
    code, lines, _ = run()
    assert code == 1 and lines["artifact bucket"].endswith(f"bucket {SAM_BUCKET} does not exist")


def test_an_explicit_bucket_must_exist_in_the_region(aws, run, tmp_path):
    config = tmp_path / "samconfig.toml"
    text = (ROOT / "samconfig.toml").read_text()
    config.write_text(
        text.replace("[prod.deploy.parameters]\n", '[prod.deploy.parameters]\ns3_bucket = "hhl-artifacts"\n')
    )
    code, lines, _ = run("--config-file", str(config))
    assert (
        code == 1
        and lines["artifact bucket"] == "FAIL  artifact bucket: s3_bucket: bucket hhl-artifacts does not exist"
    )
    elsewhere = boto3.client("s3", region_name="eu-west-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    elsewhere.create_bucket(Bucket="hhl-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    code, lines, _ = run("--config-file", str(config))
    assert code == 1 and "is in eu-west-1; Lambda needs the code in us-west-2" in lines["artifact bucket"]


# ==================================================================== local tools
def test_another_sam_version_fails(aws, run, tmp_path):
    sam = tmp_path / "sam"
    sam.write_text("#!/bin/sh\necho 'SAM CLI, version 1.99.0'\n")
    sam.chmod(0o755)
    code, lines, _ = run("--sam", str(sam))
    assert code == 1 and failed(lines) == {"SAM CLI"}
    assert lines["SAM CLI"].startswith(f"FAIL  SAM CLI: {sam}: 1.99.0 (pinned: 1.")
    code, lines, _ = run("--sam", str(tmp_path / "missing"))
    assert code == 1 and "not found; `make sam` installs the pinned aws-sam-cli" in lines["SAM CLI"]


def test_no_python_3_13_fails(aws, run, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no python3.13 there, and no pyenv
    code, lines, _ = run()
    assert code == 1 and failed(lines) == {"Python 3.13"}
    assert "sam build needs python3.13" in lines["Python 3.13"]


# ==================================================================== GitHub deploy role
def test_a_missing_deploy_role_fails(aws, run):
    aws("iam").delete_role(RoleName=preflight.DEFAULT_DEPLOY_ROLE)
    code, lines, _ = run()
    assert code == 1 and failed(lines) == {"GitHub deploy role"} and "NoSuchEntity" in lines["GitHub deploy role"]


def test_a_role_github_cannot_assume_fails(aws, run):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    aws("iam").update_assume_role_policy(RoleName=preflight.DEFAULT_DEPLOY_ROLE, PolicyDocument=json.dumps(trust))
    code, lines, _ = run()
    assert code == 1 and "does not trust GitHub's OIDC provider" in lines["GitHub deploy role"]


def test_a_role_any_repository_can_assume_fails(aws, run):
    trust = runbook_trust_policy()
    del trust["Statement"][0]["Condition"]["StringLike"]
    aws("iam").update_assume_role_policy(RoleName=preflight.DEFAULT_DEPLOY_ROLE, PolicyDocument=json.dumps(trust))
    code, lines, _ = run()
    assert code == 1 and "trusts every GitHub repository" in lines["GitHub deploy role"]


def test_the_role_named_by_the_pipeline_variable_is_checked(aws, run, monkeypatch):
    monkeypatch.setenv("AWS_DEPLOY_ROLE_ARN", f"arn:aws:iam::{ACCOUNT}:role/hedgehog-learn-other")
    code, lines, _ = run()
    assert code == 1 and "hedgehog-learn-other" in lines["GitHub deploy role"]
