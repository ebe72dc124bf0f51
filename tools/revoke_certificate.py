"""`make revoke-certificate ARGS='<certId> --reason "..." [--stage dev|prod]'`: revoke one certificate.

The public verify URL (which is also the credential's id) then answers 410 "This certificate has been
revoked", and the certificate leaves its holder's list; the first revocation's time and reason are kept.
The same layer function account deletion uses (hhl.learning.revocation.revoke_certificate).

--stage local (default) uses the running local stack (its .local/stack.json); --stage dev|prod uses the
deployed certificates function's configuration (table names) and the operator's AWS credentials.
"""

from __future__ import annotations

import argparse
import os
import sys

from tools.crm_common import ToolError, configure_environment


def revoke(cert_id: str, reason: str) -> str:
    """Revoke by public id; what happened, in one line."""
    from hhl.learning.revocation import revoke_certificate
    from hhl.learning.verification import CERT_ID_RE
    from hhl.storage.certificates import find_certificate

    cert_id = cert_id.strip().lower()
    if not CERT_ID_RE.fullmatch(cert_id):
        raise ToolError(f"{cert_id!r} is not a certificate id (a UUID v4)")
    record = find_certificate(cert_id)
    if record is None:
        raise ToolError(f"no certificate {cert_id}")
    revoked = revoke_certificate(record.user_id, cert_id, reason)
    if revoked is None:
        raise ToolError(f"no certificate {cert_id}")
    return f"revoked {cert_id} ({revoked.kind} {revoked.slug}) at {revoked.revoked_at}: {revoked.revocation_reason}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make revoke-certificate", description=__doc__.splitlines()[0])
    parser.add_argument("cert_id")
    parser.add_argument("--reason", required=True, help="why (kept with the certificate, never shown publicly)")
    parser.add_argument("--stage", default="local", choices=["local", "dev", "prod"])
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-west-2"))
    args = parser.parse_args(argv)
    try:
        configure_environment(args.stage, args.region, "certificates")
        print(revoke(args.cert_id, args.reason))
    except ToolError as exc:
        print(f"revoke-certificate: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
