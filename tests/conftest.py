"""Fixtures shared by every test suite.

Unit tests run handlers in-process against moto (`dynamodb`); integration and browser tests share
one real local stack per session (`local_stack`), over HTTP on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from local.lambda_context import LambdaContext
from local.launcher import StackInfo, launch_stack
from local.template import table_specs

UNIT_ENV = {
    "APP_STAGE": "local",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "SITE_BASE_URL": "http://127.0.0.1:3000",
    "ALLOWED_ORIGINS": "http://127.0.0.1:3000,http://localhost:3000",
    "COGNITO_USER_POOL_ID": "us-east-1_unitpool",
    "COGNITO_CLIENT_ID": "unit-client-id",
    "COGNITO_DOMAIN": "127.0.0.1:9229",
    "COGNITO_REDIRECT_URI": "http://127.0.0.1:3000/auth/callback",
    "COGNITO_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_unitpool",
    "COGNITO_JWKS_URL": "http://127.0.0.1:1/us-east-1_unitpool/.well-known/jwks.json",
    "DYNAMODB_USERS_TABLE": "hedgehog-learn-local-users",
    "DYNAMODB_ENROLLMENTS_TABLE": "hedgehog-learn-local-enrollments",
    "DYNAMODB_PROGRESS_TABLE": "hedgehog-learn-local-progress",
    "DYNAMODB_BADGES_TABLE": "hedgehog-learn-local-badges",
    "ENABLE_CRM_PROGRESS": "false",
    "JWT_SECRET": "unit-test-secret-that-is-at-least-32-characters-long",
    "POWERTOOLS_METRICS_NAMESPACE": "HedgehogLearn",
}


@pytest.fixture
def service_env(monkeypatch):
    """The environment a local-stage handler sees; tests override single variables with monkeypatch."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in UNIT_ENV.items():
        monkeypatch.setenv(name, value)
    return dict(UNIT_ENV)


@pytest.fixture
def lambda_context():
    return LambdaContext()


@pytest.fixture
def dynamodb(service_env):
    """moto in-process with the template's four tables; yields a boto3 DynamoDB client."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=service_env["AWS_REGION"])
        for spec in table_specs("local"):
            client.create_table(**spec.create_table_args)
        yield client


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory) -> Iterator[StackInfo]:
    """The shared stack (CRM sync off): stack.json as a StackInfo, plus log_file and state_dir."""
    with launch_stack(tmp_path_factory.mktemp("local-stack")) as stack:
        yield stack
