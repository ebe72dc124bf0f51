"""The environment a local-stage handler sees in the unit tests (the `service_env` fixture sets it), and the
secrets the `secrets_extension` fixture stores for it."""

from __future__ import annotations

from kit.template import secret_ids

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
    "DYNAMODB_CERTIFICATES_TABLE": "hedgehog-learn-local-certificates",
    "DYNAMODB_TASKS_TABLE": "hedgehog-learn-local-tasks",
    "DYNAMODB_ENDED_SESSIONS_TABLE": "hedgehog-learn-local-ended-sessions",
    "DYNAMODB_CRM_SENDS_TABLE": "hedgehog-learn-local-crm-sends",
    "DYNAMODB_ERASURES_TABLE": "hedgehog-learn-local-erasures",
    "ENABLE_CRM_PROGRESS": "false",
    **secret_ids("local"),
    "POWERTOOLS_METRICS_NAMESPACE": "HedgehogLearn",
    # moto answers a 1 MB Query page in seconds on a loaded 2-core machine; DynamoDB in milliseconds.
    "DYNAMODB_READ_TIMEOUT_SECONDS": "20",
    "HHL_FUNCTION_TIMEOUT_SECONDS": "120",
}
UNIT_JWT_SECRET = "unit-test-secret-that-is-at-least-32-characters-long"
UNIT_SESSION_TOKEN = "unit-session-token"
UNIT_CLIENT_SECRET = "unit-app-client-secret-0123456789abcdefghij"
