"""What Cognito's token endpoint hands back is verified like any other token: a token the verifier
refuses is a 4xx/502 at /auth/callback and /auth/refresh, never a 500 (issue 11 items 1, 4, 10)."""

from __future__ import annotations

import pytest
from hhl.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE

from tests.support.auth_api import assert_rejected, refresh, user_row
from tests.support.tokens import TokenMinter, at_hash, new_signing_key


class NonFiniteMinter(TokenMinter):
    """Signs with the published key, but the chosen token kind carries a non-finite time claim."""

    def __init__(self, key, token_use: str, claim: str, value: float):
        super().__init__(key)
        self.token_use, self.claim, self.value = token_use, claim, value

    def access_claims(self, **overrides) -> dict:
        claims = super().access_claims(**overrides)
        return {**claims, self.claim: self.value} if self.token_use == "access" else claims

    def id_claims(self, expected_nonce: str, **overrides) -> dict:
        claims = super().id_claims(expected_nonce, **overrides)
        return {**claims, self.claim: self.value} if self.token_use == "id" else claims


def test_callback_with_tokens_under_an_unknown_kid_is_400(api, signed_in, fake_cognito, monkeypatch, dynamodb):
    monkeypatch.setattr(fake_cognito, "minter", TokenMinter(new_signing_key("kid-the-jwks-does-not-publish")))
    assert_rejected(signed_in(), 400, dynamodb)


@pytest.mark.parametrize("token_use", ["id", "access"])
@pytest.mark.parametrize(("claim", "value"), [("exp", float("nan")), ("exp", float("inf")), ("iat", float("nan"))])
def test_callback_with_a_non_finite_time_is_400(
    api, signed_in, fake_cognito, signing_key, monkeypatch, dynamodb, token_use, claim, value
):
    monkeypatch.setattr(fake_cognito, "minter", NonFiniteMinter(signing_key, token_use, claim, value))
    assert_rejected(signed_in(), 400, dynamodb)


@pytest.mark.parametrize(("claim", "value"), [("exp", float("nan")), ("exp", float("inf")), ("iat", float("nan"))])
def test_refresh_answered_with_a_non_finite_time_is_502_and_keeps_the_session(
    api, signed_in, fake_cognito, signing_key, monkeypatch, claim, value
):
    session = signed_in()
    monkeypatch.setattr(fake_cognito, "minter", NonFiniteMinter(signing_key, "access", claim, value))
    reply = refresh(api, session.set_cookies[REFRESH_COOKIE][0])
    assert reply.status == 502
    assert reply.body == {"error": "Token endpoint returned an invalid token"}
    assert reply.set_cookies == {}


def test_callback_refuses_an_id_token_whose_at_hash_does_not_match(api, signed_in, tokens, dynamodb):
    """An ID token paired with another access token (e.g. one issued to the attacker) is refused."""
    assert_rejected(signed_in(at_hash=at_hash(tokens.access(sub="attacker-sub"))), 400, dynamodb)


def test_sign_in_with_an_unverified_email_stores_no_email(api, signed_in, dynamodb):
    reply = signed_in(email="victim@example.com", email_verified=False)
    assert reply.status == 302
    row = user_row(dynamodb)
    assert "email" not in row
    me = api.request("GET", "/auth/me", cookies={ACCESS_COOKIE: reply.set_cookies[ACCESS_COOKIE][0]})
    assert me.body["email"] is None


def test_a_learner_whose_email_becomes_unverified_loses_the_stored_email(api, signed_in, dynamodb):
    assert signed_in(email="ada@example.com", email_verified=True).status == 302
    assert user_row(dynamodb)["email"] == {"S": "ada@example.com"}
    assert signed_in(email="victim@example.com", email_verified=False).status == 302
    assert "email" not in user_row(dynamodb)
