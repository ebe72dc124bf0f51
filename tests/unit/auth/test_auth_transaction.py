"""The sealed login transaction: fresh, unreadable, tamper-evident, short-lived, single-use."""

from __future__ import annotations

import base64
import dataclasses
import time

import pytest
from hhl.auth import transaction as t

SECRET = "unit-test-secret-that-is-at-least-32-characters-long"


def test_each_login_gets_fresh_state_nonce_and_verifier():
    first, second = t.LoginTransaction.begin("/learn"), t.LoginTransaction.begin("/learn")
    assert first.state != second.state
    assert first.nonce != second.nonce
    assert first.code_verifier != second.code_verifier
    assert 43 <= len(first.code_verifier) <= 128


def test_sealed_cookie_round_trips_and_hides_its_contents():
    transaction = t.LoginTransaction.begin("/learn/courses/x")
    sealed = t.seal(transaction, SECRET)
    assert t.unseal(sealed, SECRET) == transaction
    raw = base64.urlsafe_b64decode(sealed.split(".", 1)[1] + "==")
    for secret_part in (transaction.state, transaction.nonce, transaction.code_verifier, "/learn/courses/x"):
        assert secret_part not in sealed
        assert secret_part.encode() not in raw


def test_sealing_twice_gives_different_ciphertexts():
    transaction = t.LoginTransaction.begin("/learn")
    assert t.seal(transaction, SECRET) != t.seal(transaction, SECRET)


def test_flipped_bit_is_tampered():
    sealed = t.seal(t.LoginTransaction.begin("/learn"), SECRET)
    version, body = sealed.split(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=="))
    raw[20] ^= 0x01
    forged = f"{version}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
    with pytest.raises(t.TransactionTampered):
        t.unseal(forged, SECRET)


@pytest.mark.parametrize("garbage", ["", "v1.", "v1.!!!", "v2.abc", "v1.AAAA", "not-a-cookie"])
def test_garbage_is_tampered(garbage):
    with pytest.raises(t.TransactionTampered):
        t.unseal(garbage, SECRET)


def test_cookie_sealed_under_another_secret_is_tampered():
    sealed = t.seal(t.LoginTransaction.begin("/learn"), "another-secret-that-is-also-32-characters-long")
    with pytest.raises(t.TransactionTampered):
        t.unseal(sealed, SECRET)


def test_transaction_expires_after_10_minutes():
    transaction = t.LoginTransaction.begin("/learn")
    sealed = t.seal(transaction, SECRET)
    assert t.unseal(sealed, SECRET, now=transaction.created_at + 599) == transaction
    with pytest.raises(t.TransactionExpired):
        t.unseal(sealed, SECRET, now=transaction.created_at + 601)


def test_redeem_needs_the_cookie():
    with pytest.raises(t.TransactionMissing):
        t.redeem(None, "state", SECRET)


def test_redeem_needs_the_matching_state():
    transaction = t.LoginTransaction.begin("/learn")
    sealed = t.seal(transaction, SECRET)
    with pytest.raises(t.StateMismatch):
        t.redeem(sealed, transaction.state[:-1] + ("A" if transaction.state[-1] != "A" else "B"), SECRET)
    with pytest.raises(t.StateMismatch):
        t.redeem(sealed, None, SECRET)


def test_redeem_works_once():
    transaction = t.LoginTransaction.begin("/learn")
    sealed = t.seal(transaction, SECRET)
    assert t.redeem(sealed, transaction.state, SECRET) == transaction
    with pytest.raises(t.StateReplayed):
        t.redeem(sealed, transaction.state, SECRET)


def test_used_states_are_forgotten_once_their_transaction_expired():
    used = t.UsedStates()
    old = dataclasses.replace(t.LoginTransaction.begin("/learn"), created_at=int(time.time()) - 700)
    used.claim(old)
    used.claim(t.LoginTransaction.begin("/learn"))  # prunes the expired entry
    assert len(used._expiry_by_digest) == 1


def test_errors_are_400s():
    assert all(
        issubclass(cls, t.LoginTransactionError) and cls().status == 400
        for cls in (t.TransactionMissing, t.TransactionTampered, t.TransactionExpired, t.StateMismatch, t.StateReplayed)
    )
