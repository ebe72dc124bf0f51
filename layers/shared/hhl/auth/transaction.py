"""The login transactions: what /auth/login must remember for /auth/callback, kept in this browser only.

state, nonce and the PKCE verifier are fresh per login (from `secrets`). They travel in one cookie
sealed with AES-GCM (encrypted, so the verifier is never readable, and authenticated, so nothing in it
can be changed) under a key derived from JWT_SECRET with HKDF-SHA256. Binding state to the browser
this way is what stops login CSRF: a callback URL crafted elsewhere arrives without this browser's
cookie, or with a cookie that holds no transaction with that state.

Several tabs. The cookie holds the newest MAX_TRANSACTIONS transactions of this browser, keyed by state, so
a learner who starts signing in from two tabs finishes both: each callback takes out only its own
transaction and leaves the others. (Two /auth/login requests in flight at the same instant each answer with
a cookie that lacks the other's transaction; the browser keeps the later answer, so the later tab signs in
and the earlier one is told its sign-in expired.) A callback whose state matches nothing changes nothing.
Three transactions with the longest return_to seal to under 3 KB, inside a browser's 4 KB per cookie.

Single use. The callback removes its transaction, so a browser that has finished a login cannot replay it.
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
import heapq
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hhl.auth.cookies import LOGIN_COOKIE, LOGIN_MAX_AGE_SECONDS, clear_login_cookie, login_cookie
from hhl.http import BadRequest

# v2: a list of transactions (v1 held one; a v1 cookie still in flight at deploy time reads as tampered,
# and its browser is told to sign in again).
_FORMAT = "v2"
_HKDF_INFO = b"hedgehog-learn login transaction v1"  # the key derivation did not change
_AAD = f"{LOGIN_COOKIE}.{_FORMAT}".encode()
_IV_BYTES = 12
MAX_TRANSACTIONS = 3


class LoginTransactionError(BadRequest):
    """The callback cannot be tied to a login this browser started; the subclass says why.

    `return_to` is the transaction's when one was found, and `cookies` what the login cookie becomes.
    """

    auth_error = "session_expired"

    def __init__(self, message: str, return_to: str | None = None, cookies: list[str] | None = None) -> None:
        super().__init__(message, cookies=cookies)
        self.return_to = return_to


class TransactionMissing(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login session not found: start the sign-in again")


class TransactionTampered(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login session is invalid: start the sign-in again", cookies=[clear_login_cookie()])


class TransactionExpired(LoginTransactionError):
    def __init__(self, return_to: str | None = None, cookies: list[str] | None = None) -> None:
        super().__init__("Login session expired: start the sign-in again", return_to, cookies)


class StateMismatch(LoginTransactionError):
    def __init__(self) -> None:
        super().__init__("Login state does not match: start the sign-in again")


class StateReplayed(LoginTransactionError):
    def __init__(self, return_to: str | None = None, cookies: list[str] | None = None) -> None:
        super().__init__("Login state was already used: start the sign-in again", return_to, cookies)


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

    def expired(self, now: float | None = None) -> bool:
        age = (time.time() if now is None else now) - self.created_at
        return not 0 <= age <= LOGIN_MAX_AGE_SECONDS


@dataclass(frozen=True)
class Redeemed:
    transaction: LoginTransaction
    cookie: str  # the Set-Cookie that leaves this browser's other transactions in place (or clears the cookie)


@functools.cache
def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode("utf-8"))
    return AESGCM(key)


def seal_all(transactions: list[LoginTransaction], secret: str) -> str:
    iv = secrets.token_bytes(_IV_BYTES)
    rows = [[t.state, t.nonce, t.code_verifier, t.return_to, t.created_at] for t in transactions]
    plaintext = json.dumps(rows, separators=(",", ":")).encode("utf-8")
    return f"{_FORMAT}.{_b64encode(iv + _aead(secret).encrypt(iv, plaintext, _AAD))}"


def unseal_all(sealed: str, secret: str) -> list[LoginTransaction]:
    """Every transaction in `sealed`, expired ones included. Raises TransactionTampered."""
    version, _, body = sealed.partition(".")
    if version != _FORMAT:
        raise TransactionTampered()
    try:
        blob = _b64decode(body)
        rows = json.loads(_aead(secret).decrypt(blob[:_IV_BYTES], blob[_IV_BYTES:], _AAD))
        return [LoginTransaction(*row) for row in rows]
    except (InvalidTag, ValueError, TypeError):
        raise TransactionTampered() from None


def add(sealed: str | None, transaction: LoginTransaction, secret: str) -> str:
    """The login cookie's new value: this browser's unexpired transactions and `transaction`, newest kept."""
    kept = [t for t in _readable(sealed, secret) if not t.expired()]
    return seal_all([*kept, transaction][-MAX_TRANSACTIONS:], secret)


class UsedStates:
    """States already redeemed in this container, remembered until their transaction would expire.

    The expired ones are dropped oldest-expiry first from a heap, so a claim costs the same with ten or a
    thousand sign-ins in the last ten minutes (rebuilding the whole record on every claim cost ~0.2 ms at a
    thousand). A lock keeps the record and its heap in step: the local stack serves requests on threads.
    """

    def __init__(self) -> None:
        self._expiry_by_digest: dict[bytes, float] = {}
        self._by_expiry: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()

    def claim(self, transaction: LoginTransaction) -> bool:
        """Mark the state used; False if it already was."""
        now = time.time()
        digest = hashlib.sha256(transaction.state.encode()).digest()
        with self._lock:
            while self._by_expiry and self._by_expiry[0][0] <= now:
                expiry, old = heapq.heappop(self._by_expiry)
                if self._expiry_by_digest.get(old) == expiry:
                    del self._expiry_by_digest[old]
            if digest in self._expiry_by_digest:
                return False
            expiry = transaction.created_at + LOGIN_MAX_AGE_SECONDS
            self._expiry_by_digest[digest] = expiry
            heapq.heappush(self._by_expiry, (expiry, digest))
            return True


_used_states = UsedStates()


def redeem(sealed: str | None, state: str | None, secret: str) -> Redeemed:
    """Take the transaction a callback completes out of the cookie: present, intact, unexpired, first use.

    A state that matches no transaction raises without touching the cookie: it may belong to another tab's
    sign-in, or be forged. Once the transaction is found, every outcome removes it from the cookie.
    """
    if not sealed:
        raise TransactionMissing()
    transactions = unseal_all(sealed, secret)
    found = _matching(transactions, state)
    if found is None:
        raise StateMismatch()
    others = [t for t in transactions if t is not found and not t.expired()]
    cookie = login_cookie(seal_all(others, secret)) if others else clear_login_cookie()
    if found.expired():
        raise TransactionExpired(found.return_to, [cookie])
    if not _used_states.claim(found):
        raise StateReplayed(found.return_to, [cookie])
    return Redeemed(found, cookie)


def _matching(transactions: list[LoginTransaction], state: str | None) -> LoginTransaction | None:
    if not state:
        return None
    wanted = state.encode("utf-8")
    matches = [t for t in transactions if hmac.compare_digest(wanted, t.state.encode("utf-8"))]
    return matches[0] if matches else None


def _readable(sealed: str | None, secret: str) -> list[LoginTransaction]:
    """The transactions in a cookie we are about to replace; one we cannot read is simply dropped."""
    if not sealed:
        return []
    try:
        return unseal_all(sealed, secret)
    except TransactionTampered:
        return []


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
