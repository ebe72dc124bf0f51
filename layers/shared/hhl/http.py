"""API Gateway HTTP API (payload 2.0) plumbing shared by every endpoint.

- The one place errors become statuses: `HttpError` (and subclasses) carry a status and a client-safe
  message; the storage errors (hhl.storage.errors) and domain errors (hhl.learning.errors), which know
  nothing of HTTP, are mapped here by `as_http_error`. `endpoint` answers all of them with the JSON
  error envelope `{"error": ..., "details"?: ...}`.
- Anything unexpected becomes a 500 with a generic message: the traceback goes to the log only.
- Dependency failures (DynamoDB, Cognito, HubSpot) answer 502, or 503 with Retry-After.
- Each invocation has a deadline (hhl.deadline) that every outbound call honours; a call that runs
  out of it answers 503 with Retry-After, before Lambda's Timeout would cut the request.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from hhl.deadline import DeadlineExceeded, invocation
from hhl.learning.errors import Conflict, DomainError, Gone, InvalidInput, NotFoundError, RateLimited
from hhl.observability import log_context, log_metrics, logger
from hhl.storage.errors import StorageError, StorageUnavailable

MAX_BODY_BYTES = 16 * 1024
JSON_HEADERS = {"content-type": "application/json"}
RETRY_SHORTLY = {"retry-after": "1"}


class HttpError(Exception):
    status = 400

    def __init__(
        self,
        message: str,
        details: Any = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        cookies: list[str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.details = details
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})
        self.cookies = list(cookies or [])  # Set-Cookie values the error answer carries (e.g. clearing a session)


class BadRequest(HttpError):
    status = 400


class NotFound(HttpError):
    status = 404


class Forbidden(HttpError):
    status = 403


class UnsupportedMediaType(HttpError):
    status = 415

    def __init__(self) -> None:
        super().__init__("Content-Type must be application/json")


class DependencyError(HttpError):
    """A downstream service failed; nothing was (or will be) half-written on our side."""

    status = 502


# Errors of the layers below that have an HTTP answer (through as_http_error).
ANSWERABLE_ERRORS = (HttpError, DomainError, StorageError)
_DOMAIN_STATUSES = ((InvalidInput, 400), (NotFoundError, 404), (Conflict, 409), (Gone, 410), (RateLimited, 429))


def as_http_error(exc: HttpError | DomainError | StorageError) -> HttpError:
    """The HTTP answer to an error of any layer: the same status, message, details and headers every time."""
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc, StorageUnavailable):
        return DependencyError("Storage is temporarily unavailable, retry shortly", status=503, headers=RETRY_SHORTLY)
    if isinstance(exc, StorageError):
        return DependencyError("Storage request failed")
    status = next((status for kind, status in _DOMAIN_STATUSES if isinstance(exc, kind)), 400)
    headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return HttpError(exc.message, exc.details, status=status, headers=headers)


def json_response(
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    cookies: list[str] | None = None,
) -> dict:
    response = {
        "statusCode": status,
        "headers": {**JSON_HEADERS, **(headers or {})},
        "body": "" if body is None else json.dumps(body, separators=(",", ":")),
    }
    if cookies:
        response["cookies"] = cookies
    return response


def empty_response(status: int = 204, headers: Mapping[str, str] | None = None) -> dict:
    return {"statusCode": status, "headers": dict(headers or {}), "body": ""}


def redirect(location: str, cookies: list[str] | None = None, headers: Mapping[str, str] | None = None) -> dict:
    response = {
        "statusCode": 302,
        "headers": {"location": location, "cache-control": "no-store", **(headers or {})},
        "body": "",
    }
    if cookies:
        response["cookies"] = cookies
    return response


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or a listed entity tag equal to `etag` by weak comparison."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


def conditional_json_response(event: Mapping, body: str, etag: str, headers: Mapping[str, str]) -> dict:
    """A serialised JSON body under its ETag: 304 without the body when the client already holds it."""
    headers = {"etag": etag, **headers}
    if etag_matches(header(event, "if-none-match"), etag):
        return empty_response(304, headers)
    return {"statusCode": 200, "headers": {**JSON_HEADERS, **headers}, "body": body}


def error_response(
    status: int,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
    cookies: list[str] | None = None,
) -> dict:
    body: dict[str, Any] = {"error": message}
    if details is not None:
        body["details"] = details
    return json_response(status, body, headers=headers, cookies=cookies)


def error_response_for(exc: HttpError, headers: Mapping[str, str] | None = None) -> dict:
    """The JSON error answer for `exc`, with its headers (and `headers` on top) and its cookies."""
    return error_response(exc.status, exc.message, exc.details, {**exc.headers, **(headers or {})}, exc.cookies)


def header(event: Mapping, name: str) -> str | None:
    """A request header; payload 2.0 lower-cases header names."""
    return (event.get("headers") or {}).get(name.lower())


def query_params(event: Mapping) -> dict[str, str]:
    return dict(event.get("queryStringParameters") or {})


def path_param(event: Mapping, name: str) -> str:
    return (event.get("pathParameters") or {}).get(name, "")


def request_cookies(event: Mapping) -> dict[str, list[str]]:
    """Cookies from payload 2.0's `cookies` array, every value of each name in the order sent.

    API Gateway splits each Cookie header at `;` and joins the pieces of all Cookie headers into that one
    array, so a name repeated within a header or across headers shows up here as several values.
    """
    cookies: dict[str, list[str]] = {}
    for pair in event.get("cookies") or []:
        name, sep, value = pair.partition("=")
        if sep and name.strip():
            cookies.setdefault(name.strip(), []).append(value.strip())
    return cookies


def raw_body(event: Mapping) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError:
            raise BadRequest("Request body is not valid base64") from None
    return body.encode("utf-8")


def require_json_content_type(event: Mapping) -> None:
    """UnsupportedMediaType (415) unless the request's Content-Type is application/json (parameters aside)."""
    content_type = (header(event, "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType()


def json_body(event: Mapping) -> dict:
    """The request's JSON object body: content type, size and syntax checked."""
    require_json_content_type(event)
    data = raw_body(event)
    if len(data) > MAX_BODY_BYTES:
        raise HttpError(f"Request body exceeds {MAX_BODY_BYTES} bytes", status=413)
    try:
        parsed = json.loads(data)
    # RecursionError: a few thousand nested brackets fit in 16 KB and exhaust json's recursion limit.
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("Request body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise BadRequest("Request body must be a JSON object")
    return parsed


def endpoint(handler: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """Wrap a Lambda handler: deadline, correlation id, error envelope, metrics flush, no tracebacks out."""

    @functools.wraps(handler)
    @log_metrics
    @log_context
    def wrapper(event: dict, context: Any) -> dict:
        try:
            with invocation(context):
                return handler(event, context)
        except ANSWERABLE_ERRORS as raised:
            exc = as_http_error(raised)
            level = logger.warning if exc.status >= 500 else logger.info
            level("request rejected", extra={"status": exc.status, "reason": exc.message})
            return error_response_for(exc)
        except DeadlineExceeded as exc:
            logger.warning("request out of time", extra={"status": 503, "reason": str(exc)})
            return error_response(503, "Service is temporarily unavailable, retry shortly", headers=RETRY_SHORTLY)
        except Exception:  # noqa: BLE001 - the last line of defence: log it, never leak it
            logger.exception("unhandled error")
            return error_response(500, "Internal server error")

    return wrapper


def routed_endpoint(routes: Mapping[str, Callable[[dict], dict]]) -> Callable[[dict, Any], dict]:
    """The Lambda handler of a function serving several routes: `endpoint` around a call to the function
    `routes` names for the event's routeKey (e.g. "GET /progress/{courseSlug}"); an unknown route is a 404."""
    table = dict(routes)

    @endpoint
    def handler(event: dict, context: Any) -> dict:
        route = table.get(event.get("routeKey", ""))
        if route is None:
            raise NotFound("Route not found")
        return route(event)

    return handler
