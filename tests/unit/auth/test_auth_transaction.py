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
    transactions = [t.LoginTransaction.begin("/learn/courses/x"), t.LoginTransaction.begin("/learn/b")]
    sealed = t.seal_all(transactions, SECRET)
    assert t.unseal_all(sealed, SECRET) == transactions
    raw = base64.urlsafe_b64decode(sealed.split(".", 1)[1] + "==")
    for transaction in transactions:
        for secret_part in (transaction.state, transaction.nonce, transaction.code_verifier, transaction.return_to):
            assert secret_part not in sealed
            assert secret_part.encode() not in raw


def test_sealing_twice_gives_different_ciphertexts():
    transactions = [t.LoginTransaction.begin("/learn")]
    assert t.seal_all(transactions, SECRET) != t.seal_all(transactions, SECRET)


def test_flipped_bit_is_tampered():
    sealed = t.seal_all([t.LoginTransaction.begin("/learn")], SECRET)
    version, body = sealed.split(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=="))
    raw[20] ^= 0x01
    forged = f"{version}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
    with pytest.raises(t.TransactionTampered):
        t.unseal_all(forged, SECRET)


@pytest.mark.parametrize("garbage", ["", "v1.", "v2.!!!", "v2.abc", "v1.AAAA", "not-a-cookie"])
def test_garbage_is_tampered(garbage):
    with pytest.raises(t.TransactionTampered):
        t.unseal_all(garbage, SECRET)


def test_cookie_sealed_under_another_secret_is_tampered():
    sealed = t.seal_all([t.LoginTransaction.begin("/learn")], "another-secret-that-is-also-32-characters-long")
    with pytest.raises(t.TransactionTampered):
        t.unseal_all(sealed, SECRET)


def test_transaction_expires_after_10_minutes():
    transaction = t.LoginTransaction.begin("/learn")
    assert not transaction.expired(now=transaction.created_at + 599)
    assert transaction.expired(now=transaction.created_at + 601)
    assert transaction.expired(now=transaction.created_at - 1)  # from the future: forged or a broken clock


def test_an_expired_transaction_is_refused_and_taken_out():
    old = dataclasses.replace(t.LoginTransaction.begin("/learn/x"), created_at=int(time.time()) - 601)
    with pytest.raises(t.TransactionExpired) as refused:
        t.redeem(t.seal_all([old], SECRET), old.state, SECRET)
    assert refused.value.return_to == "/learn/x"
    assert refused.value.cookies == ["__Host-hhl_login=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"]


def test_redeem_needs_the_cookie():
    with pytest.raises(t.TransactionMissing):
        t.redeem(None, "state", SECRET)


def test_redeem_needs_the_matching_state_and_then_changes_nothing():
    transaction = t.LoginTransaction.begin("/learn")
    sealed = t.seal_all([transaction], SECRET)
    for state in (transaction.state[:-1] + ("A" if transaction.state[-1] != "A" else "B"), None, ""):
        with pytest.raises(t.StateMismatch) as refused:
            t.redeem(sealed, state, SECRET)
        assert refused.value.cookies == [] and refused.value.return_to is None


def test_redeem_works_once():
    transaction = t.LoginTransaction.begin("/learn")
    sealed = t.seal_all([transaction], SECRET)
    assert t.redeem(sealed, transaction.state, SECRET).transaction == transaction
    with pytest.raises(t.StateReplayed):
        t.redeem(sealed, transaction.state, SECRET)


def test_redeem_takes_out_only_its_own_transaction():
    first, second = t.LoginTransaction.begin("/learn/a"), t.LoginTransaction.begin("/learn/b")
    redeemed = t.redeem(t.seal_all([first, second], SECRET), second.state, SECRET)
    assert redeemed.transaction == second
    name, _, rest = redeemed.cookie.partition("=")
    assert name == "__Host-hhl_login"
    assert t.unseal_all(rest.split(";", 1)[0], SECRET) == [first]


def test_add_keeps_the_newest_transactions_and_drops_expired_or_unreadable_ones():
    old = dataclasses.replace(t.LoginTransaction.begin("/learn/old"), created_at=int(time.time()) - 601)
    fresh = [t.LoginTransaction.begin(f"/learn/{n}") for n in range(t.MAX_TRANSACTIONS + 1)]
    sealed = t.seal_all([old], SECRET)
    for transaction in fresh:
        sealed = t.add(sealed, transaction, SECRET)
    assert t.unseal_all(sealed, SECRET) == fresh[-t.MAX_TRANSACTIONS :]
    assert t.unseal_all(t.add("v2.garbage", fresh[0], SECRET), SECRET) == [fresh[0]]


def test_used_states_are_forgotten_once_their_transaction_expired():
    used = t.UsedStates()
    old = dataclasses.replace(t.LoginTransaction.begin("/learn"), created_at=int(time.time()) - 700)
    assert used.claim(old)
    assert used.claim(t.LoginTransaction.begin("/learn"))  # prunes the expired entry
    assert len(used._expiry_by_digest) == 1


def test_used_states_expire_in_their_own_order_and_replays_stay_refused():
    used = t.UsedStates()
    now = int(time.time())
    ages = [10, 700, 300, 650, 0]  # redeemed in this order, begun at different times
    held = [dataclasses.replace(t.LoginTransaction.begin("/learn"), created_at=now - age) for age in ages]
    assert all(used.claim(transaction) for transaction in held)
    assert [used.claim(transaction) for transaction in held] == [False, True, False, True, False]
    assert len(used._expiry_by_digest) == 3  # only the unexpired ones are held


def test_errors_are_400s_that_say_session_expired():
    for cls in (t.TransactionMissing, t.TransactionTampered, t.TransactionExpired, t.StateMismatch, t.StateReplayed):
        error = cls()
        assert isinstance(error, t.LoginTransactionError)
        assert (error.status, error.auth_error) == (400, "session_expired")
