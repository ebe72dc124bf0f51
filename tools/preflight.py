"""The deployment guide's pre-flight checklist as one read-only command, run before `sam deploy`.

    make preflight ENV=prod
    python -m tools.preflight --config-env prod [--parameter-overrides 'Key=Value ...'] [--account ID]
        [--deploy-role NAME_OR_ARN] [--sam PATH]

It works out what `sam deploy --config-env <env>` would deploy - samconfig.toml's settings, the template's
parameter defaults, an existing stack's current values (sam deploy keeps them for parameters it is not
given) and the overrides - then checks the parameter values against the template, and, calling only
Get/Describe/List/Head APIs, what that deploy needs from the account: credentials, the secrets, a free
Cognito domain, the Lambda concurrency quota, the secrets extension layer version the functions will get,
the API certificate and DNS zone, the artifact bucket, the local sam and Python, and the GitHub deploy
role. Without credentials it says so once, first, and runs only the checks that need no account. One
PASS/FAIL line per check says what it saw; the exit code is 1 if any check failed. Secret values are read (to check the
JWT secret's length) and never printed. boto3 honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>),
which is how the tests run it against the AWS emulator.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3

from kit.template import ROOT, load_template, resources
from tools.checklist import (
    SAMCONFIG_PATH,
    Check,
    DeployConfig,
    banner,
    deploy_config,
    guarded,
    parse_parameter_overrides,
    run_checklist,
)

MIN_JWT_SECRET_CHARS = 32
# Lambda refuses a reservation that leaves the account fewer unreserved executions than this.
MIN_UNRESERVED_CONCURRENCY = 100
SAM_MANAGED_STACK = "aws-sam-cli-managed-default"  # where `resolve_s3 = true` keeps the artifact bucket
SAM_REQUIREMENTS = ROOT / "tools" / "sam" / "requirements.txt"
DEFAULT_SAM = ROOT / ".venv-sam" / "bin" / "sam"
FIND_PYTHON313 = ROOT / "tools" / "python313-dir.sh"
# The role docs/runbook.md creates; the pipeline names it by ARN in the AWS_DEPLOY_ROLE_ARN variable.
DEFAULT_DEPLOY_ROLE = "hedgehog-learn-github-deploy"
GITHUB_OIDC_PROVIDER = "token.actions.githubusercontent.com"
# Cognito's rules for a hosted UI prefix (CreateUserPoolDomain): these words are reserved.
COGNITO_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
COGNITO_RESERVED_WORDS = ("aws", "amazon", "cognito")
# samconfig.toml's placeholder for values only the operator knows (the API certificate's account and id).
PLACEHOLDER_ACCOUNT = ":000000000000:"
NO_CREDENTIALS = (
    "no AWS credentials found, so only the checks that need no account ran. Provide them as sam deploy will "
    "find them: `aws sso login --profile <name>` then AWS_PROFILE=<name>, or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary ones)"
)
# The functions' architecture (Globals) -> the column of the template's extension layer table.
EXTENSION_ARCHITECTURE_COLUMNS = {"arm64": "arm64", "x86_64": "x86"}


class TemplateValues:
    """The template's values for one set of parameters: Ref, Fn::Sub, Fn::Join and conditions.

    Hand-written because no installed library evaluates CloudFormation conditions for one parameter set:
    the SAM translator resolves Ref/Sub but leaves Fn::If to CloudFormation, and cfn-lint reasons over
    every scenario at once. Anything it does not know (a resource's attribute) raises ValueError, which
    fails the check that needed it instead of guessing."""

    def __init__(self, template: dict, parameters: dict[str, str], region: str):
        self.template = template
        self.parameters = parameters
        self.pseudo = {
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,  # the property is left out
        }

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template["Conditions"][name]))

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        raise ValueError(f"{name} is known only once the stack exists")

    def value(self, expression):
        if not isinstance(expression, dict):
            return expression
        ((function, argument),) = expression.items()
        if function == "Ref":
            return self._ref(argument)
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            left, right = (self.value(side) for side in argument)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not self.value(argument[0])
        if function == "Fn::And":
            return all(self.value(item) for item in argument)
        if function == "Fn::Or":
            return any(self.value(item) for item in argument)
        if function == "Fn::If":
            name, when_true, when_false = argument
            return self.value(when_true if self.condition(name) else when_false)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(self.value(item)) for item in items)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            local = {name: self.value(value) for name, value in variables.items()}
            return re.sub(r"\$\{([^}!]+)\}", lambda m: str(local.get(m[1]) or self._ref(m[1])), text)
        raise ValueError(f"{function} cannot be evaluated before the deploy")


def parameter_problems(name: str, spec: dict, value: str) -> list[str]:
    """Why CloudFormation would refuse `value` for a parameter declared as `spec` (none: an empty list)."""
    allowed = [str(item) for item in spec.get("AllowedValues", [])]
    if allowed and value not in allowed:
        return [f"{name}={value!r} is not one of {', '.join(allowed)}"]
    pattern = spec.get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, value):
        return [f"{name}={value!r}: {spec.get('ConstraintDescription') or 'does not match ' + pattern}"]
    if spec["Type"] == "Number":
        try:
            number = float(value)
        except ValueError:
            return [f"{name}={value!r} is not a number"]
        if number < spec.get("MinValue", number) or number > spec.get("MaxValue", number):
            return [f"{name}={value} is outside {spec.get('MinValue')}..{spec.get('MaxValue')}"]
    # An empty value is an empty list (CertificateRetiredKeyArns' default); an empty item inside one is a typo.
    if spec["Type"] == "CommaDelimitedList" and value.strip() and any(not item.strip() for item in value.split(",")):
        return [f"{name}={value!r} has an empty item"]
    return []


def _covers(certificate_name: str, domain: str) -> bool:
    """An ACM name covers the domain exactly or as a one-label wildcard (*.hedgehog.cloud)."""
    if certificate_name.startswith("*."):
        return domain.partition(".")[2] == certificate_name[2:]
    return certificate_name == domain


class Preflight:
    def __init__(
        self,
        config: DeployConfig,
        overrides: dict[str, str],
        account: str | None = None,
        deploy_role: str = DEFAULT_DEPLOY_ROLE,
        sam: Path = DEFAULT_SAM,
    ):
        self.config = config
        self.overrides = overrides
        self.deploy_role = deploy_role
        # A role given by ARN names the account the deploy belongs in.
        self.expected_account = account or (deploy_role.split(":")[4] if deploy_role.startswith("arn:") else None)
        self.sam = sam
        self.template = load_template()
        self.session = boto3.Session(region_name=config.region)
        self.has_credentials = self.session.get_credentials() is not None

    def client(self, name: str):
        return self.session.client(name)

    # ------------------------------------------------------------------ what sam deploy will deploy
    @functools.cached_property
    def existing_stack(self) -> dict | None:
        cloudformation = self.client("cloudformation")
        try:
            return cloudformation.describe_stacks(StackName=self.config.stack)["Stacks"][0]
        except cloudformation.exceptions.ClientError as error:
            if "does not exist" in str(error):
                return None
            raise

    @functools.cached_property
    def parameters(self) -> dict[str, str]:
        """Template defaults, then the existing stack's values, then the overrides: what sam deploy passes
        (it sends UsePreviousValue for every template parameter it is not given, on an existing stack)."""
        declared = self.template["Parameters"]
        values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        previous = (self.existing_stack or {}).get("Parameters", []) if self.has_credentials else []
        values |= {p["ParameterKey"]: p["ParameterValue"] for p in previous if p["ParameterKey"] in declared}
        unknown = sorted(set(self.overrides) - set(declared))
        if unknown:
            raise ValueError(f"parameter overrides the template does not declare: {', '.join(unknown)}")
        return values | self.overrides

    @property
    def values(self) -> TemplateValues:
        return TemplateValues(self.template, self.parameters, self.config.region)

    def function_setting(self, variable: str) -> str:
        """A Globals.Function environment variable as deployed, e.g. the SSM name of a secret."""
        return self.values.value(self.template["Globals"]["Function"]["Environment"]["Variables"][variable])

    # ------------------------------------------------------------------ the checklist
    def checks(self) -> Iterator[Check]:
        if not self.has_credentials:
            yield Check("credentials", False, NO_CREDENTIALS)
            yield guarded("parameters", self.check_parameters)
            yield guarded("SAM CLI", self.check_sam)
            yield guarded("Python 3.13", self.check_python)
            return
        yield guarded("credentials", self.check_credentials)
        yield guarded("parameters", self.check_parameters)
        yield guarded("JWT secret", self.check_jwt_secret)
        yield guarded("HubSpot token", self.check_hubspot_token)
        yield guarded("Cognito domain", self.check_cognito_domain)
        yield guarded("Lambda concurrency", self.check_concurrency)
        yield guarded("secrets extension layer", self.check_extension_layer)
        yield guarded("API certificate", self.check_certificate)
        yield guarded("API DNS zone", self.check_dns_zone)
        yield guarded("artifact bucket", self.check_artifact_bucket)
        yield guarded("SAM CLI", self.check_sam)
        yield guarded("Python 3.13", self.check_python)
        yield guarded("GitHub deploy role", self.check_deploy_role)

    def check_parameters(self) -> tuple[bool, str]:
        """Every value the deploy passes is one the template allows (CloudFormation would refuse the change set
        otherwise), and none is samconfig.toml's placeholder."""
        declared = self.template["Parameters"]
        problems = []
        for name, value in self.parameters.items():
            problems += parameter_problems(name, declared[name], value)
            if PLACEHOLDER_ACCOUNT in value:
                problems.append(
                    f"{name} is samconfig.toml's placeholder: replace it in [{self.config.env}] with the real ARN "
                    "(for the certificate: docs/site-integration.md, Certificate and DNS)"
                )
        source = "the stack's current values, " if self.has_credentials and self.existing_stack else ""
        seen = f"{len(self.overrides)} overrides over {source}the template's defaults, each allowed by template.yaml"
        return not problems, "; ".join(problems) or seen

    def check_credentials(self) -> tuple[bool, str]:
        region = self.config.region
        if region not in self.session.get_available_regions("cloudformation"):
            return False, f"region {region!r} (samconfig.toml [{self.config.env}]) is not an AWS region"
        identity = self.client("sts").get_caller_identity()
        seen = f"account {identity['Account']} as {identity['Arn']}, region {region}"
        if self.expected_account and identity["Account"] != self.expected_account:
            return False, f"{seen}; expected account {self.expected_account}"
        return True, seen

    def _secure_string(self, name: str) -> tuple[str, str] | None:
        """(type, value) of an SSM parameter, decrypted; None when it does not exist."""
        ssm = self.client("ssm")
        try:
            parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        except ssm.exceptions.ParameterNotFound:
            return None
        return parameter["Type"], parameter["Value"]

    def _secret_problem(self, name: str, found: tuple[str, str] | None) -> str | None:
        if found is None:
            return f"{name} not found in {self.config.region}"
        if found[0] != "SecureString":
            return f"{name} is a {found[0]}, not a SecureString"
        return None

    def check_jwt_secret(self) -> tuple[bool, str]:
        name = self.function_setting("JWT_SECRET_PARAMETER")
        found = self._secure_string(name)
        problem = self._secret_problem(name, found)
        if problem:
            return False, problem
        if len(found[1]) < MIN_JWT_SECRET_CHARS:
            return False, f"{name}: SecureString shorter than {MIN_JWT_SECRET_CHARS} characters"
        return True, f"{name}: SecureString of at least {MIN_JWT_SECRET_CHARS} characters"

    def check_hubspot_token(self) -> tuple[bool, str]:
        enabled = self.parameters["EnableCrmProgress"]
        if enabled != "true":
            return True, f"not needed (EnableCrmProgress={enabled})"
        name = self.function_setting("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER")
        found = self._secure_string(name)
        problem = self._secret_problem(name, found) or (None if found[1].strip() else f"{name} is empty")
        return (False, problem) if problem else (True, f"{name}: SecureString (EnableCrmProgress=true)")

    def check_cognito_domain(self) -> tuple[bool, str]:
        (domain,) = resources("AWS::Cognito::UserPoolDomain", self.template).values()
        values = self.values
        if "Condition" in domain and not values.condition(domain["Condition"]):
            return self._existing_user_pool()
        prefix = values.value(domain["Properties"]["Domain"])
        reserved = [word for word in COGNITO_RESERVED_WORDS if word in prefix]
        if not COGNITO_PREFIX.match(prefix) or reserved:
            why = f" (contains {reserved[0]!r})" if reserved else ""
            return False, f"{prefix!r} is not a valid Cognito domain prefix{why}"
        description = self.client("cognito-idp").describe_user_pool_domain(Domain=prefix)["DomainDescription"]
        if not description:
            return True, f"{prefix} is free"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in (self.existing_stack or {}).get("Outputs", [])}
        owner = description.get("UserPoolId")
        if owner and owner == outputs.get("UserPoolId"):
            return True, f"{prefix} belongs to {self.config.stack}'s own pool {owner} (an update)"
        return False, (
            f"{prefix} is taken by pool {owner or '(another account)'}: set CognitoDomainPrefix, "
            "or ExistingUserPoolId, ExistingUserPoolClientId and ExistingCognitoDomain"
        )

    def _existing_user_pool(self) -> tuple[bool, str]:
        existing = {name: value for name, value in self.parameters.items() if name.startswith("Existing")}
        empty = sorted(name for name, value in existing.items() if not value)
        if empty:
            return False, f"an existing user pool needs every Existing* parameter; empty: {', '.join(empty)}"
        pool_id = existing["ExistingUserPoolId"]
        pool = self.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]
        return True, f"existing pool {pool_id} ({pool['Name']}) at {existing['ExistingCognitoDomain']}"

    def check_concurrency(self) -> tuple[bool, str]:
        values = self.values
        reserved = {}
        for function in resources("AWS::Serverless::Function", self.template).values():
            setting = values.value(function["Properties"].get("ReservedConcurrentExecutions"))
            if setting is not None:
                reserved[values.value(function["Properties"]["FunctionName"])] = int(setting)
        lambda_ = self.client("lambda")
        limit = lambda_.get_account_settings()["AccountLimit"]
        # On an update the functions' current reservations are already out of the unreserved pool.
        current = 0
        for name in reserved:
            with contextlib.suppress(lambda_.exceptions.ResourceNotFoundException):
                current += lambda_.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions", 0)
        after = limit["UnreservedConcurrentExecutions"] + current - sum(reserved.values())
        wanted = ", ".join(f"{name} reserves {count}" for name, count in reserved.items()) or "no reservations"
        seen = (
            f"account limit {limit['ConcurrentExecutions']}, unreserved {limit['UnreservedConcurrentExecutions']}; "
            f"{wanted}: {after} unreserved after the deploy (Lambda requires >= {MIN_UNRESERVED_CONCURRENCY})"
        )
        return after >= MIN_UNRESERVED_CONCURRENCY, seen

    def extension_layer_arn(self) -> str:
        """The Parameters and Secrets extension layer version the functions will get: the parameter, else the
        template's row for the region and the functions' architecture."""
        given = self.parameters.get("ParametersSecretsExtensionLayerArn", "")
        if given:
            return given
        (architecture,) = self.template["Globals"]["Function"]["Architectures"]
        table = self.template["Mappings"]["ParametersSecretsExtension"]
        if self.config.region not in table:
            raise ValueError(
                f"template.yaml's ParametersSecretsExtension has no row for {self.config.region}: add AWS's ARN "
                "for it, or pass ParametersSecretsExtensionLayerArn"
            )
        return table[self.config.region][EXTENSION_ARCHITECTURE_COLUMNS[architecture]]

    def check_extension_layer(self) -> tuple[bool, str]:
        arn = self.extension_layer_arn()
        name, _, version = arn.rpartition(":")
        lambda_ = self.client("lambda")
        try:
            layer = lambda_.get_layer_version(LayerName=name, VersionNumber=int(version))
        except lambda_.exceptions.ResourceNotFoundException:
            return False, f"{arn} does not exist: take the current ARN from AWS's table (template.yaml, Mappings)"
        (architecture,) = self.template["Globals"]["Function"]["Architectures"]
        supported = layer.get("CompatibleArchitectures") or []
        if supported and architecture not in supported:
            return False, f"{arn} is for {', '.join(supported)}, the functions run on {architecture}"
        return True, f"{arn} exists ({', '.join(supported) or 'any architecture'})"

    def check_certificate(self) -> tuple[bool, str]:
        domain = self.parameters.get("ApiDomainName", "")
        if not domain:
            return True, "no API domain configured (ApiDomainName empty): nothing to check"
        arn = self.parameters.get("ApiCertificateArn", "")
        if not arn:
            return False, f"ApiDomainName={domain} but ApiCertificateArn is empty"
        if arn.split(":")[3:4] != [self.config.region]:
            return False, f"{arn} is not in {self.config.region} (a regional API needs a certificate in its region)"
        certificate = self.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        names = [certificate["DomainName"], *certificate.get("SubjectAlternativeNames", [])]
        seen = f"{arn} is {certificate['Status']} for {', '.join(dict.fromkeys(names))}"
        if not any(_covers(name, domain) for name in names):
            return False, f"{seen}: does not cover {domain}"
        return certificate["Status"] == "ISSUED", seen

    def check_dns_zone(self) -> tuple[bool, str]:
        domain, zone_id = self.parameters.get("ApiDomainName", ""), self.parameters.get("HostedZoneId", "")
        if not domain:
            return True, "no API domain configured (ApiDomainName empty): nothing to check"
        if not zone_id:
            return True, f"HostedZoneId empty: point {domain} at the stack's ApiDomainTarget output yourself"
        zone = self.client("route53").get_hosted_zone(Id=zone_id)["HostedZone"]
        name = zone["Name"].rstrip(".")
        seen = f"{zone_id} is {name}"
        if domain != name and not domain.endswith(f".{name}"):
            return False, f"{seen}: {domain} is not in it"
        if zone.get("Config", {}).get("PrivateZone"):
            return False, f"{seen}, a private zone: browsers on the internet would not find {domain}"
        return True, f"{seen}: the stack adds {domain}'s alias record to it"

    def check_artifact_bucket(self) -> tuple[bool, str]:
        if self.config.s3_bucket:
            bucket, source = self.config.s3_bucket, "s3_bucket"
        elif self.config.resolve_s3:
            cloudformation = self.client("cloudformation")
            try:
                stack = cloudformation.describe_stacks(StackName=SAM_MANAGED_STACK)["Stacks"][0]
            except cloudformation.exceptions.ClientError as error:
                if "does not exist" not in str(error):
                    raise
                return False, (
                    f"resolve_s3: stack {SAM_MANAGED_STACK} does not exist in {self.config.region}; "
                    "create it once with `sam deploy --guided` from an administrator session"
                )
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            bucket, source = outputs["SourceBucket"], f"resolve_s3 ({SAM_MANAGED_STACK})"
        else:
            return False, f"samconfig.toml [{self.config.env}] sets neither s3_bucket nor resolve_s3"
        s3 = self.client("s3")
        try:
            head = s3.head_bucket(Bucket=bucket)
        except s3.exceptions.ClientError as error:
            code = error.response["Error"]["Code"]
            return False, f"{source}: bucket {bucket} " + (
                "does not exist" if code in ("404", "NoSuchBucket") else code
            )
        region = head.get("BucketRegion") or head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region")
        if region and region != self.config.region:
            return False, f"{source}: bucket {bucket} is in {region}; Lambda needs the code in {self.config.region}"
        return True, f"{source}: bucket {bucket}"

    def check_sam(self) -> tuple[bool, str]:
        pinned = re.search(r"^aws-sam-cli==(\S+)", SAM_REQUIREMENTS.read_text(), re.MULTILINE)[1]
        if not self.sam.exists():
            return False, f"{self.sam} not found; `make sam` installs the pinned aws-sam-cli {pinned} there (alone)"
        command = [str(self.sam), "--version"]  # the operator's own sam
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)  # noqa: S603
        found = re.search(r"version (\S+)", result.stdout)
        version = found[1] if found else (result.stdout + result.stderr).strip()[:200]
        return version == pinned, f"{self.sam}: {version} (pinned: {pinned})"

    def check_python(self) -> tuple[bool, str]:
        """`sam build` needs the Lambda runtime's python3.13, looked up as tools/sam-build.sh does."""
        found = subprocess.run(["bash", str(FIND_PYTHON313)], capture_output=True, text=True, timeout=60)  # noqa: S603, S607
        if found.returncode != 0:
            return False, found.stderr.strip()
        python = Path(found.stdout.strip()) / "python3.13"
        version = subprocess.run([str(python), "-V"], capture_output=True, text=True, timeout=60)  # noqa: S603
        return version.returncode == 0, f"{version.stdout.strip() or version.stderr.strip()} at {python}"

    def check_deploy_role(self) -> tuple[bool, str]:
        name = self.deploy_role.rpartition("/")[2]
        role = self.client("iam").get_role(RoleName=name)["Role"]
        if self.deploy_role.startswith("arn:") and role["Arn"] != self.deploy_role:
            return False, f"found {role['Arn']}, expected {self.deploy_role}"
        trust = role["AssumeRolePolicyDocument"]
        statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
        github = [
            s
            for s in statements
            if s.get("Effect") == "Allow"
            and "sts:AssumeRoleWithWebIdentity" in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
            and str(s.get("Principal", {}).get("Federated", "")).endswith(f"oidc-provider/{GITHUB_OIDC_PROVIDER}")
        ]
        if not github:
            return False, f"{role['Arn']} does not trust GitHub's OIDC provider ({GITHUB_OIDC_PROVIDER})"
        subjects = [
            value
            for s in github
            for test in s.get("Condition", {}).values()
            for key, value in test.items()
            if key == f"{GITHUB_OIDC_PROVIDER}:sub"
        ]
        if not subjects:
            return False, f"{role['Arn']} trusts every GitHub repository: restrict {GITHUB_OIDC_PROVIDER}:sub"
        return True, f"{role['Arn']} trusts GitHub OIDC for {', '.join(map(str, subjects))}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-env", default="prod", help="the samconfig.toml environment sam deploy will use")
    parser.add_argument("--config-file", type=Path, default=SAMCONFIG_PATH, help=argparse.SUPPRESS)
    parser.add_argument(
        "--parameter-overrides", help="as given to sam deploy: replaces samconfig.toml's parameter_overrides"
    )
    parser.add_argument("--account", help="the AWS account id the deploy belongs in")
    parser.add_argument(
        "--deploy-role",
        default=os.environ.get("AWS_DEPLOY_ROLE_ARN") or DEFAULT_DEPLOY_ROLE,
        help=f"the GitHub OIDC role, name or ARN (default: $AWS_DEPLOY_ROLE_ARN, else {DEFAULT_DEPLOY_ROLE})",
    )
    parser.add_argument("--sam", type=Path, default=DEFAULT_SAM, help="the sam executable the deploy uses")
    args = parser.parse_args(argv)
    config = deploy_config(args.config_env, args.config_file)
    overrides = (
        parse_parameter_overrides(args.parameter_overrides)
        if args.parameter_overrides is not None
        else config.parameter_overrides
    )
    preflight = Preflight(
        config,
        overrides,
        account=args.account,
        deploy_role=args.deploy_role,
        sam=args.sam,
    )
    print(banner("Pre-flight for", config.stack, config.region))
    return run_checklist(preflight.checks())


if __name__ == "__main__":
    sys.exit(main())
