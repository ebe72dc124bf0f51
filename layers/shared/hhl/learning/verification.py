"""Reading certificates: the learner's own list, and the public verify answer that names no learner.

Apart from issuance (hhl.learning.certificates, which reads the progress table too), so the functions that
only read certificates are granted only the certificates table.
"""

from __future__ import annotations

import re

from hhl.learning.errors import InvalidInput, NotFoundError, Revoked
from hhl.storage import certificates as store
from hhl.storage.certificates import CertificateRecord


def certificate_view(record: CertificateRecord) -> dict:
    """The contract's certificate object (GET /certificates, GET /certificate/{certId}): no learner data."""
    return {
        "certId": record.cert_id,
        "entityType": record.kind,
        "entitySlug": record.slug,
        "entityTitle": record.title or record.slug,
        "issuedAt": record.issued_at,
    }


def list_certificate_views(user_id: str) -> list[dict]:
    """The learner's certificates, newest first; revoked ones are no longer theirs to show."""
    records = [record for record in store.list_certificates(user_id) if not record.revoked]
    records.sort(key=lambda record: (record.issued_at, record.cert_key), reverse=True)
    return [certificate_view(record) for record in records]


# ------------------------------------------------------------------ the public verify route
# Certificate ids are issued as lower-case UUID v4; the theme's page accepts any case.
CERT_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
REVOKED_MESSAGE = "This certificate has been revoked"


def public_certificate(cert_id: str) -> dict:
    """What anyone may know about a certificate: the contract's fields and its signed credential, no learner data.

    A malformed id is a 400 and an unknown one a 404, as the contract says; a revoked one is a 410.
    """
    cert_id = cert_id.strip().lower()
    if not cert_id:
        raise InvalidInput("certId is required")
    if not CERT_ID_RE.fullmatch(cert_id):
        raise InvalidInput("Invalid certId format")
    record = store.find_certificate(cert_id)
    if record is None:
        raise NotFoundError("Certificate not found")
    if record.revoked:
        raise Revoked(REVOKED_MESSAGE)
    return {**certificate_view(record), "credential": record.credential}
