"""Fixtures shared by every test suite.

Unit tests run handlers in-process against moto (`aws`), reading their secrets through the stand-in of
the Parameters and Secrets extension on a free loopback port (`secrets_extension`), as in AWS;
integration and browser tests share one real local stack per session (`local_stack`), over HTTP on loopback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import botocore.loaders
import botocore.session
import pytest
from hhl import secret_store
from moto import mock_aws
from moto.server import ThreadedMotoServer

from kit.template import table_specs
from local import secrets_extension as extension_module
from local.lambda_context import LambdaContext
from local.launcher import StackInfo, launch_stack
from tests.catalog_dirs import FIXTURE_CONTENT, forget_loaded_catalog, use_catalog_dir
from tests.support.stack_env import ERASURE_SETTLE_SECONDS_IN_TESTS
from tests.support.unit_env import UNIT_CLIENT_SECRET, UNIT_ENV, UNIT_JWT_SECRET, UNIT_SESSION_TOKEN


@pytest.fixture(scope="session", autouse=True)
def shortened_erasure_wait() -> Iterator[None]:
    """Every stack launched and operator tool run in this session inherits it (tests/support/stack_env.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HHL_ERASURE_SETTLE_SECONDS", ERASURE_SETTLE_SECONDS_IN_TESTS)
        yield


@pytest.fixture
def service_env(monkeypatch):
    """The environment a local-stage handler sees; tests override single variables with monkeypatch."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in UNIT_ENV.items():
        monkeypatch.setenv(name, value)
    return dict(UNIT_ENV)


@pytest.fixture
def serve_catalog(service_env, monkeypatch) -> Iterator:
    """serve_catalog(directory): this test's handlers read the compiled catalog in `directory`
    (HHL_CATALOG_DIR, as the local stack sets it); every cached copy is dropped again afterwards."""
    yield lambda directory: use_catalog_dir(directory, monkeypatch)
    forget_loaded_catalog()


@pytest.fixture
def lambda_context():
    return LambdaContext()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server on loopback, in this process: it serves the same backends as `mock_aws`, so the
    handlers' thin DynamoDB client (real HTTP) and the tests' boto3 clients (mocked) see the same tables."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


# One loader for every test's boto3 session: it caches the service models it reads. mock_aws starts each test
# with no default session, and a new session would read and parse those JSON files again (0.15 s a test).
_SERVICE_MODELS = botocore.loaders.create_loader()


@pytest.fixture
def aws(service_env):
    """moto in-process, for every AWS service the handlers and the extension stand-in call."""
    with mock_aws():
        core = botocore.session.get_session()
        core.register_component("data_loader", _SERVICE_MODELS)
        boto3.setup_default_session(botocore_session=core)  # mock_aws puts the previous one back when it stops
        yield


@dataclass
class LocalSecrets:
    """The stand-in extension serving moto's SSM and Secrets Manager on `port`."""

    extension: extension_module.SecretsExtension
    port: int
    region: str
    ssm: object  # the test's boto3 SSM client, made once: making one costs more than the call

    def store(self, variable: str, value: str) -> None:
        """Store (or rotate) the SecureString the handlers' `variable` (e.g. JWT_SECRET_PARAMETER) names."""
        self.ssm.put_parameter(Name=UNIT_ENV[variable], Type="SecureString", Value=value, Overwrite=True)


@pytest.fixture
def secrets_extension(aws, service_env, monkeypatch) -> Iterator[LocalSecrets]:
    """The Parameters and Secrets extension stand-in on a free port, over moto, holding the JWT secret and
    the app client's secret; the container's secret cache starts (and ends) empty."""
    region = service_env["AWS_REGION"]
    stores = {service: boto3.client(service, region_name=region) for service in ("ssm", "secretsmanager")}
    extension = extension_module.SecretsExtension(UNIT_SESSION_TOKEN, stores.__getitem__)
    server = extension_module.serve(extension, "127.0.0.1", 0)
    # A short poll: shutdown() waits for the loop to notice, and every test using the stand-in stops it.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()
    monkeypatch.setenv(extension_module.PORT_VARIABLE, str(server.server_address[1]))
    monkeypatch.setenv("AWS_SESSION_TOKEN", UNIT_SESSION_TOKEN)
    local = LocalSecrets(extension, server.server_address[1], region, stores["ssm"])
    local.store("JWT_SECRET_PARAMETER", UNIT_JWT_SECRET)
    stores["secretsmanager"].create_secret(Name=UNIT_ENV["COGNITO_CLIENT_SECRET_ID"], SecretString=UNIT_CLIENT_SECRET)
    secret_store.clear_cache()
    yield local
    secret_store.clear_cache()
    server.shutdown()
    server.server_close()


@pytest.fixture
def dynamodb(aws, secrets_extension, service_env, moto_server, monkeypatch):
    """moto with the template's four tables (and the handlers' secrets), reached by the handlers' thin client
    over loopback HTTP; yields a boto3 DynamoDB client."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_server)
    # AWS's own endpoint, which mock_aws answers in-process: the tests' reads stay as fast as before.
    region = service_env["AWS_REGION"]
    client = boto3.client("dynamodb", region_name=region, endpoint_url=f"https://dynamodb.{region}.amazonaws.com")
    for spec in table_specs("local"):
        client.create_table(**spec.create_table_args)
    return client


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory) -> Iterator[StackInfo]:
    """The shared stack (CRM sync off): stack.json as a StackInfo, plus log_file and state_dir."""
    with launch_stack(tmp_path_factory.mktemp("local-stack")) as stack:
        yield stack


@pytest.fixture(scope="session")
def content_stack(tmp_path_factory) -> Iterator[StackInfo]:
    """A stack serving the test content tree (tests/fixtures/content: quizzes, labs, two courses, a pathway)
    as `make dev HHL_CONTENT_DIR=...` serves a site's: for the task, status and browser tests."""
    with launch_stack(tmp_path_factory.mktemp("content-stack"), HHL_CONTENT_DIR=str(FIXTURE_CONTENT)) as stack:
        yield stack


@pytest.fixture
def certificate_signing_key(dynamodb, moto_server, service_env, monkeypatch) -> Iterator[str]:
    """An ECC_NIST_P256 signing key in moto's KMS, named to the handlers as the template names it; its id."""
    from hhl.signing import keys, kms

    key_id = boto3.client("kms", region_name=service_env["AWS_REGION"]).create_key(
        KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY"
    )["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", moto_server)
    monkeypatch.setenv(keys.SIGNING_KEY_VARIABLE, key_id)
    kms.client.cache_clear()
    keys.published_key.cache_clear()
    yield key_id
    kms.client.cache_clear()
    keys.published_key.cache_clear()
