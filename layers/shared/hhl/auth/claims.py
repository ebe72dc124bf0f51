"""The learner's profile as the verified ID token states it (OIDC standard claims, Cognito's spelling).

Kept apart from storage: what a claim means is the sign-in's business; the users table only stores
the profile it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# API field -> ID token claim, for the profile attributes a sign-in refreshes.
_PROFILE_CLAIMS = {"email": "email", "givenName": "given_name", "familyName": "family_name"}


def profile_from_id_token(claims: Mapping[str, Any]) -> dict[str, str]:
    """The profile attributes an ID token carries; displayName falls back from name to given+family to email.

    The email only when Cognito says it is verified: learners can change their own email attribute, and an
    unverified address (anyone's) must neither be stored nor, through the stored row, key a HubSpot contact.
    """
    profile = {field: str(claims[claim]) for field, claim in _PROFILE_CLAIMS.items() if claims.get(claim)}
    if not email_is_verified(claims):
        profile.pop("email", None)
    full_name = " ".join(p for p in (profile.get("givenName"), profile.get("familyName")) if p)
    display_name = str(claims.get("name") or "") or full_name or profile.get("email", "")
    if display_name:
        profile["displayName"] = display_name
    return profile


def email_is_verified(claims: Mapping[str, Any]) -> bool:
    """Cognito's ID token says JSON true; attributes mapped from a federated identity provider arrive as "true"."""
    verified = claims.get("email_verified")
    return verified is True or verified == "true"
