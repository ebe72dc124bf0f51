"""The answers an authentication step gives when it cannot let a request through, shared by the
protected routes (request_auth), the sign-in steps (session) and the session end (revocation), so none
of them has to import another's dependencies to name an error.
"""

from __future__ import annotations

import math

from hhl.auth.jwks import OUTAGE_RETRY_SECONDS
from hhl.http import DependencyError, HttpError

REALM = 'Bearer realm="Hedgehog Learn"'
SESSION_ENDED = "session_ended"


class Unauthorized(HttpError):
    status = 401


class MissingAccessToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__("Unauthorized: Missing access token", headers={"www-authenticate": REALM})


class InvalidAccessToken(Unauthorized):
    def __init__(self) -> None:
        super().__init__(
            "Unauthorized: Invalid or expired token", headers={"www-authenticate": f'{REALM}, error="invalid_token"'}
        )


class SessionEnded(Unauthorized):
    """The session was signed out (or its refresh token refused): only a new sign-in helps, not a refresh."""

    def __init__(self) -> None:
        super().__init__(
            "Unauthorized: Session ended",
            details={"code": SESSION_ENDED},
            headers={"www-authenticate": f'{REALM}, error="invalid_token", error_description="session ended"'},
        )


class SignInUnavailable(DependencyError):
    """The issuer's keys cannot be fetched: not the caller's fault (503), and worth retrying shortly."""

    status = 503

    def __init__(self) -> None:
        retry_after = str(math.ceil(OUTAGE_RETRY_SECONDS))
        super().__init__("Sign-in service unavailable, try again shortly", headers={"retry-after": retry_after})
