"""`make dev`: the docker-free local stack.

moto (server mode, subprocess) emulates DynamoDB, Cognito and SSM; the tables, user pool, app client
and secrets are provisioned from template.yaml; the hosted UI, the API and a stand-in of the Parameters
and Secrets Lambda Extension run here on loopback; the handlers run in-process with the environment
they would get in Lambda, secrets' names only. Ctrl-C or SIGTERM stops everything.

Shaped like production (local/site_server.py): the demo site at http://www.hedgehog.localhost:<site port>,
the API for browsers at http://api.hedgehog.localhost:<api port> (same-site, cross-origin, as hedgehog.cloud
and api.hedgehog.cloud), the hosted UI on another site (http://127.0.0.1:<cognito port>), and the API for
curl and Python at http://127.0.0.1:<api port> (Python's resolver does not know *.localhost).

Ports: HHL_API_PORT (3000), HHL_SITE_PORT (8000), HHL_AWS_PORT (5000), HHL_COGNITO_PORT (9229), and
PARAMETERS_SECRETS_EXTENSION_HTTP_PORT (2773: the real extension's variable and default); HHL_FAULT_PROXY_PORT
(unset: none) puts local/fault_proxy.py between the handlers and the emulator's DynamoDB, for fault tests.
Origins: HHL_SITE_ORIGIN (where sign-in and sign-out land; default the demo site), HHL_ALLOWED_ORIGINS
(more origins the API accepts, comma-separated, e.g. a theme dev server). State dir: HHL_STATE_DIR (.local).
Content: HHL_CONTENT_DIR (the site repository's content/ folder) is compiled at start into <state dir>/catalog,
which the handlers read (HHL_CATALOG_DIR, honoured only at APP_STAGE=local); without it, the shipped catalog.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kit.template import ROOT, queue_names, secret_ids, table_specs, user_pool_args, user_pool_client_args
from local import fault_proxy, secrets_extension

HOST = "127.0.0.1"
SITE_HOST = "www.hedgehog.localhost"  # hedgehog.cloud's pages
API_HOST = "api.hedgehog.localhost"  # api.hedgehog.cloud
REGION = "us-east-1"
STAGE = "local"
EMULATOR_START_TIMEOUT_SECONDS = 30
DEMO_USER = {
    "email": "demo@example.com",
    "password": "HedgehogDemo2026",  # meets the template's password policy; local only
    "given_name": "Demo",
    "family_name": "Learner",
}
# moto puts only the attributes a client may read into ID tokens and defaults to none; Cognito defaults to all.
READ_ATTRIBUTES = ["email", "email_verified", "given_name", "family_name"]


class StackError(RuntimeError):
    pass


FAULT_PROXY_PORT_VARIABLE = "HHL_FAULT_PROXY_PORT"
PORT_DEFAULTS = {
    "HHL_API_PORT": 3000,
    "HHL_SITE_PORT": 8000,
    "HHL_AWS_PORT": 5000,
    "HHL_COGNITO_PORT": 9229,
    secrets_extension.PORT_VARIABLE: secrets_extension.DEFAULT_PORT,
}


def _port(variable: str) -> int:
    value = os.environ.get(variable, "").strip() or str(PORT_DEFAULTS[variable])
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise StackError(f"{variable} must be a TCP port number from 1 to 65535, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Ports:
    api: int
    site: int
    aws: int
    cognito: int
    extension: int
    fault_proxy: int | None = None  # HHL_FAULT_PROXY_PORT: the handlers reach DynamoDB through the fault proxy

    @classmethod
    def from_env(cls) -> Ports:
        return cls(
            api=_port("HHL_API_PORT"),
            site=_port("HHL_SITE_PORT"),
            aws=_port("HHL_AWS_PORT"),
            cognito=_port("HHL_COGNITO_PORT"),
            extension=_port(secrets_extension.PORT_VARIABLE),
            fault_proxy=_port(FAULT_PROXY_PORT_VARIABLE)
            if os.environ.get(FAULT_PROXY_PORT_VARIABLE, "").strip()
            else None,
        )


def _origin(variable: str, value: str) -> str:
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise StackError(f"{variable}: {value.strip()!r} is not an origin like http://www.hedgehog.localhost:8000")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Origins:
    """Where each part is reached from, shaped like production."""

    api: str  # curl and Python: http://127.0.0.1:<api port>
    site_api: str  # the site's pages: http://api.hedgehog.localhost:<api port>
    demo_site: str  # the demo page's origin: http://www.hedgehog.localhost:<site port>
    site: str  # SITE_BASE_URL, where sign-in and sign-out land: HHL_SITE_ORIGIN, else the demo site
    allowed: tuple[str, ...]  # ALLOWED_ORIGINS: the site, the demo site and HHL_ALLOWED_ORIGINS
    cognito: str  # the hosted UI, on a site of its own as Cognito's domain is

    @classmethod
    def from_env(cls, ports: Ports) -> Origins:
        demo_site = f"http://{SITE_HOST}:{ports.site}"
        site = (
            _origin("HHL_SITE_ORIGIN", os.environ["HHL_SITE_ORIGIN"])
            if os.environ.get("HHL_SITE_ORIGIN")
            else demo_site
        )
        extra = [
            _origin("HHL_ALLOWED_ORIGINS", o) for o in os.environ.get("HHL_ALLOWED_ORIGINS", "").split(",") if o.strip()
        ]
        return cls(
            api=f"http://{HOST}:{ports.api}",
            site_api=f"http://{API_HOST}:{ports.api}",
            demo_site=demo_site,
            site=site,
            allowed=tuple(dict.fromkeys([site, demo_site, *extra])),
            cognito=f"http://{HOST}:{ports.cognito}",
        )


# ==================================================================== the AWS emulator
def ensure_ports_free(ports: Ports) -> None:
    """Fail before starting anything, naming the variable that moves the busy port."""
    named = (
        ("HHL_API_PORT", ports.api),
        ("HHL_SITE_PORT", ports.site),
        ("HHL_AWS_PORT", ports.aws),
        ("HHL_COGNITO_PORT", ports.cognito),
        (secrets_extension.PORT_VARIABLE, ports.extension),
        *([(FAULT_PROXY_PORT_VARIABLE, ports.fault_proxy)] if ports.fault_proxy else []),
    )
    for variable, port in named:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                raise StackError(f"{HOST}:{port} is in use; stop what listens there or set {variable} to another port")


# A secret given to `make dev` (e.g. the token `make fake-hubspot` prints) -> the variable naming its parameter.
SEEDABLE_SECRETS = {
    "HUBSPOT_PRIVATE_APP_TOKEN": "HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER",
    "JWT_SECRET": "JWT_SECRET_PARAMETER",
}


def take_seeded_secrets() -> dict[str, str]:
    """Secrets given to the stack in its environment, taken out of it: they go into the emulator's SSM (as
    `aws ssm put-parameter` puts them into AWS's), and no in-process handler can find them in os.environ."""
    return {variable: os.environ.pop(name) for name, variable in SEEDABLE_SECRETS.items() if os.environ.get(name)}


def _die_with_parent() -> None:
    """Linux: the emulator gets SIGTERM if this stack dies, even by SIGKILL, so it never outlives it."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_emulator(port: int, log_path: Path) -> subprocess.Popen:
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter running moto
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Safe here: no thread has been started yet (preexec_fn and threads do not mix).
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    deadline = time.monotonic() + EMULATOR_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"the AWS emulator exited with code {process.returncode}; see {log_path}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/", timeout=1):
            return process
        time.sleep(0.1)
    stop_process(process)
    raise StackError(f"the AWS emulator did not answer on port {port} within {EMULATOR_START_TIMEOUT_SECONDS}s")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def provision(origins: Origins, seeded: dict[str, str]) -> dict:
    """Tables, user pool, app client, secrets and demo user, from template.yaml. Returns the ids."""
    import boto3  # after the emulator's endpoint is in os.environ

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for spec in table_specs(STAGE):
        dynamodb.create_table(**spec.create_table_args)
    sqs = boto3.client("sqs", region_name=REGION)
    for queue in queue_names(STAGE).values():  # the stream consumers' on-failure destinations
        sqs.create_queue(QueueName=queue)
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = cognito.create_user_pool(PoolName=f"hedgehog-learn-{STAGE}", **user_pool_args())["UserPool"]["Id"]
    client_args = user_pool_client_args()
    client = cognito.create_user_pool_client(
        **{
            **client_args,
            "UserPoolId": pool_id,
            "ClientName": f"hedgehog-learn-{STAGE}-web",
            "CallbackURLs": [f"{origins.site_api}/auth/callback"],
            "LogoutURLs": [f"{origins.site}/learn"],
            # The local hosted UI checks passwords through the admin API; Cognito's own UI needs no flow for that.
            "ExplicitAuthFlows": [*client_args["ExplicitAuthFlows"], "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
            "ReadAttributes": READ_ATTRIBUTES,
        }
    )["UserPoolClient"]
    create_user(cognito, pool_id, **DEMO_USER)
    store_secrets(boto3.client("ssm", region_name=REGION), seeded)
    # As the template's CognitoClientSecret does from the client's ClientSecret attribute.
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=secret_ids(STAGE)["COGNITO_CLIENT_SECRET_ID"], SecretString=client["ClientSecret"]
    )
    # As the template's CertificateSigningKey: an asymmetric P-256 key only KMS holds the private half of.
    signing_key = boto3.client("kms", region_name=REGION).create_key(
        Description="hedgehog-learn-local certificate credentials (ES256)",
        KeySpec="ECC_NIST_P256",
        KeyUsage="SIGN_VERIFY",
    )["KeyMetadata"]["KeyId"]
    return {"user_pool_id": pool_id, "client_id": client["ClientId"], "certificate_signing_key_id": signing_key}


TOKEN_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
ACCESS_TOKEN_MINUTES_VARIABLE = "HHL_ACCESS_TOKEN_MINUTES"


def token_policy():
    """The app client's access token lifetime and refresh-token rotation, as template.yaml sets them; the
    lifetime shortened by HHL_ACCESS_TOKEN_MINUTES (decimals allowed, e.g. 0.5) to try expiry for real."""
    client = user_pool_client_args()
    unit = client.get("TokenValidityUnits", {}).get("AccessToken", "hours")
    seconds = int(client.get("AccessTokenValidity", 1) * TOKEN_UNITS[unit])
    override = os.environ.get(ACCESS_TOKEN_MINUTES_VARIABLE, "").strip()
    if override:
        try:
            seconds = round(float(override) * 60)
        except ValueError:
            seconds = 0
        if not 0 < seconds <= 24 * 3600:
            raise SystemExit(f"{ACCESS_TOKEN_MINUTES_VARIABLE} must be a number of minutes between 0 and 1440")
    from local.hosted_ui import TokenPolicy

    rotation = client.get("RefreshTokenRotation", {})
    return TokenPolicy(
        access_token_seconds=seconds,
        rotation=rotation.get("Feature") == "ENABLED",
        grace_seconds=int(rotation.get("RetryGracePeriodSeconds", 0)),
    )


def store_secrets(ssm, seeded: dict[str, str]) -> None:
    """The SecureStrings AWS keeps for a stage, under the template's names: the seeded ones, and a random
    JWT secret per run unless one was given."""
    names = secret_ids(STAGE)
    values = {"JWT_SECRET_PARAMETER": secrets.token_urlsafe(48), **seeded}
    for variable, value in values.items():
        ssm.put_parameter(Name=names[variable], Type="SecureString", Value=value, Overwrite=True)


def create_user(cognito, pool_id: str, email: str, password: str, given_name: str, family_name: str) -> str:
    """A confirmed user with a permanent password (tests reuse this for multi-user scenarios)."""
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "given_name", "Value": given_name},
            {"Name": "family_name", "Value": family_name},
        ],
    )["User"]
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    return next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")


# ==================================================================== the handlers' environment
def aws_environment(ports: Ports) -> dict[str, str]:
    return {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ENDPOINT_URL": f"http://{HOST}:{ports.aws}",
    }


def handler_environment(ports: Ports, origins: Origins, ids: dict) -> dict[str, str]:
    """What template.yaml's Globals give each function in AWS, with local values; secrets by name only,
    read through the extension stand-in with this run's session token, as Lambda's functions do."""
    env = {
        **aws_environment(ports),
        "APP_STAGE": STAGE,
        "SITE_BASE_URL": origins.site,
        "ALLOWED_ORIGINS": ",".join(origins.allowed),
        "COGNITO_USER_POOL_ID": ids["user_pool_id"],
        "COGNITO_CLIENT_ID": ids["client_id"],
        "COGNITO_DOMAIN": f"{HOST}:{ports.cognito}",
        "COGNITO_REDIRECT_URI": f"{origins.site_api}/auth/callback",
        # moto signs with the AWS-form issuer but serves the JWKS from its own endpoint.
        "COGNITO_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{ids['user_pool_id']}",
        "COGNITO_JWKS_URL": f"http://{HOST}:{ports.aws}/{ids['user_pool_id']}/.well-known/jwks.json",
        # GetTokensFromRefreshToken, which moto lacks, is answered by the hosted UI stand-in.
        "COGNITO_API_URL": f"http://{HOST}:{ports.cognito}",
        **{spec.env_var: spec.name for spec in table_specs(STAGE)},
        "CERTIFICATE_SIGNING_KEY_ID": ids["certificate_signing_key_id"],
        "ENABLE_CRM_PROGRESS": os.environ.get("ENABLE_CRM_PROGRESS", "false"),
        **secret_ids(STAGE),
        "AWS_SESSION_TOKEN": secrets.token_urlsafe(32),
        secrets_extension.PORT_VARIABLE: str(ports.extension),
        "POWERTOOLS_SERVICE_NAME": "hedgehog-learn",
        "POWERTOOLS_METRICS_NAMESPACE": "HedgehogLearn",
    }
    if ports.fault_proxy:  # DynamoDB only: KMS, Cognito and SSM stay direct
        env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://{HOST}:{ports.fault_proxy}"
    if os.environ.get("HUBSPOT_API_BASE_URL"):
        env["HUBSPOT_API_BASE_URL"] = os.environ["HUBSPOT_API_BASE_URL"]
    for shortened_for_tests in ("HHL_RECENT_SIGN_IN_SECONDS", "HHL_ERASURE_SETTLE_SECONDS"):  # local stage only
        if os.environ.get(shortened_for_tests):
            env[shortened_for_tests] = os.environ[shortened_for_tests]
    return env


def compile_content(state_dir: Path) -> tuple[dict[str, str], str]:
    """HHL_CONTENT_DIR compiled as `make catalog` compiles it, into the state dir: the handlers' HHL_CATALOG_DIR
    and a line for the banner. Without it, no variable: the handlers read the catalog the layer ships."""
    content = os.environ.get("HHL_CONTENT_DIR", "").strip()
    if not content:
        return {}, "the catalog the layer ships (HHL_CONTENT_DIR=<site>/content serves a content tree)"
    from tools.content_catalog import ContentError, compile_tree, write_compiled  # puts the layers on sys.path

    try:
        compiled = compile_tree(Path(content))
    except ContentError as error:
        raise StackError(f"HHL_CONTENT_DIR={content}: {error}") from error
    out = state_dir / "catalog"
    write_compiled(compiled, out)
    counts = f"{len(compiled.catalog['courses'])} courses, {len(compiled.catalog['modules'])} modules"
    return {"HHL_CATALOG_DIR": str(out)}, f"{Path(content).resolve()} ({counts})"


def write_state(path: Path, state: dict) -> None:
    """Atomically, readable by the owner only: it holds the demo password and the run's session token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(state, out, indent=2)
    tmp.replace(path)


# ==================================================================== run
def claim_state_dir(state_dir: Path) -> None:
    """Hold an exclusive lock on <state dir>/stack.lock while this stack runs (the kernel drops it when the
    process ends, however it ends), so a second stack from the same checkout stops here, before it touches
    the running one's stack.json or emulator log."""
    state_dir.mkdir(parents=True, exist_ok=True)
    lock = os.open(state_dir / "stack.lock", os.O_RDWR | os.O_CREAT, 0o600)  # open until the process exits
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        running = json.loads((state_dir / "stack.json").read_text()) if (state_dir / "stack.json").exists() else {}
        raise StackError(
            f"a local stack is already running from {state_dir} (pid {running.get('pid', '?')}, "
            f"site {running.get('site_url', '?')}); stop it first, or give this one another HHL_STATE_DIR and ports"
        ) from None


def wait_until_stopped(stopping: threading.Event, emulator: subprocess.Popen, emulator_log: Path) -> None:
    """Until Ctrl-C/SIGTERM; with HHL_EXIT_WITH_PARENT=1 (tests) also until the launching process is gone,
    so a test session killed without teardown leaves no stack behind. Raises if the emulator dies: every
    request would fail, so the stack says so and exits rather than serve 502s."""
    parent = os.getppid()
    watch_parent = os.environ.get("HHL_EXIT_WITH_PARENT") == "1"
    while not stopping.wait(1.0):
        if emulator.poll() is not None:
            raise StackError(f"the AWS emulator exited with code {emulator.returncode} (see {emulator_log}); stopping")
        if watch_parent and os.getppid() != parent:
            print("local stack: launching process is gone, stopping", flush=True)
            return


def run() -> None:
    ports = Ports.from_env()
    origins = Origins.from_env(ports)
    site_url = f"{origins.demo_site}/learn"
    state_dir = Path(os.environ.get("HHL_STATE_DIR", ROOT / ".local")).resolve()
    claim_state_dir(state_dir)
    state_file = state_dir / "stack.json"
    state_file.unlink(missing_ok=True)  # a stale one from a stack that was killed

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())

    ensure_ports_free(ports)
    catalog_env, catalog_line = compile_content(state_dir)  # before anything starts: a broken tree stops here
    seeded = take_seeded_secrets()
    os.environ.update(aws_environment(ports))
    emulator_log = state_dir / "emulator.log"
    emulator = start_emulator(ports.aws, emulator_log)
    servers = []
    pollers = []
    try:
        ids = provision(origins, seeded)
        env = {**handler_environment(ports, origins, ids), **catalog_env}
        emulator_url = os.environ["AWS_ENDPOINT_URL"]
        os.environ.update(env)  # before any handler is imported: settings are read once, at import

        import boto3

        from local import api_gateway, hosted_ui, site_server

        ui = hosted_ui.HostedUI(boto3.client("cognito-idp", region_name=REGION), ids["user_pool_id"], token_policy())
        # Clients made here, once: boto3's default session is not safe to use from the server's threads.
        stores = {service: boto3.client(service, region_name=REGION) for service in ("ssm", "secretsmanager")}
        extension = secrets_extension.SecretsExtension(env["AWS_SESSION_TOKEN"], stores.__getitem__)
        servers = [
            secrets_extension.serve(extension, HOST, ports.extension),
            hosted_ui.serve(ui, HOST, ports.cognito),
            api_gateway.serve(api_gateway.Router(origins.allowed), HOST, ports.api),
            site_server.serve(origins.site_api, HOST, ports.site),
        ]
        if ports.fault_proxy:
            servers.append(fault_proxy.serve(emulator_url, HOST, ports.fault_proxy))
        for server in servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        from local import stream_poller

        # Lambda's stream event source mappings: awards and erasure always, crm_sync when the CRM is on.
        # They read the emulator's streams directly, as Lambda's service does, never through the fault proxy.
        pollers = [
            stream_poller.start(STAGE, REGION, emulator_url, stream_poller.AWARDS_FUNCTION),
            stream_poller.start(STAGE, REGION, emulator_url, stream_poller.ERASURE_FUNCTION),
        ]
        if env["ENABLE_CRM_PROGRESS"] == "true":
            pollers.append(stream_poller.start(STAGE, REGION, emulator_url))

        write_state(
            state_file,
            {
                "pid": os.getpid(),
                "api_url": origins.api,
                "site_url": site_url,
                "site_api_url": origins.site_api,
                "aws_endpoint_url": env["AWS_ENDPOINT_URL"],
                "emulator_pid": emulator.pid,  # fault tests stall the emulator (SIGSTOP) to fake an outage
                "fault_proxy_url": f"http://{HOST}:{ports.fault_proxy}" if ports.fault_proxy else None,
                "region": REGION,
                "user_pool_id": ids["user_pool_id"],
                "client_id": ids["client_id"],
                "cognito_base_url": origins.cognito,
                "secrets_extension_url": f"http://{HOST}:{ports.extension}",
                "demo_user": {
                    "username": DEMO_USER["email"],
                    "password": DEMO_USER["password"],
                    "email": DEMO_USER["email"],
                },
                "handler_env": env,  # dev-only values; secrets are in the emulator's SSM, by these names
            },
        )
        proxy_note = (
            f"  (DynamoDB through the fault proxy {env['AWS_ENDPOINT_URL_DYNAMODB']})" if ports.fault_proxy else ""
        )
        print(
            f"\nHedgehog Learn local stack is up\n"
            f"  site           {site_url}   (Chromium resolves *.localhost to loopback by itself)\n"
            f"  API            {origins.site_api} for the site's pages, {origins.api} for curl\n"
            f"  site origin    {origins.site}   (HHL_SITE_ORIGIN: sign-in returns here, sign-out lands on /learn)\n"
            f"  allowed        {', '.join(origins.allowed)}   (CORS and CSRF; HHL_ALLOWED_ORIGINS adds more)\n"
            f"  hosted UI      {origins.cognito}\n"
            f"  AWS emulator   {env['AWS_ENDPOINT_URL']}{proxy_note}\n"
            f"  secrets        http://{HOST}:{ports.extension}  (Parameters and Secrets extension stand-in)\n"
            f"  demo login     {DEMO_USER['email']} / {DEMO_USER['password']}\n"
            f"  catalog        {catalog_line}\n"
            f"  state          {state_file}\n"
            f"Ctrl-C stops everything.\n",
            flush=True,
        )
        wait_until_stopped(stopping, emulator, emulator_log)
    finally:
        for poller in pollers:
            poller.stop()
        for server in servers:
            server.shutdown()
            server.server_close()
        stop_process(emulator)
        state_file.unlink(missing_ok=True)
        print("local stack stopped", flush=True)


def main() -> int:
    try:
        run()
    except (StackError, OSError) as exc:  # OSError: typically a port already in use
        print(f"local stack: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
