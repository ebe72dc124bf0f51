"""Secrets (JWT_SECRET, HUBSPOT_PRIVATE_APP_TOKEN), fetched once per container.

Locally they come from the environment. In AWS they live in SSM SecureString parameters whose
*names* are in <VAR>_PARAMETER, read through the AWS Parameters and Secrets Lambda Extension on
localhost. The extension is used instead of boto3 so that login and logout never import the SDK
(it would double their cold start); it is a plain HTTP GET, so urllib is all we need.
"""

from __future__ import annotations

import functools
import json
import os
import urllib.parse
import urllib.request

from hhl.config import LOCAL_STAGE, ConfigError

MIN_JWT_SECRET_LENGTH = 32
_EXTENSION_TIMEOUT_SECONDS = 2.0


def _from_extension(parameter_name: str) -> str:
    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")
    query = urllib.parse.urlencode({"name": parameter_name, "withDecryption": "true"})
    request = urllib.request.Request(
        f"http://localhost:{port}/systemsmanager/parameters/get?{query}",
        headers={"X-Aws-Parameters-Secrets-Token": os.environ.get("AWS_SESSION_TOKEN", "")},
    )
    with urllib.request.urlopen(request, timeout=_EXTENSION_TIMEOUT_SECONDS) as response:
        return json.load(response)["Parameter"]["Value"]


def _logged(error: ConfigError) -> ConfigError:
    """One log line naming the variable, at init; imported lazily so the happy path loads no logger here."""
    from hhl.observability import logger

    logger.error(str(error))
    return error


@functools.cache
def get_secret(name: str) -> str:
    """The secret called `name` (e.g. JWT_SECRET), read once per container (failures are not cached).
    Raises ConfigError naming the variable, logged once."""
    try:
        return _read_secret(name)
    except ConfigError as exc:
        raise _logged(exc) from None


def _read_secret(name: str) -> str:
    if os.environ.get("APP_STAGE") == LOCAL_STAGE:
        value = os.environ.get(name, "")
        if not value:
            raise ConfigError(f"Missing required environment variable {name}")
        return value
    # Outside the local stage a plaintext secret in the environment is refused, not used.
    if os.environ.get(name):
        raise ConfigError(f"Environment variable {name} must not be set in AWS; set {name}_PARAMETER instead")
    parameter = os.environ.get(f"{name}_PARAMETER", "")
    if not parameter:
        raise ConfigError(f"Missing required environment variable {name}_PARAMETER")
    try:
        value = _from_extension(parameter)
    except Exception as exc:  # noqa: BLE001 - any failure here is a configuration failure at init
        raise ConfigError(f"Could not read {name} from SSM parameter {parameter}: {type(exc).__name__}") from None
    if not value:
        raise ConfigError(f"SSM parameter {parameter} for {name} is empty")
    return value


def jwt_secret() -> str:
    secret = get_secret("JWT_SECRET")
    if len(secret) < MIN_JWT_SECRET_LENGTH:
        raise _logged(ConfigError(f"JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters"))
    return secret
