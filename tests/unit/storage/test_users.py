"""The users table as the sign-in and the CRM sync use it (moto in-process)."""

from __future__ import annotations

import pytest
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import users

TABLE = "hedgehog-learn-local-users"


@pytest.fixture
def users_table(dynamodb):
    dynamodb_module.client.cache_clear()
    yield dynamodb
    dynamodb_module.client.cache_clear()


def test_upsert_creates_then_keeps_created_at(users_table):
    created = users.upsert_user("u1", {"email": "a@x.org", "displayName": "a@x.org"})
    assert created["createdAt"] == created["updatedAt"]
    updated = users.upsert_user("u1", {"email": "b@x.org", "givenName": "Bea", "displayName": "Bea"})
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] >= created["updatedAt"]
    assert updated["email"] == "b@x.org" and updated["givenName"] == "Bea"
    assert users.get_user("u1") == updated


def test_upsert_keeps_the_hubspot_contact_id(users_table):
    users.upsert_user("u1", {"email": "a@x.org"})
    assert users.set_hubspot_contact_id("u1", "901") is True
    assert users.upsert_user("u1", {"email": "a@x.org"})["hubspotContactId"] == "901"


def test_get_user_shapes_every_field(users_table):
    users.upsert_user("u1", {"email": "a@x.org"})
    user = users.get_user("u1")
    assert set(user) == set(users.USER_FIELDS)
    assert user["userId"] == "u1" and user["givenName"] is None and user["hubspotContactId"] is None


def test_unknown_user_is_none(users_table):
    assert users.get_user("nobody") is None


def test_contact_id_for_a_missing_user_creates_nothing(users_table):
    assert users.set_hubspot_contact_id("nobody", "901") is False
    assert users_table.scan(TableName=TABLE)["Items"] == []


def test_a_missing_table_is_a_storage_failure_not_a_traceback(users_table, monkeypatch):
    from hhl.storage.errors import StorageFailed

    monkeypatch.setenv("DYNAMODB_USERS_TABLE", "no-such-table")
    from hhl.config import settings

    settings.cache_clear()
    try:
        with pytest.raises(StorageFailed):
            users.get_user("u1")
    finally:
        settings.cache_clear()
