"""The hosted UI's browser-facing URLs: where login sends the browser, and where logout ends its session.

Apart from hhl.auth.oauth (the token and revoke calls) because these need no client secret: login imports
only this, so it neither reads nor is granted the app client's secret (tests/unit/test_template.py).
"""

from __future__ import annotations

import functools
import urllib.parse

from hhl.config import settings


def authorize_url(state: str, nonce: str, code_challenge: str, fresh_sign_in: bool = False) -> str:
    """The hosted UI's /oauth2/authorize URL for one login transaction (the verifier never appears in it).

    `fresh_sign_in` asks Cognito for `prompt=login`: the learner types their password again even when the
    hosted UI remembers them, so the new tokens carry a recent `auth_time` (account deletion needs one).
    """
    config = settings()
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": config.redirect_uri,
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if fresh_sign_in:
        params["prompt"] = "login"
    return f"{config.cognito_base_url}/oauth2/authorize?{urllib.parse.urlencode(params)}"


def logout_url() -> str:
    """Cognito's /logout, which ends the hosted UI session and comes back to the site's /learn."""
    config = settings()
    return _logout_url(config.cognito_base_url, config.client_id, config.site_base_url)


@functools.cache
def _logout_url(cognito_base_url: str, client_id: str, site_base_url: str) -> str:
    # The same for every request of a container; urlencode was most of logout's own time (make bench).
    query = urllib.parse.urlencode({"client_id": client_id, "logout_uri": f"{site_base_url}/learn"})
    return f"{cognito_base_url}/logout?{query}"
