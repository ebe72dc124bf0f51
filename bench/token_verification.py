"""What verifying an access token costs a request, in one light process (no stack, no `make bench`).

A Cognito-shaped RS256 access token is verified by hhl's TokenVerifier against a JWKS served on loopback:
in full (a token the container sees for the first time, `check_access_token`) and remembered (the same
token on a later request, `verify_access_token`), alternately in one loop. Run it against another
version of the layer to compare two verifiers on the same machine in the same minute:

python -m bench.token_verification                  this worktree's layer
python -m bench.token_verification --layer DIR      another checkout's layers/shared
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.stats import summarize

LAYER = Path(__file__).resolve().parents[1] / "layers" / "shared"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench"
CLIENT_ID = "bench-client"
KID = "bench-kid"


def serve_jwks(jwk: dict) -> tuple[ThreadingHTTPServer, str]:
    body = json.dumps({"keys": [jwk]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/jwks.json"


def cognito_access_token(private_key) -> str:
    import jwt

    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "access",
        "scope": "openid email",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "username": str(uuid.uuid4()),
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": KID})


def measure(layer: Path, rounds: int) -> dict:
    sys.path.insert(0, str(layer))
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from hhl.auth.jwks import JwksCache
    from hhl.auth.verifier import TokenVerifier

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    server, url = serve_jwks({**public_jwk, "kid": KID, "alg": "RS256", "use": "sig"})
    try:
        verifier = TokenVerifier(ISSUER, CLIENT_ID, JwksCache(url))
        token = cognito_access_token(private_key)
        verifier.verify_access_token(token)  # the one JWKS fetch, and the token remembered
        in_full, remembered = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            verifier.check_access_token(token)
            in_full.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            verifier.verify_access_token(token)
            remembered.append((time.perf_counter() - started) * 1e6)
    finally:
        server.shutdown()
    return {
        "layer": str(layer),
        "in_full_us": summarize(in_full),
        "remembered_us": summarize(remembered),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=Path, default=LAYER, help="a layers/shared directory (default: this one)")
    parser.add_argument("--rounds", type=int, default=3000)
    args = parser.parse_args()
    result = measure(args.layer.resolve(), args.rounds)
    for name in ("in_full_us", "remembered_us"):
        stat = result[name]
        print(f"{name}: median {stat['median']:.1f} us ({stat['min']:.1f} - {stat['max']:.1f}, n={stat['n']})")
    print(f"layer {result['layer']}; load average {result['load_average']}")


if __name__ == "__main__":
    main()
