"""Open Badges 3.0 credentials for certificates, signed as VC-JWT (compact JWS, ES256) by the issuer's KMS key.

The payload is an OpenBadgeCredential (VC data model 2.0 with the OB 3.0 context): the issuer Profile
(its id is the issuer profile's URL, GET /issuer), the Achievement (the module, course or pathway), and the
recipient only as a salted SHA-256 of their verified email (`hashed: true`), never the email itself. The
JWT registered claims repeat the credential's: `iss` = issuer.id, `jti` = the credential id, `nbf` =
validFrom; there is no `sub`, because the subject has no id (it is identified by the hashed email only).
The credential's id is the certificate's public verify URL, so its status is one GET away: 200 while
valid, 410 once revoked.

KMS signs the JWS signing input (ECDSA_SHA_256, a RAW message of at most 4 KB: KMS hashes it) and answers
DER; JOSE wants the raw r||s pair, 32 bytes each (RFC 7518 3.4). The header's `kid` names the key in
/.well-known/jwks.json.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from hhl.signing import b64url, keys
from hhl.storage.certificates import CertificateRecord
from hhl.timestamps import parse_utc_timestamp

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER_NAME = "Hedgehog Learn"
KIND_NAMES = {"module": "module", "course": "course", "pathway": "learning pathway"}


def issuer_id(api_base_url: str) -> str:
    return f"{api_base_url}/issuer"


def issuer_profile(api_base_url: str) -> dict:
    """The issuer Profile the credentials name, published at its own id (GET /issuer)."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_id(api_base_url),
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "url": "https://hedgehog.cloud/learn",
    }


def recipient_identity(email: str, salt: str) -> dict:
    """OB 3.0 IdentityObject: sha256$<hex of sha256(email + salt)>, the email lower-cased and trimmed."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def credential_payload(record: CertificateRecord, email: str, api_base_url: str, site_base_url: str) -> dict:
    """The VC-JWT claims: the OpenBadgeCredential plus iss, jti, nbf."""
    credential_id = f"{api_base_url}/certificate/{record.cert_id}"
    kind_name = KIND_NAMES.get(record.kind, record.kind)
    achievement_url = f"{site_base_url}/learn/{record.kind}s/{record.slug}"
    issued = parse_utc_timestamp(record.issued_at)
    issuer = {"id": issuer_id(api_base_url), "type": ["Profile"], "name": ISSUER_NAME}
    vc = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{record.title}: certificate of completion",
        "issuer": issuer,
        "validFrom": issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [recipient_identity(email, secrets.token_hex(16))],
            "achievement": {
                "id": achievement_url,
                "type": ["Achievement"],
                "name": record.title,
                "description": f"Completed the Hedgehog Learn {kind_name} {record.title}.",
                "criteria": {
                    "id": achievement_url,
                    "narrative": f"Complete every required part of the {kind_name} on Hedgehog Learn.",
                },
                "achievementType": "Certificate",
            },
        },
    }
    return {**vc, "iss": issuer["id"], "jti": credential_id, "nbf": int(issued.timestamp())}


def sign_compact(payload: dict, key: keys.SigningKey) -> str:
    """The compact JWS of `payload`, ES256, signed by KMS."""
    header = {"alg": "ES256", "kid": key.kid, "typ": "JWT"}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    )
    r, s = decode_dss_signature(keys.sign(key, signing_input.encode("ascii")))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
