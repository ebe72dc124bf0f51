"""Signing credentials with the issuer's KMS key (the private key never leaves KMS) and publishing its public keys."""

import base64


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
