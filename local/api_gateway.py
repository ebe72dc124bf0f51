"""A small stand-in for API Gateway's HTTP API (dev only): routes each request to the handler the
template declares for it, with a real payload-2.0 event, and turns the payload-2.0 response into HTTP.

Routes come from template.yaml's HttpApi events (kit.template.http_routes), so nothing is listed
twice. Handlers run in this process, each function's app.py imported lazily under its own module
name (every function has an app.py) with the shared layer on sys.path, as in Lambda.
CORS follows the template's CorsConfiguration with the local allowed origins.
"""

from __future__ import annotations

import base64
import datetime
import importlib.util
import json
import os
import sys
import threading
import traceback
import urllib.parse
import uuid
from collections.abc import Callable, Iterable

from kit.template import ROOT, Route, cors_configuration, http_routes
from local.http_server import LocalHTTPServer, MalformedRequest, RequestHandler
from local.lambda_context import LambdaContext

# Lambda's /opt/python: the shared layer (hhl and its dependencies) and the catalog layer (hhl_catalog).
LAYER_DIRS = (ROOT / "layers" / "shared", ROOT / "layers" / "catalog")
ACCOUNT_ID = "123456789012"
API_ID = "local"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml")
NOT_FOUND = (404, {"content-type": "application/json"}, [], b'{"message":"Not Found"}')
INTERNAL_ERROR = (500, {"content-type": "application/json"}, [], b'{"message":"Internal Server Error"}')
# What the HTTP API answers when the function hits its Timeout: the learner never sees the service's JSON.
TIMED_OUT = (503, {"content-type": "application/json"}, [], b'{"message":"Service Unavailable"}')

Response = tuple[int, dict[str, str], list[str], bytes]  # status, headers, set-cookies, body


def match_route(routes: Iterable[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its URL-decoded path parameters; exact paths win over templated ones."""
    candidates = sorted((r for r in routes if r.method == method), key=lambda r: "{" in r.path)
    for route in candidates:
        found = route.pattern.match(path)
        if found:
            return route, {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
    return None


def _is_text(content_type: str) -> bool:
    content_type = content_type.split(";")[0].strip().lower()
    return not content_type or any(t in content_type for t in TEXT_TYPES)


def build_event(
    route: Route,
    path_parameters: dict[str, str],
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    source_ip: str = "127.0.0.1",
) -> dict:
    """An API Gateway HTTP API payload-2.0 event, shaped as API Gateway builds it."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":  # payload 2.0 moves cookies out of the headers into the `cookies` array
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
        else:  # repeated headers are joined with commas
            merged[name] = f"{merged[name]},{value}" if name in merged else value
    query: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = datetime.datetime.now(datetime.UTC)
    event: dict = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": merged.get("host", "127.0.0.1"),
            "domainPrefix": merged.get("host", "127.0.0.1").split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    # Like API Gateway, optional members are absent (not empty) when the request has none.
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        if _is_text(merged.get("content-type", "")):
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
    return event


def to_http(result) -> Response:
    """A payload-2.0 Lambda result as HTTP; like API Gateway, a result without statusCode is a 200 JSON body."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return 200, {"content-type": "application/json"}, [], json.dumps(result).encode("utf-8")
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    return int(result["statusCode"]), headers, list(result.get("cookies") or []), data


class Router:
    """Template routes -> lazily imported handlers, plus CORS as the template configures it."""

    def __init__(self, allowed_origins: Iterable[str], routes: list[Route] | None = None):
        self.routes = http_routes() if routes is None else routes
        self.cors = cors_configuration()
        self.allowed_origins = {o.rstrip("/") for o in allowed_origins}
        self._handlers: dict[str, Callable] = {}
        self._lock = threading.Lock()

    def handler_for(self, route: Route) -> Callable:
        with self._lock:
            if route.function not in self._handlers:
                self._handlers[route.function] = import_handler(route)
            return self._handlers[route.function]

    def invoke(self, route: Route, event: dict) -> Response:
        """Run the route's handler as Lambda would, cut at the function's Timeout.

        Lambda stops a function at its Timeout and API Gateway answers for it; here the handler runs in a
        thread of its own and the answer is given at the Timeout whatever the thread still does (Python
        cannot stop a thread: its late result is dropped, as a frozen Lambda sandbox's would be).
        """
        # HHL_FUNCTION_TIMEOUT_SECONDS replaces every Timeout: the unit tests' in-process emulator can take
        # seconds per Query on a busy machine, which is no finding about the service.
        timeout = float(os.environ.get("HHL_FUNCTION_TIMEOUT_SECONDS") or route.timeout)
        context = LambdaContext(
            function_name=f"hedgehog-learn-local-{route.code_uri.name}",
            invoked_function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:hedgehog-learn-local-{route.code_uri.name}",
            log_group_name=f"/aws/lambda/hedgehog-learn-local-{route.code_uri.name}",
            timeout_seconds=timeout,
        )
        outcome: list[Response] = []

        def run() -> None:
            try:
                outcome.append(to_http(self.handler_for(route)(event, context)))
            except Exception:  # noqa: BLE001 - API Gateway answers a failed invocation with a bare 500
                traceback.print_exc()
                outcome.append(INTERNAL_ERROR)

        invocation = threading.Thread(target=run, name=f"invoke-{route.function}", daemon=True)
        invocation.start()
        invocation.join(timeout)
        if not outcome:
            print(f"[api] {route.function} timed out after {timeout:g}s", flush=True)
            return TIMED_OUT
        return outcome[0]

    def cors_headers(self, origin: str | None) -> dict[str, str]:
        if not origin or origin.rstrip("/") not in self.allowed_origins:
            return {}
        headers = {"access-control-allow-origin": origin}
        if self.cors.get("AllowCredentials"):
            headers["access-control-allow-credentials"] = "true"
        return headers

    def preflight(self, origin: str | None, request_method: str | None) -> Response:
        """API Gateway answers preflights itself: 204, with CORS headers only for an allowed origin and method."""
        headers = self.cors_headers(origin)
        if headers and (request_method or "").upper() in self.cors.get("AllowMethods", []):
            headers["access-control-allow-methods"] = ",".join(self.cors["AllowMethods"])
            headers["access-control-allow-headers"] = ",".join(self.cors.get("AllowHeaders", []))
            headers["access-control-max-age"] = str(self.cors.get("MaxAge", 0))
        else:
            headers = {}
        return 204, headers, [], b""


def import_handler(route: Route) -> Callable:
    """Import <CodeUri>/app.py as its own module (Lambda gives each function a process; here they share one)."""
    for layer in LAYER_DIRS:
        if str(layer) not in sys.path:
            sys.path.insert(0, str(layer))
    module_file, _, attr = route.handler.rpartition(".")
    path = route.code_uri / f"{module_file}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{route.function}: {path.relative_to(ROOT)} does not exist yet")
    name = f"hhl_function_{route.code_uri.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return getattr(module, attr)


class _Handler(RequestHandler):
    server_version = "hedgehog-learn-local-api"
    log_label = "api"
    router: Router

    def _respond(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        try:
            length = self.body_length()
        except MalformedRequest as exc:
            self.send_error(exc.status)
            return
        if length > MAX_BODY_BYTES:
            self.send_error(413)  # unread, the body would be taken for the next request
            return
        body = self.rfile.read(length) if length else b""
        origin = self.headers.get("origin")
        if self.command == "OPTIONS" and self.headers.get("access-control-request-method"):
            self._write(self.router.preflight(origin, self.headers.get("access-control-request-method")))
            return
        found = match_route(self.router.routes, self.command, url.path)
        if found is None:
            self._write(NOT_FOUND)
            return
        route, path_parameters = found
        request = (self.command, url.path, url.query, self.headers.items(), body, self.client_address[0])
        event = build_event(route, path_parameters, *request)
        status, headers, cookies, data = self.router.invoke(route, event)
        headers.update(self.router.cors_headers(origin))
        self._write((status, headers, cookies, data))

    def _write(self, response: Response) -> None:
        status, headers, cookies, data = response
        self.send_response(status)
        for name, value in headers.items():
            if name not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        for cookie in cookies:
            self.send_header("set-cookie", cookie)
        if status not in (204, 304):  # bodiless by definition; a 304's length would be the full response's
            self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def __getattr__(self, name: str):
        # Every method is routed, TRACE and made-up ones too: no route matches them, so API Gateway's 404.
        if name.startswith("do_"):
            return self._respond
        raise AttributeError(name)


def serve(router: Router, host: str, port: int) -> LocalHTTPServer:
    """Bind the API (not yet serving: the caller runs serve_forever in a thread)."""
    handler = type("ApiGatewayHandler", (_Handler,), {"router": router})
    return LocalHTTPServer((host, port), handler)
