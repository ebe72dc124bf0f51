"""A stand-in for the AWS Parameters and Secrets Lambda Extension (dev and tests only).

It serves the same two GET routes on loopback, by default 127.0.0.1:2773 like the real one
(PARAMETERS_SECRETS_EXTENSION_HTTP_PORT moves it), from SSM and Secrets Manager in whatever boto3
reaches: the local stack's emulator, or moto in-process in unit tests. So every stage reads its
secrets the way Lambda does, and no handler ever sees a secret in its environment.

What it copies from the real extension, because the backend depends on it:
- `X-Aws-Parameters-Secrets-Token` must equal the function's AWS_SESSION_TOKEN; otherwise 401
  (text/plain "bad session token or header key", X-Amzn-Errortype AccessDeniedException).
- While it starts it answers 400 "not ready to serve traffic, please wait" (`ready` is an Event, so
  tests can hold it there and reproduce the INIT race).
- Errors from the store are passed through: its HTTP status and error code (ParameterNotFound,
  ResourceNotFoundException, ...) in X-Amzn-Errortype, the message as the body.
- Values are cached for SSM_PARAMETER_STORE_TTL / SECRETS_MANAGER_TTL seconds (default 300, 0 = off).
Nothing here logs a value.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from local.http_server import LocalHTTPServer

HOST = "127.0.0.1"
DEFAULT_PORT = 2773
PORT_VARIABLE = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
NOT_READY = "not ready to serve traffic, please wait"
BAD_TOKEN = "bad session token or header key"
DEFAULT_TTL_SECONDS = 300


class ExtensionError(Exception):
    def __init__(self, status: int, error_type: str, message: str):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


class SecretsExtension:
    """The extension's behaviour, independent of HTTP; `clients(service)` returns a boto3 client."""

    def __init__(self, session_token: str, clients: Callable[[str], object], ttl: dict[str, float] | None = None):
        if not session_token:
            raise ValueError("the extension needs the functions' AWS_SESSION_TOKEN")
        self.session_token = session_token
        self.clients = clients
        self.ready = threading.Event()
        self.ready.set()
        self.ttl = ttl if ttl is not None else ttl_from_env(os.environ)
        self._cache: dict[tuple, tuple[dict, float]] = {}
        self._lock = threading.Lock()

    def get(self, path: str, query: dict[str, str], token: str | None) -> dict:
        if not self.ready.is_set():
            raise ExtensionError(400, "", NOT_READY)
        if token != self.session_token:
            raise ExtensionError(401, "AccessDeniedException", BAD_TOKEN)
        if path.rstrip("/") == "/systemsmanager/parameters/get":
            return self._cached("ssm", query, lambda: self._parameter(query))
        if path.rstrip("/") == "/secretsmanager/get":
            return self._cached("secretsmanager", query, lambda: self._secret(query))
        raise ExtensionError(404, "", "not found")

    def _cached(self, service: str, query: dict[str, str], fetch: Callable[[], dict]) -> dict:
        key = (service, *sorted(query.items()))
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit and now < hit[1]:
            return hit[0]
        document = fetch()
        if self.ttl[service] > 0:
            with self._lock:
                self._cache[key] = (document, now + self.ttl[service])
        return document

    def _parameter(self, query: dict[str, str]) -> dict:
        name = query.get("name", "")
        if not name:
            raise ExtensionError(400, "ValidationException", "name is required")
        for selector in ("version", "label"):  # GetParameter's name:version / name:label forms
            if query.get(selector):
                name = f"{name}:{query[selector]}"
        decrypt = query.get("withDecryption", "false").lower() == "true"
        return self._call("ssm", "get_parameter", Name=name, WithDecryption=decrypt)

    def _secret(self, query: dict[str, str]) -> dict:
        secret_id = query.get("secretId", "")
        if not secret_id:
            raise ExtensionError(400, "ValidationException", "secretId is required")
        args = {"SecretId": secret_id}
        if query.get("versionId"):
            args["VersionId"] = query["versionId"]
        if query.get("versionStage"):
            args["VersionStage"] = query["versionStage"]
        return self._call("secretsmanager", "get_secret_value", **args)

    def _call(self, service: str, operation: str, **args) -> dict:
        from botocore.exceptions import ClientError

        try:
            response = getattr(self.clients(service), operation)(**args)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400
            # Both stores speak AWS's JSON protocol, where every client error is a 400 (moto says 404 for some).
            status = 400 if status < 500 else status
            raise ExtensionError(status, error.get("Code", ""), error.get("Message", "")) from None
        response.pop("ResponseMetadata", None)
        return response


def ttl_from_env(env) -> dict[str, float]:
    def seconds(variable: str) -> float:
        raw = (env.get(variable) or "").strip()
        return float(raw) if raw else DEFAULT_TTL_SECONDS

    return {"ssm": seconds("SSM_PARAMETER_STORE_TTL"), "secretsmanager": seconds("SECRETS_MANAGER_TTL")}


class _Handler(BaseHTTPRequestHandler):
    extension: SecretsExtension

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        try:
            document = self.extension.get(url.path, query, self.headers.get(TOKEN_HEADER))
        except ExtensionError as exc:
            self._send(exc.status, exc.message.encode(), "text/plain", exc.error_type)
            return
        self._send(200, json.dumps(document, default=_json_default).encode(), "application/json", "")

    def _send(self, status: int, body: bytes, content_type: str, error_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        if error_type:
            self.send_header("x-amzn-errortype", error_type)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # the query names secrets; keep the stack's output quiet
        pass


def _json_default(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def serve(extension: SecretsExtension, host: str = HOST, port: int = DEFAULT_PORT) -> LocalHTTPServer:
    handler = type("SecretsExtensionHandler", (_Handler,), {"extension": extension})
    return LocalHTTPServer((host, port), handler)
