"""Integration-test helpers; the shared `local_stack` fixture itself is in tests/conftest.py so the
browser tests use the same stack instance."""

from __future__ import annotations

import pytest

from local.launcher import StackInfo
from local.stack import create_user as _create_cognito_user


def _create_user(stack: StackInfo, email: str, password: str, given_name: str, family_name: str) -> str:
    """A confirmed user in the stack's pool, able to sign in through the hosted UI; returns its sub."""
    return _create_cognito_user(stack.cognito(), stack["user_pool_id"], email, password, given_name, family_name)


@pytest.fixture(scope="session")
def create_user():
    """create_user(stack, email, password, given_name, family_name) -> sub, for multi-user tests."""
    return _create_user
