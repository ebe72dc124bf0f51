"""What verifying an access token costs a request, in one light process (no stack, no `make bench`).

A Cognito-shaped RS256 access token (tests/support/tokens.py) is verified by hhl's TokenVerifier, its key
set read once from a data: URL: in full (a token the container sees for the first time,
`check_access_token`) and remembered (the same token on a later request, `verify_access_token`),
alternately in one loop. Run it against another version of the layer to compare two verifiers on the same
machine in the same minute:

python -m bench.token_verification                  this worktree's layer
python -m bench.token_verification --layer DIR      another checkout's layers/shared
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

from bench.stats import summarize
from tests.support.tokens import CLIENT_ID, ISSUER, TokenMinter, new_signing_key

LAYER = Path(__file__).resolve().parents[1] / "layers" / "shared"


def measure(layer: Path, rounds: int) -> dict:
    sys.path.insert(0, str(layer))
    from hhl.auth.jwks import JwksCache
    from hhl.auth.verifier import TokenVerifier

    key = new_signing_key()
    key_set = base64.b64encode(json.dumps({"keys": [key.jwk]}).encode()).decode()
    verifier = TokenVerifier(ISSUER, CLIENT_ID, JwksCache(f"data:application/json;base64,{key_set}"))
    minter = TokenMinter(key)
    token = minter.sign(minter.access_claims())
    verifier.verify_access_token(token)  # the one key set read, and the token remembered
    in_full, remembered = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        verifier.check_access_token(token)
        in_full.append((time.perf_counter() - started) * 1e6)
        started = time.perf_counter()
        verifier.verify_access_token(token)
        remembered.append((time.perf_counter() - started) * 1e6)
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
