"""Cognito's admin API, for the one call the service makes with its own credentials: AdminDeleteUser.

The thin signed JSON client the storage layer uses for DynamoDB (hhl.storage.dynamodb_client), pointed at
cognito-idp: no boto3 in a function. A user who is already gone counts as deleted, so erasing twice is harmless.
"""

from __future__ import annotations

import functools

from hhl.config import settings
from hhl.deadline import DeadlineExceeded
from hhl.observability import logger
from hhl.storage.dynamodb_client import DynamoDB, DynamoDBError, DynamoDBUnreachable

USER_NOT_FOUND = "UserNotFoundException"


class CognitoUnavailable(Exception):
    """Cognito did not delete the user (error answer, unreachable, out of time): retrying should."""


class CognitoIdentityProvider(DynamoDB):
    SERVICE = "cognito-idp"
    TARGET_PREFIX = "AWSCognitoIdentityProviderService."
    CONTENT_TYPE = "application/x-amz-json-1.1"


@functools.cache
def client() -> CognitoIdentityProvider:
    return CognitoIdentityProvider()


def delete_user(username: str) -> bool:
    """Delete the pool's user `username` (the `sub` works too); False when there was none."""
    try:
        client().call("AdminDeleteUser", {"UserPoolId": settings().user_pool_id, "Username": username})
    except DynamoDBError as exc:
        if exc.code == USER_NOT_FOUND:
            return False
        logger.warning("cognito call failed", extra={"operation": "AdminDeleteUser", "code": exc.code})
        raise CognitoUnavailable(exc.code) from None
    except (DynamoDBUnreachable, DeadlineExceeded) as exc:
        logger.warning("cognito unreachable", extra={"operation": "AdminDeleteUser", "error": type(exc).__name__})
        raise CognitoUnavailable(type(exc).__name__) from None
    return True
