"""What verifying an access token costs a request, in one light process (no stack, no `make bench`).

An access token issued by the AWS emulator's Cognito (moto, in process: a user pool, an app client, one
password sign-in) is verified by hhl's TokenVerifier against the emulator's public key set, read once
from a data: URL: in full (a token the container sees for the first time, `check_access_token`) and
remembered (the same token on a later request, `verify_access_token`), alternately in one loop. Run it
against another version of the layer to compare two verifiers on the same machine in the same minute:

python -m bench.token_verification                  this worktree's layer
python -m bench.token_verification --layer DIR      another checkout's layers/shared
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import time
from pathlib import Path

from bench.stats import summarize

LAYER = Path(__file__).resolve().parents[1] / "layers" / "shared"
REGION = "us-west-2"


def emulator_access_token() -> tuple[str, str, str]:
    """(access token, issuer, app client id) from a sign-in at the emulator's Cognito."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool = cognito.create_user_pool(PoolName="bench")["UserPool"]["Id"]
        client = cognito.create_user_pool_client(
            UserPoolId=pool, ClientName="bench", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        username, password = "learner@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
        cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
        signed_in = cognito.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    return (
        signed_in["AuthenticationResult"]["AccessToken"],
        f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
        client,
    )


def measure(layer: Path, rounds: int) -> dict:
    from moto.utilities.utils import load_resource

    sys.path.insert(0, str(layer))
    from hhl.auth.jwks import JwksCache
    from hhl.auth.verifier import TokenVerifier

    token, issuer, client_id = emulator_access_token()
    key_set = base64.b64encode(json.dumps(load_resource("cognitoidp/resources/jwks-public.json")).encode()).decode()
    verifier = TokenVerifier(issuer, client_id, JwksCache(f"data:application/json;base64,{key_set}"))
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
