"""Signing in through the local stack's hosted UI, as a browser does (kit/sign_in.py),
and fresh authorization codes for the /auth/callback floor, from the same hosted-UI form."""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse

from bench.runtime import put_layers_on_path
from kit.sign_in import SignedIn, sign_in, submit_hosted_ui

__all__ = ["SignedIn", "authorize", "fresh_code", "fresh_session_cookie", "sign_in_demo"]


def sign_in_demo(stack: dict) -> SignedIn:
    user = stack["demo_user"]
    return sign_in(stack, user["username"], user["password"])


def authorize(authorize_url: str, stack: dict) -> dict[str, str]:
    """The demo user signs in at the hosted UI; returns the callback's query (code, state)."""
    user = stack["demo_user"]
    callback_url = submit_hosted_ui(authorize_url, user["username"], user["password"])
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback_url).query))


def fresh_code(stack: dict, redirect_uri: str) -> tuple[str, str]:
    """A new authorization code bound to a PKCE verifier of our own: (code, verifier)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode(
        {
            "client_id": stack["client_id"],
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return authorize(f"{stack['cognito_base_url']}/oauth2/authorize?{query}", stack)["code"], verifier


def fresh_session_cookie(stack: dict, exchange) -> str:
    """A refresh cookie for a new sign-in of the demo user, naming its session as /auth/callback sets it:
    `exchange(code, verifier)` returns the token endpoint's answer (the caller authenticates as the app client)."""
    import json

    put_layers_on_path()  # the cold phase runs before warm.prepare_process
    from hhl.auth.refresh_cookie import refresh_cookie_value, session_of

    code, verifier = fresh_code(stack, stack["handler_env"]["COGNITO_REDIRECT_URI"])
    answer = exchange(code, verifier)
    payload = answer["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return refresh_cookie_value(session_of(claims), answer["refresh_token"], stack.client_secret())
