"""A TLS front (self-signed, loopback) before the bench's emulator, so first clicks pay a TLS handshake.

Real DynamoDB is HTTPS only; the emulator speaks plain HTTP, which would hide what a cold container's
first call costs: the TLS handshake (and building an SSL context). The floor and the functions alike
reach the emulator through this front (AWS_ENDPOINT_URL=https://127.0.0.1:<port>, AWS_CA_BUNDLE = its
certificate, which both botocore and the thin client honour), so both first clicks include it.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.runtime import ROOT

CERT_DIR = ROOT / ".local" / "bench-tls"


@dataclass(frozen=True)
class Front:
    url: str  # https://127.0.0.1:<port>
    ca_bundle: Path  # the self-signed certificate, to trust

    def environment(self) -> dict[str, str]:
        url, ca_bundle = self.url, str(self.ca_bundle)
        return {"AWS_ENDPOINT_URL": url, "AWS_ENDPOINT_URL_DYNAMODB": url, "AWS_CA_BUNDLE": ca_bundle}


def self_signed(directory: Path = CERT_DIR) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and localhost) and its key, made once per machine."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    if cert.exists() and key.exists():
        return cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private_key = ec.generate_private_key(ec.SECP256R1())  # what AWS endpoints offer: ECDSA P-256
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hedgehog-learn bench emulator")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key.chmod(0o600)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for sock in (source, sink):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _serve(listener: socket.socket, context: ssl.SSLContext, upstream: tuple[str, int], stopping: threading.Event):
    while not stopping.is_set():
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_connect, args=(client, context, upstream), daemon=True).start()


def _connect(client: socket.socket, context: ssl.SSLContext, upstream: tuple[str, int]) -> None:
    try:
        secure = context.wrap_socket(client, server_side=True)
        backend = socket.create_connection(upstream, timeout=30)
        backend.settimeout(None)
    except OSError:
        client.close()
        return
    threading.Thread(target=_pump, args=(backend, secure), daemon=True).start()
    _pump(secure, backend)


@contextlib.contextmanager
def front(emulator_url: str) -> Iterator[Front]:
    """TLS on a free loopback port, forwarding every connection to the emulator in plain HTTP."""
    cert, key = self_signed()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    parts = urllib.parse.urlsplit(emulator_url)
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    stopping = threading.Event()
    thread = threading.Thread(
        target=_serve, args=(listener, context, (parts.hostname, parts.port), stopping), daemon=True
    )
    thread.start()
    try:
        yield Front(f"https://127.0.0.1:{listener.getsockname()[1]}", cert)
    finally:
        stopping.set()
        listener.close()
