"""Revoking certificates: an operator's decision (tools/revoke_certificate.py) or an account's deletion.

A revoked certificate's public answer is a 410 and it leaves the learner's list; its item stays, so the
id keeps answering "revoked" and stored completions never issue it again.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from hhl.learning.verification import CERT_ID_RE
from hhl.observability import metrics
from hhl.storage import certificates as store
from hhl.storage.certificates import CertificateRecord
from hhl.timestamps import utc_now, utc_timestamp


def revoke_certificate(user_id: str, cert_key_or_id: str, reason: str) -> CertificateRecord | None:
    """Revoke one of the learner's certificates, named by its key ("course#<slug>") or its id.

    Its public answer becomes a 410 and it leaves the learner's list; the first revocation's time and
    reason are kept. None when the learner holds no such certificate. Used by the operator tool and by
    account deletion.
    """
    if CERT_ID_RE.fullmatch(cert_key_or_id.strip().lower()):
        record = store.find_certificate(cert_key_or_id.strip().lower())
        if record is None or record.user_id != user_id:
            return None
        kind, slug = record.kind, record.slug
    else:
        kind, _, slug = cert_key_or_id.partition(store.KEY_SEPARATOR)
    revoked = store.revoke(user_id, kind, slug, reason, utc_timestamp(utc_now()))
    if revoked is not None:
        metrics.add_metric(name="CertificatesRevoked", unit=MetricUnit.Count, value=1)
    return revoked


def revoke_all_certificates(user_id: str, reason: str) -> list[CertificateRecord]:
    """Revoke every certificate the learner holds (account deletion)."""
    return [
        revoked
        for record in store.list_certificates(user_id)
        if (revoked := revoke_certificate(user_id, record.cert_key, reason)) is not None
    ]
