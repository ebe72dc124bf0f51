"""template.yaml against the platform's rules: least privilege derived from the code, safe tables,
the naming scheme, the deployment guide's variable names and outputs.

"Which tables does a function use" is derived from its code, not from a list kept beside the template:
the modules a function's app.py imports (transitively, through the shared layer, including lazy imports
inside functions) are scanned for `settings().tables.<name>`, the one way the code names a table.
Over-approximating (a module imported but a table never touched on that path) can only make the
"uses" set bigger, so "the policy names no table outside it" stays a sound least-privilege check.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import tomllib
from pathlib import Path

import pytest
from hhl import secret_store
from hhl.config import load_settings
from hhl.storage.learner_records import LEARNER_TABLES

from kit.template import ROOT, load_template, resources

TEMPLATE = load_template()
FUNCTIONS = resources("AWS::Serverless::Function", TEMPLATE)
TABLES = resources("AWS::DynamoDB::Table", TEMPLATE)
LAYER_ROOT = ROOT / "layers" / "shared"
GLOBAL_ENV = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
STAGES = ("dev", "prod")
TABLE_SUFFIXES = {"users", "enrollments", "progress", "badges", "certificates", "tasks", "ended-sessions"}
TABLE_SUFFIXES |= {"crm-sends", "erasures"}
# Secrets the code reads -> what a policy granting it names: the template parameter naming the SSM
# SecureString, or the Secrets Manager secret the template creates.
SECRET_GRANTS = {
    "JWT_SECRET": "JwtSecretParameterName",
    "HUBSPOT_PRIVATE_APP_TOKEN": "HubSpotTokenParameterName",
    "COGNITO_CLIENT_SECRET": "CognitoClientSecret",
}
# The deployment guide's environment variables (seeds/000_...: "Production Environment Variables").
GUIDE_VARIABLES = [
    "APP_STAGE",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    "COGNITO_DOMAIN",
    "COGNITO_REDIRECT_URI",
    "COGNITO_ISSUER",
    "DYNAMODB_USERS_TABLE",
    "DYNAMODB_ENROLLMENTS_TABLE",
    "DYNAMODB_PROGRESS_TABLE",
    "DYNAMODB_BADGES_TABLE",
    "ENABLE_CRM_PROGRESS",
]


# ==================================================================== helpers
def resolve(value, stage: str):
    """Evaluate the intrinsics these checks depend on (Fn::If on the IsProd condition, !Sub of ${Stage})."""
    if isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        assert condition == "IsProd", f"unexpected condition {condition}"
        return resolve(when_true if stage == "prod" else when_false, stage)
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"].replace("${Stage}", stage)
    return value


def table_field(logical_id: str) -> str:
    """UsersTable -> users, through the DYNAMODB_<NAME>_TABLE variable that carries its name."""
    (var,) = [k for k, v in GLOBAL_ENV.items() if v == {"Ref": logical_id}]
    return re.fullmatch(r"DYNAMODB_(\w+)_TABLE", var).group(1).lower()


def _module_file(module: str) -> Path | None:
    base = LAYER_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, module: str) -> set[str]:
    """Every hhl module `path` imports, anywhere in the file, with the packages that importing them runs."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            # `from hhl.learning import enrollments` may name a submodule as well as an attribute.
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] != "hhl":
                continue
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {name for name in found if _module_file(name)}


@functools.cache
def code_closure(code_uri: str) -> tuple[Path, ...]:
    """The function's app.py and every shared-layer module it can import."""
    app = ROOT / code_uri / "app.py"
    files, seen, todo = [app], set(), list(_imports(app, "app"))
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _module_file(module)
        files.append(path)
        todo.extend(_imports(path, module) - seen)
    return tuple(files)


def tables_used(code_uri: str) -> set[str]:
    return {field for path in code_closure(code_uri) for field in re.findall(r"\.tables\.(\w+)", path.read_text())}


def secrets_used(code_uri: str) -> set[str]:
    """Secrets read by calls, get_secret("NAME") or jwt_secret(), outside secret_store (which defines them)."""
    used = set()
    for path in code_closure(code_uri):
        if path == LAYER_ROOT / "hhl" / "secret_store.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name == "jwt_secret":
                used.add("JWT_SECRET")
            elif name == "get_secret" and node.args and isinstance(node.args[0], ast.Constant):
                used.add(node.args[0].value)
    return used


def policy_tables(props: dict) -> set[str]:
    """Tables any policy statement or policy template of the function refers to."""
    policies = json.dumps(props.get("Policies", []))
    return {table_field(t) for t in TABLES if re.search(rf"\b{t}\b", policies)}


# ==================================================================== least privilege
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_policies_name_exactly_the_tables_its_code_uses(function):
    props = FUNCTIONS[function]["Properties"]
    used = tables_used(props["CodeUri"])
    assert used <= {table_field(t) for t in TABLES}, f"{function} code names unknown tables {used}"
    assert policy_tables(props) == used, f"{function}: policy tables {policy_tables(props)} != used by code {used}"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_reads_exactly_the_secrets_its_code_uses(function):
    props = FUNCTIONS[function]["Properties"]
    used = secrets_used(props["CodeUri"])
    policies = json.dumps(props.get("Policies", []))
    granted = {secret for secret, grant in SECRET_GRANTS.items() if grant in policies}
    assert granted == used, f"{function}: access to {granted}, code reads {used}"
    layers = json.dumps(props.get("Layers", []))
    assert ("ParametersSecretsExtensionLayerArn" in layers) == bool(used), f"{function}: extension layer iff secrets"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_has_its_handler_module(function):
    props = FUNCTIONS[function]["Properties"]
    handler = props.get("Handler", TEMPLATE["Globals"]["Function"]["Handler"])
    module, _, attr = handler.rpartition(".")
    source = (ROOT / props["CodeUri"] / f"{module}.py").read_text()
    assert re.search(rf"^(def {attr}\(|{attr} = )", source, re.M), f"{function}: no `{attr}` in {module}.py"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_no_wildcard_dynamodb_actions_or_resources(function):
    for policy in FUNCTIONS[function]["Properties"].get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources_ = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert not any(a.endswith("*") for a in actions), f"{function}: wildcard action {actions}"
            assert "*" not in resources_, f"{function}: wildcard resource"


# ==================================================================== tables
@pytest.mark.parametrize("table", sorted(TABLES))
def test_tables_are_on_demand_encrypted_and_recoverable(table):
    props = TABLES[table]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_every_table_keyed_by_learner_is_exported_and_erased():
    """A table whose partition key is userId holds a learner's rows: the export and the erasure must walk it."""
    keyed_by_learner = {}
    for logical_id, res in TABLES.items():
        schema = {k["KeyType"]: k["AttributeName"] for k in res["Properties"]["KeySchema"]}
        if schema["HASH"] == "userId":
            keyed_by_learner[table_field(logical_id)] = schema.get("RANGE")
    registry = {table.name: table.sort_key for table in LEARNER_TABLES}
    assert registry == keyed_by_learner, "hhl.storage.learner_records.LEARNER_TABLES must list every learner table"


@pytest.mark.parametrize("stage", STAGES)
def test_table_names_follow_the_scheme(stage):
    names = {resolve(res["Properties"]["TableName"], stage) for res in TABLES.values()}
    assert names == {f"hedgehog-learn-{stage}-{suffix}" for suffix in TABLE_SUFFIXES}


# ==================================================================== functions
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_names_and_log_groups_follow_the_scheme(function, stage):
    props = FUNCTIONS[function]["Properties"]
    endpoint = Path(props["CodeUri"]).name.replace("_", "-")
    name = resolve(props["FunctionName"], stage)
    assert name == f"hedgehog-learn-{stage}-{endpoint}"
    log_group = TEMPLATE["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert resolve(log_group["Properties"]["LogGroupName"], stage) == f"/aws/lambda/{name}"
    assert log_group["Properties"]["RetentionInDays"]


def test_functions_run_python_3_13_on_arm64_with_the_shared_layer():
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Handler"] == "app.handler"
    assert function_globals["Layers"][:2] == [{"Ref": "SharedLayer"}, {"Ref": "CatalogLayer"}]
    for name, res in FUNCTIONS.items():
        assert "Runtime" not in res["Properties"], name
        assert res["Properties"].get("Handler", "app.handler") == "app.handler", name
    layer = TEMPLATE["Resources"]["SharedLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    # layers/shared/Makefile builds it (with bytecode) for python3.13 on arm64.
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert "--python-version 3.13" in (LAYER_ROOT / "Makefile").read_text()
    catalog_layer = TEMPLATE["Resources"]["CatalogLayer"]
    assert catalog_layer["Properties"]["ContentUri"] == "layers/catalog/"
    assert catalog_layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}


def test_the_deployment_guides_variables_are_given_to_every_function():
    assert set(GUIDE_VARIABLES) <= set(GLOBAL_ENV)
    for name, res in FUNCTIONS.items():
        overrides = res["Properties"].get("Environment", {}).get("Variables", {})
        assert not set(overrides) & set(GUIDE_VARIABLES), f"{name} overrides a global variable"


def test_secrets_are_never_values_only_names():
    assert set(SECRET_GRANTS) == set(secret_store.SECRETS), "every secret the code knows has its grant here"
    every_env = [GLOBAL_ENV] + [r["Properties"].get("Environment", {}).get("Variables", {}) for r in FUNCTIONS.values()]
    for env in every_env:
        assert not set(SECRET_GRANTS) & set(env), "a secret must not be an environment variable in AWS"
    for secret, (_, variable) in secret_store.SECRETS.items():
        assert SECRET_GRANTS[secret] in json.dumps(GLOBAL_ENV[variable]), f"{variable} names {secret}'s store"
    for name in TEMPLATE["Parameters"]:
        if re.search(r"secret|token|password", name, re.I) and not name.endswith("LayerArn"):
            assert name.endswith(("ParameterName", "SecretName")), f"parameter {name} looks like a plaintext secret"


def test_the_app_client_is_confidential_and_its_secret_reaches_only_its_callers():
    """GenerateSecret, the secret kept in Secrets Manager from the client's ClientSecret attribute, and
    GetSecretValue on that one secret for exactly the functions that call the token or revoke endpoint."""
    assert TEMPLATE["Resources"]["UserPoolClient"]["Properties"]["GenerateSecret"] is True
    secret = TEMPLATE["Resources"]["CognitoClientSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["SecretString"] == {"Fn::GetAtt": ["UserPoolClient", "ClientSecret"]}
    callers = {
        name for name, res in FUNCTIONS.items() if "COGNITO_CLIENT_SECRET" in secrets_used(res["Properties"]["CodeUri"])
    }
    assert callers == {"CallbackFunction", "RefreshFunction", "LogoutFunction"}
    existing = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
    existing += "${ExistingUserPoolClientSecretName}-??????"
    expected = {"Fn::If": ["CreateUserPool", {"Ref": "CognitoClientSecret"}, {"Fn::Sub": existing}]}
    grant = {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": expected}
    for name, res in FUNCTIONS.items():
        policies = [p for p in res["Properties"].get("Policies", []) if isinstance(p, dict)]
        statements = [statement for p in policies for statement in p.get("Statement", [])]
        grants = [st for st in statements if "secretsmanager:GetSecretValue" in st["Action"]]
        assert grants == ([grant] if name in callers else []), name


def test_the_template_environment_satisfies_the_settings_loader():
    """Every variable config.load_settings requires is one the template gives (plausible values stand in
    for the intrinsics; AWS_REGION is Lambda's own)."""
    env = {name: "x" for name in GLOBAL_ENV}
    env.update(
        AWS_REGION="us-west-2",
        APP_STAGE="prod",
        ENABLE_CRM_PROGRESS="false",
        ALLOWED_ORIGINS="https://hedgehog.cloud",
        SITE_BASE_URL="https://hedgehog.cloud",
        COGNITO_DOMAIN="hedgehog-learn-prod.auth.us-west-2.amazoncognito.com",
        COGNITO_REDIRECT_URI="https://hedgehog.cloud/auth/callback",
        COGNITO_ISSUER="https://cognito-idp.us-west-2.amazonaws.com/us-west-2_pool",
    )
    assert set(env) - set(GLOBAL_ENV) == {"AWS_REGION"}
    assert load_settings(env).stage == "prod"


# ==================================================================== data: first create vs established stack
# Resources with deletion protection, and what "on" and "off" are for each type.
PROTECTION = {
    "AWS::DynamoDB::Table": ("DeletionProtectionEnabled", True, False),
    "AWS::Cognito::UserPool": ("DeletionProtection", "ACTIVE", "INACTIVE"),
}
PROTECTED = {
    name: res
    for name, res in TEMPLATE["Resources"].items()
    if any(key.startswith("DeletionProtection") for key in res.get("Properties") or {})
}


def test_every_table_and_the_user_pool_is_a_protected_resource():
    assert {name for name, res in TEMPLATE["Resources"].items() if res["Type"] in PROTECTION} == set(PROTECTED)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("resource", sorted(PROTECTED))
def test_a_failed_first_create_can_delete_what_it_made_and_an_established_prod_stack_keeps_its_data(resource, stage):
    """The rule: CloudFormation creates nothing with deletion protection on (ProtectData defaults to false), so
    rolling back the operation that created a table or the pool can delete it (RetainExceptOnCreate) instead of
    ending ROLLBACK_FAILED with named leftovers; once the operator sets ProtectData, prod's data is protected
    and outlives stack deletion and replacement. Dev deletes everything with the stack."""
    res = PROTECTED[resource]
    prod = stage == "prod"
    name, on, off = PROTECTION[res["Type"]]
    assert TEMPLATE["Parameters"]["ProtectData"]["Default"] == "false"
    assert evaluate(res["Properties"][name], {"Stage": stage}) == off
    assert evaluate(res["Properties"][name], {"Stage": stage, "ProtectData": "true"}) == (on if prod else off)
    for protect in ("false", "true"):
        parameters = {"Stage": stage, "ProtectData": protect}
        assert evaluate(res["DeletionPolicy"], parameters) == ("RetainExceptOnCreate" if prod else "Delete")
        assert evaluate(res["UpdateReplacePolicy"], parameters) == ("Retain" if prod else "Delete")


# ==================================================================== API, Cognito, outputs
def test_every_http_route_belongs_to_the_one_http_api():
    for name, res in FUNCTIONS.items():
        for event in (res["Properties"].get("Events") or {}).values():
            if event["Type"] == "HttpApi":
                assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}, name


def test_http_api_cors_is_an_allow_list_with_credentials_and_logs_have_retention():
    (api,) = resources("AWS::Serverless::HttpApi", TEMPLATE).values()
    cors = api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == {"Ref": "AllowedOrigins"}
    assert cors["AllowCredentials"] is True
    assert api["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    log_arn = api["Properties"]["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"]
    assert TEMPLATE["Resources"][log_arn[0]]["Properties"]["RetentionInDays"]


NO_VALUE = object()


def evaluate(value, parameters: dict[str, str]):
    """Ref, Fn::Sub, Fn::If and the template's Conditions for these parameter values (defaults otherwise);
    pseudo parameters and resource references stay as `<name>`."""
    values = {name: p.get("Default", "") for name, p in TEMPLATE["Parameters"].items()} | parameters

    def ref(name: str) -> str:
        return str(values[name]) if name in values else f"<{name}>"

    def condition(name: str) -> bool:
        return evaluate(TEMPLATE["Conditions"][name], parameters)

    if isinstance(value, list):
        return [item for item in (evaluate(v, parameters) for v in value) if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    (first, *_) = value
    is_intrinsic = len(value) == 1 and (first in ("Ref", "Condition") or first.startswith("Fn::"))
    if not is_intrinsic:
        evaluated = {key: evaluate(item, parameters) for key, item in value.items()}
        return {key: item for key, item in evaluated.items() if item is not NO_VALUE}
    ((function, argument),) = value.items()
    if function == "Ref" and argument == "AWS::NoValue":
        return NO_VALUE
    if function == "Ref":
        return ref(argument)
    if function == "Fn::Sub":
        return re.sub(r"\$\{([\w:.]+)\}", lambda m: ref(m.group(1)), argument)
    if function == "Fn::If":
        name, if_true, if_false = argument
        return evaluate(if_true if condition(name) else if_false, parameters)
    if function == "Fn::Equals":
        left, right = (evaluate(a, parameters) for a in argument)
        return str(left) == str(right)
    if function == "Fn::Not":
        return not evaluate(argument[0], parameters)
    if function == "Fn::And":
        return all(evaluate(a, parameters) for a in argument)
    if function == "Condition":
        return condition(argument)
    raise AssertionError(f"unsupported intrinsic {function}")


def test_user_pool_client_is_code_flow_only_and_asks_for_no_admin_scope():
    client = TEMPLATE["Resources"]["UserPoolClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"]
    # No aws.cognito.signin.user.admin: nothing here needs it, and it would let a learner change their own email.
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    for logical_id in ("UserPool", "UserPoolClient", "UserPoolDomain"):
        assert TEMPLATE["Resources"][logical_id]["Condition"] == "CreateUserPool"


API_DOMAIN = {
    "ApiDomainName": "api.hedgehog.cloud",
    "ApiCertificateArn": "arn:aws:acm:us-west-2:111122223333:certificate/x",
}


@pytest.mark.parametrize(
    ("parameters", "callback"),
    [
        ({}, "https://hedgehog.cloud/auth/callback"),
        (API_DOMAIN, "https://api.hedgehog.cloud/auth/callback"),
        (
            {**API_DOMAIN, "CallbackUrl": "https://elsewhere.example/auth/callback"},
            "https://elsewhere.example/auth/callback",
        ),
    ],
    ids=["no-domain", "api-domain", "explicit"],
)
def test_the_callback_defaults_to_the_api_domain_and_cognito_and_the_functions_agree(parameters, callback):
    client = TEMPLATE["Resources"]["UserPoolClient"]["Properties"]
    assert evaluate(client["CallbackURLs"], parameters) == [callback]
    assert evaluate(GLOBAL_ENV["COGNITO_REDIRECT_URI"], parameters) == callback
    # Sign-out lands on the site, wherever the API lives; the logout function sends the same URL.
    assert evaluate(client["LogoutURLs"], parameters) == ["https://hedgehog.cloud/learn"]


@pytest.mark.parametrize("parameters", [{}, API_DOMAIN], ids=["no-domain", "api-domain"])
def test_with_an_api_domain_clients_use_it_and_only_it(parameters):
    domain = parameters.get("ApiDomainName")
    api = TEMPLATE["Resources"]["HttpApi"]["Properties"]
    outputs = TEMPLATE["Outputs"]
    assert evaluate(api["DisableExecuteApiEndpoint"], parameters) is bool(domain)
    execute_api = "https://<HttpApi>.execute-api.<AWS::Region>.<AWS::URLSuffix>"
    assert evaluate(outputs["HttpApiUrl"]["Value"], parameters) == (f"https://{domain}" if domain else execute_api)
    assert evaluate(outputs["ExecuteApiUrl"]["Value"], parameters) == execute_api
    for logical_id in ("ApiDomain", "ApiDomainMapping"):
        assert evaluate({"Condition": TEMPLATE["Resources"][logical_id]["Condition"]}, parameters) is bool(domain)
    with_zone = {**parameters, "HostedZoneId": "Z0123456789ABCDEFGHIJ"}
    record = TEMPLATE["Resources"]["ApiDnsRecord"]
    assert evaluate({"Condition": record["Condition"]}, with_zone) is bool(domain)
    assert evaluate({"Condition": record["Condition"]}, parameters) is False  # no zone: a CNAME to ApiDomainTarget


def test_an_email_change_counts_only_once_the_learner_confirms_it():
    """HubSpot contacts are keyed by email: an address the learner has not confirmed must never replace theirs."""
    pool = TEMPLATE["Resources"]["UserPool"]["Properties"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}


def test_access_tokens_live_15_minutes_and_refresh_tokens_30_days_rotating():
    client = TEMPLATE["Resources"]["UserPoolClient"]["Properties"]
    assert (client["AccessTokenValidity"], client["TokenValidityUnits"]["AccessToken"]) == (15, "minutes")
    assert (client["RefreshTokenValidity"], client["TokenValidityUnits"]["RefreshToken"]) == (30, "days")
    # /auth/refresh stores the rotated token; 30 s lets two tabs refresh with the same cookie at once.
    assert client["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}
    assert TEMPLATE["Resources"]["UserPool"]["Properties"]["UserPoolTier"] == "ESSENTIALS"


SES = {
    "SesIdentityArn": "arn:aws:ses:us-west-2:111122223333:identity/hedgehog.cloud",
    "SesFromAddress": "Hedgehog Learn <no-reply@hedgehog.cloud>",
}


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({}, {"EmailSendingAccount": "COGNITO_DEFAULT"}),
        (SES, {"EmailSendingAccount": "DEVELOPER", "SourceArn": SES["SesIdentityArn"], "From": SES["SesFromAddress"]}),
        (
            {**SES, "SesConfigurationSet": "hedgehog-learn"},
            {
                "EmailSendingAccount": "DEVELOPER",
                "SourceArn": SES["SesIdentityArn"],
                "From": SES["SesFromAddress"],
                "ConfigurationSet": "hedgehog-learn",
            },
        ),
    ],
    ids=["cognito-default", "ses", "ses-with-configuration-set"],
)
def test_the_pool_sends_email_through_ses_only_when_configured(parameters, expected):
    email = TEMPLATE["Resources"]["UserPool"]["Properties"]["EmailConfiguration"]
    assert evaluate(email, parameters) == expected


def test_the_secrets_extension_layer_comes_from_aws_table_for_the_region_and_architecture():
    table = TEMPLATE["Mappings"]["ParametersSecretsExtension"]
    assert "us-west-2" in table
    for region, row in table.items():
        account = r"\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension"
        assert re.fullmatch(rf"arn:aws:lambda:{region}:{account}-Arm64:\d+", row["arm64"]), region
        assert re.fullmatch(rf"arn:aws:lambda:{region}:{account}:\d+", row["x86"]), region
    (architecture,) = TEMPLATE["Globals"]["Function"]["Architectures"]
    column = {"arm64": "arm64", "x86_64": "x86"}[architecture]
    layer = {
        "Fn::If": [
            "DefaultExtensionLayer",
            {"Fn::FindInMap": ["ParametersSecretsExtension", {"Ref": "AWS::Region"}, column]},
            {"Ref": "ParametersSecretsExtensionLayerArn"},
        ]
    }
    users = [
        name
        for name, f in FUNCTIONS.items()
        if "ParametersSecretsExtension" in json.dumps(f["Properties"].get("Layers"))
    ]
    assert users
    for name in users:
        assert layer in FUNCTIONS[name]["Properties"]["Layers"], name


@pytest.mark.parametrize(("reserved", "expected"), [("0", []), ("3", ["3"])], ids=["unreserved", "reserved-3"])
def test_crm_sync_reserves_concurrency_only_when_asked_and_its_throttle_alarm_names_the_setting(reserved, expected):
    """Lambda keeps 100 of an account's concurrency unreserved: a fixed reservation fails the first deploy in a
    new account (quota 10), so 0 (the default) reserves nothing."""
    assert TEMPLATE["Parameters"]["CrmSyncReservedConcurrency"]["Default"] == 0
    function = {
        "ReservedConcurrentExecutions": FUNCTIONS["CrmSyncFunction"]["Properties"]["ReservedConcurrentExecutions"]
    }
    evaluated = evaluate(function, {"CrmSyncReservedConcurrency": reserved})
    assert list(evaluated.values()) == expected
    alarm = TEMPLATE["Resources"]["CrmSyncThrottlesAlarm"]["Properties"]["AlarmDescription"]
    assert f"reserved concurrency {reserved};" in evaluate(alarm, {"CrmSyncReservedConcurrency": reserved})


STREAM_EVENT_TYPES = ("DynamoDB", "Kinesis")


def concurrent_stream_batches(function: str) -> int:
    """The fewest batches Lambda runs at once for a function's stream event sources: one per shard (times the
    parallelization factor), and every stream has at least one shard."""
    events = (FUNCTIONS[function]["Properties"].get("Events") or {}).values()
    return sum(e["Properties"].get("ParallelizationFactor", 1) for e in events if e["Type"] in STREAM_EVENT_TYPES)


def test_crm_syncs_reservation_is_none_or_covers_every_stream_it_reads():
    """A reservation below one execution per shard throttles the sync under steady load (one progress write
    touches three tables at once); the template allows only 0 or at least that many, and prod's is one of them."""
    minimum = concurrent_stream_batches("CrmSyncFunction")
    assert minimum >= 3, "crm-sync reads the enrollments, progress and badges streams"
    allowed = {int(value) for value in TEMPLATE["Parameters"]["CrmSyncReservedConcurrency"]["AllowedValues"]}
    assert 0 in allowed and allowed - {0} and min(allowed - {0}) >= minimum, sorted(allowed)
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for env in STAGES:
        overrides = config[env]["deploy"]["parameters"]["parameter_overrides"]
        items = overrides.split() if isinstance(overrides, str) else overrides
        values = dict(item.split("=", 1) for item in items)
        assert int(values.get("CrmSyncReservedConcurrency", 0)) in allowed, env


def test_the_access_log_says_why_an_integration_failed():
    """A 5xx with no function log (timeout, crash, permission) is explained only by the integration fields."""
    api = TEMPLATE["Resources"]["HttpApi"]["Properties"]
    fields = json.loads(api["AccessLogSettings"]["Format"])
    for variable in (
        "$context.requestId",
        "$context.status",
        "$context.integration.status",
        "$context.integration.error",
        "$context.integrationErrorMessage",
        "$context.integration.requestId",
        "$context.error.message",
    ):
        assert variable in fields.values(), variable


def test_outputs_the_deployment_guide_and_scripts_read():
    outputs = TEMPLATE["Outputs"]
    for key in (
        "HttpApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "CognitoDomain",
        "UsersTableName",
        "EnrollmentsTableName",
        "ProgressTableName",
        "BadgesTableName",
    ):
        assert key in outputs, key
    assert "${HttpApi}.execute-api" in outputs["ExecuteApiUrl"]["Value"]["Fn::Sub"]
    for table in TABLES:
        assert outputs[f"{table.removesuffix('Table')}TableName"]["Value"] == {"Ref": table}


# ==================================================================== samconfig.toml and local/env.json
@pytest.mark.parametrize("env", STAGES)
def test_samconfig_deploys_each_stage_without_prompts(env):
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    deploy = config[env]["deploy"]["parameters"]
    assert deploy["stack_name"] == f"hedgehog-learn-{env}"
    assert config[env]["global"]["parameters"]["region"] == "us-west-2"
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    overrides = deploy["parameter_overrides"]
    overrides = dict(item.split("=", 1) for item in (overrides.split() if isinstance(overrides, str) else overrides))
    assert overrides["Stage"] == env
    assert set(overrides) <= set(TEMPLATE["Parameters"]), set(overrides) - set(TEMPLATE["Parameters"])
    assert f"stage={env}" in deploy["tags"].split()
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is False
    assert "build" in config["default"], "`sam build` must work with no flags"


def test_samconfig_prod_deploys_what_the_deployment_guide_asks_for():
    """CRM sync on with its token, alarms to an address, the API on the site's own domain (same-site cookies)."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())["prod"]["deploy"]["parameters"]
    overrides = dict(item.split("=", 1) for item in config["parameter_overrides"])
    assert overrides["EnableCrmProgress"] == "true"
    assert overrides["HubSpotTokenParameterName"] == "/hedgehog-learn/prod/hubspot-token"
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", overrides["AlarmEmail"])
    assert overrides["SiteBaseUrl"] == "https://hedgehog.cloud"
    assert overrides["AllowedOrigins"].split(",") == ["https://hedgehog.cloud", "https://www.hedgehog.cloud"]
    assert overrides["ApiDomainName"] == "api.hedgehog.cloud"
    certificate = TEMPLATE["Parameters"]["ApiCertificateArn"]["AllowedPattern"]
    assert re.fullmatch(certificate, overrides["ApiCertificateArn"]) and ":us-west-2:" in overrides["ApiCertificateArn"]
    assert "project=hedgehog-learn" in config["tags"].split()
    # sam deploy keeps the stack's ProtectData when not given it: set here, it would be on at the first create.
    assert "ProtectData" not in overrides


def test_sam_local_env_file_sets_only_declared_variables_and_loads():
    """`sam local --env-vars` ignores variables the template does not declare, so each must be declared;
    together they must satisfy the settings loader (AWS_REGION comes from sam local itself)."""
    env = json.loads((ROOT / "local" / "env.json").read_text())["Parameters"]
    assert set(env) <= set(GLOBAL_ENV)
    assert set(GUIDE_VARIABLES) <= set(env)
    assert load_settings({**env, "AWS_REGION": "us-west-2"}).stage == "dev"


# ==================================================================== route throttles
def test_public_routes_are_throttled_below_the_learners_routes():
    """A client hammering an anonymous route is refused (429) at that route's own, lower cap; every route
    named is one the template serves (a stage naming a missing route fails to deploy)."""
    api = TEMPLATE["Resources"]["HttpApi"]["Properties"]
    default = api["DefaultRouteSettings"]
    routes = {
        f"{e['Properties']['Method']} {e['Properties']['Path']}"
        for f in FUNCTIONS.values()
        for e in f["Properties"].get("Events", {}).values()
        if e["Type"] == "HttpApi"
    }
    settings = api["RouteSettings"]
    public = {"GET /catalog", "GET /auth/login", "GET /auth/callback", "GET /certificate/{certId}"}
    public |= {"GET /.well-known/jwks.json", "GET /issuer"}  # what verifiers of a credential fetch
    assert public <= set(settings)
    for route, limits in settings.items():
        assert route in routes, route
        assert limits["ThrottlingRateLimit"] < default["ThrottlingRateLimit"], route
        assert limits["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"], route


def test_a_throttled_route_raises_an_alarm_naming_the_route():
    resources = TEMPLATE["Resources"]
    metric_filter = resources["ApiThrottledRequestsMetricFilter"]["Properties"]
    assert metric_filter["LogGroupName"] == {"Ref": "HttpApiAccessLogGroup"}
    # API Gateway's own 429 never reached a function; the service's 429s (quiz limits) did.
    assert '$.status = "429"' in metric_filter["FilterPattern"]
    assert '$.integrationStatus = "-"' in metric_filter["FilterPattern"]
    (transformation,) = metric_filter["MetricTransformations"]
    assert transformation["Dimensions"] == [{"Key": "Route", "Value": "$.routeKey"}]
    alarm = resources["ApiRouteThrottledAlarm"]["Properties"]
    assert transformation["MetricName"] in alarm["Metrics"][0]["Expression"]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    access_log = resources["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
    assert '"routeKey":"$context.routeKey"' in access_log and '"integrationStatus":' in access_log
