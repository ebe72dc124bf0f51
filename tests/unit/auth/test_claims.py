"""The learner's profile as a verified ID token states it: what the sign-in stores in the users table."""

from __future__ import annotations

import pytest
from hhl.auth.claims import profile_from_id_token


def test_profile_from_an_id_token():
    claims = {
        "email": "ada@example.com",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "sub": "s",
    }
    assert profile_from_id_token(claims) == {
        "email": "ada@example.com",
        "givenName": "Ada",
        "familyName": "Lovelace",
        "displayName": "Ada Lovelace",
    }


@pytest.mark.parametrize(
    ("claims", "display_name"),
    [
        ({"name": "Countess of Lovelace", "given_name": "Ada", "email": "a@x.org"}, "Countess of Lovelace"),
        ({"given_name": "Ada", "email": "a@x.org"}, "Ada"),
        ({"email": "a@x.org"}, "a@x.org"),
    ],
)
def test_display_name_falls_back_from_name_to_given_family_to_email(claims, display_name):
    assert profile_from_id_token({**claims, "email_verified": True})["displayName"] == display_name


@pytest.mark.parametrize("email_verified", [False, "false", 1, "yes", None])
def test_unverified_email_is_not_stored(email_verified):
    """A learner can set their own email to anyone's; until Cognito has verified it, it identifies nobody."""
    claims = {"email": "victim@example.com", "given_name": "Mallory", "sub": "s"}
    if email_verified is not None:
        claims["email_verified"] = email_verified
    profile = profile_from_id_token(claims)
    assert "email" not in profile
    assert profile["displayName"] == "Mallory"  # and the address is not shown as the name either


@pytest.mark.parametrize("email_verified", [True, "true"])
def test_verified_email_is_stored(email_verified):
    """Cognito's ID token says true as a JSON boolean; attributes mapped from a federated IdP arrive as "true"."""
    claims = {"email": "ada@example.com", "email_verified": email_verified, "sub": "s"}
    assert profile_from_id_token(claims)["email"] == "ada@example.com"
