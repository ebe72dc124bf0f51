"""Certificates: GET /certificates (the signed-in learner's own), the public GET /certificate/{certId}, and
what a verifier needs to check a credential offline: GET /.well-known/jwks.json and the issuer profile GET /issuer.

The public answer names the module, course or pathway and carries the signed Open Badges credential; it
never carries who holds it. Certificates only change by revocation, so the public answer is cached
briefly by browsers and shared caches alike (a revocation shows within that time); a 404 is not cached,
since the id index may trail a certificate issued a moment ago, and neither is a certificate whose
credential is not signed yet (the awards function signs it seconds after issuance): a link opened at once
would otherwise keep showing no credential for the cache's lifetime.
"""

from __future__ import annotations

from hhl.auth.request_auth import authenticate
from hhl.config import settings
from hhl.http import ANSWERABLE_ERRORS, as_http_error, error_response_for, json_response, path_param, routed_endpoint
from hhl.learning import PRIVATE_RESPONSE_HEADERS, verification
from hhl.signing import credential, keys

settings()  # fail the container's init, not a request, when configuration is missing

PUBLIC_CACHE = {"cache-control": "public, max-age=300", "vary": "origin"}
NOT_CACHED = {"cache-control": "no-store"}
# Keys change only with a deployment (rotation adds one; old ones stay published): an hour is plenty.
KEYS_CACHE = {"cache-control": "public, max-age=3600", "vary": "origin"}


def list_certificates(event: dict) -> dict:
    identity = authenticate(event)
    body = {"certificates": verification.list_certificate_views(identity.user_id)}
    return json_response(200, body, headers=PRIVATE_RESPONSE_HEADERS)


def verify_certificate(event: dict) -> dict:
    try:
        body = verification.public_certificate(path_param(event, "certId"))
    except ANSWERABLE_ERRORS as exc:
        # A revoked certificate stays revoked: its 410 is cached like a 200; nothing else is.
        error = as_http_error(exc)
        return error_response_for(error, PUBLIC_CACHE if error.status == 410 else NOT_CACHED)
    return json_response(200, body, headers=PUBLIC_CACHE if body["credential"] else NOT_CACHED)


def published_keys(event: dict) -> dict:
    return json_response(200, keys.jwks(), headers=KEYS_CACHE)


def issuer_profile(event: dict) -> dict:
    return json_response(200, credential.issuer_profile(settings().api_base_url), headers=KEYS_CACHE)


ROUTES = {
    "GET /certificates": list_certificates,
    "GET /certificate/{certId}": verify_certificate,
    "GET /.well-known/jwks.json": published_keys,
    "GET /issuer": issuer_profile,
}

handler = routed_endpoint(ROUTES)
