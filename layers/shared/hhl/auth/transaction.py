"""The login transaction: what /auth/login must remember for /auth/callback, kept in this browser only.

state, nonce and the PKCE verifier are fresh per login (from `secrets`). They travel in one cookie
sealed with AES-GCM (encrypted, so the verifier is never readable, and authenticated, so nothing in it
can be changed) under a key derived from JWT_SECRET with HKDF-SHA256. Binding state to the browser
this way is what stops login CSRF: a callback URL crafted elsewhere arrives without this browser's
cookie, or with a cookie whose state does not match.

Single use. The callback clears the cookie, so a browser that has finished a login cannot replay it.
A copy of the cookie (another tab racing the first, or a captured request) is refused by a per-container
record of used states, kept until the transaction would have expired anyway; a replay that lands on
another container still needs the authorization code, which Cognito redeems once and only with the
PKCE verifier sealed in this cookie. A shared used-state table would close the last gap at the cost of
a DynamoDB write per login; the one-time code makes it unnecessary.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hhl.auth.cookies import LOGIN_COOKIE, LOGIN_MAX_AGE_SECONDS
from hhl.http import BadRequest

_FORMAT = "v1"
_HKDF_INFO = b"hedgehog-learn login transaction v1"
_AAD = f"{LOGIN_COOKIE}.{_FORMAT}".encode()
_IV_BYTES = 12


class LoginTransactionError(BadRequest):
    """The callback cannot be tied to a login this browser started; the subclass says why."""


class TransactionMissing(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login session not found: start the sign-in again")


class TransactionTampered(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login session is invalid: start the sign-in again")


class TransactionExpired(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login session expired: start the sign-in again")


class StateMismatch(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login state does not match: start the sign-in again")


class StateReplayed(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login state was already used: start the sign-in again")


@dataclass(frozen=True)
class LoginTransaction:
    state: str
    nonce: str
    code_verifier: str
    return_to: str
    created_at: int

    @classmethod
    def begin(cls, return_to: str) -> LoginTransaction:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),  # 86 characters, inside RFC 7636's 43..128
            return_to=return_to,
            created_at=int(time.time()),
        )

    @property
    def code_challenge(self) -> str:
        """PKCE S256: the verifier stays sealed in the cookie, only its hash goes to Cognito."""
        return _b64encode(hashlib.sha256(self.code_verifier.encode("ascii")).digest())


@functools.cache
def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode("utf-8"))
    return AESGCM(key)


def seal(transaction: LoginTransaction, secret: str) -> str:
    iv = secrets.token_bytes(_IV_BYTES)
    plaintext = json.dumps(asdict(transaction), separators=(",", ":")).encode("utf-8")
    return f"{_FORMAT}.{_b64encode(iv + _aead(secret).encrypt(iv, plaintext, _AAD))}"


def unseal(sealed: str, secret: str, now: float | None = None) -> LoginTransaction:
    """The transaction in `sealed`. Raises TransactionTampered or TransactionExpired."""
    version, _, body = sealed.partition(".")
    if version != _FORMAT:
        raise TransactionTampered()
    try:
        blob = _b64decode(body)
        plaintext = _aead(secret).decrypt(blob[:_IV_BYTES], blob[_IV_BYTES:], _AAD)
        transaction = LoginTransaction(**json.loads(plaintext))
    except (InvalidTag, ValueError, TypeError):
        raise TransactionTampered() from None
    age = (time.time() if now is None else now) - transaction.created_at
    if not 0 <= age <= LOGIN_MAX_AGE_SECONDS:
        raise TransactionExpired()
    return transaction


class UsedStates:
    """States already redeemed in this container, remembered until their transaction would expire."""

    def __init__(self) -> None:
        self._expiry_by_digest: dict[bytes, float] = {}

    def claim(self, transaction: LoginTransaction) -> None:
        """Mark the state used; raises StateReplayed if it already was."""
        now = time.time()
        self._expiry_by_digest = {d: t for d, t in self._expiry_by_digest.items() if t > now}
        digest = hashlib.sha256(transaction.state.encode()).digest()
        if digest in self._expiry_by_digest:
            raise StateReplayed()
        self._expiry_by_digest[digest] = transaction.created_at + LOGIN_MAX_AGE_SECONDS


_used_states = UsedStates()


def redeem(sealed: str | None, state: str | None, secret: str) -> LoginTransaction:
    """The transaction a callback completes: cookie present and intact, state equal, first use."""
    if not sealed:
        raise TransactionMissing()
    transaction = unseal(sealed, secret)
    if not state or not hmac.compare_digest(state.encode("utf-8"), transaction.state.encode("utf-8")):
        raise StateMismatch()
    _used_states.claim(transaction)
    return transaction


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
