"""The bad-input table: every write route's ways to be wrong, and the 4xx each must get. The handlers are run
against it (tests/unit/learning/test_bad_input.py), and so is the OpenAPI document's request schema
(tests/unit/learning/test_openapi_contract.py): one table, two readers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

LAB = "hedgehog-lab-foundations"
LAB_MODULE = "accessing-the-hedgehog-virtual-lab-with-google-cloud"
JSON = {"content-type": "application/json"}


def ago(**delta) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat().replace("+00:00", "Z")


def progress(**fields) -> dict:
    body = {"courseSlug": LAB, "moduleSlug": LAB_MODULE, "event": "completed"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


@dataclass
class Case:
    name: str
    method: str
    path: str
    body: object = None  # a JSON-able value, or raw str/bytes when `raw` is set
    status: int = 400
    error: str | tuple[str, ...] = "Invalid request body"  # a tuple: any of these (interpreter-dependent)
    details: dict | None = None  # expected subset of details (field -> problem substring)
    raw: bool = False
    headers: dict = field(default_factory=lambda: dict(JSON))


CASES = [
    # ---- envelope: content type, size, syntax
    Case("invalid JSON", "POST", "/enrollments", '{"courseSlug":', raw=True, error="Request body is not valid JSON"),
    Case(
        "form content type",
        "POST",
        "/enrollments",
        f"courseSlug={LAB}",
        raw=True,
        status=415,
        error="Content-Type must be application/json",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Case(
        "no content type",
        "POST",
        "/progress",
        json.dumps(progress()),
        raw=True,
        status=415,
        error="Content-Type must be application/json",
        headers={},
    ),
    Case("JSON array body", "POST", "/enrollments", [{"courseSlug": LAB}], error="Request body must be a JSON object"),
    Case("JSON string body", "POST", "/progress", "completed", error="Request body must be a JSON object"),
    Case("empty body", "POST", "/enrollments", "", raw=True, error="Request body is not valid JSON"),
    Case(
        "body over 16 KB",
        "POST",
        "/enrollments",
        {"courseSlug": "a" * 17_000},
        status=413,
        error="Request body exceeds 16384 bytes",
    ),
    Case(
        "deeply nested JSON",
        "POST",
        "/progress",
        "[" * 10_000 + "]" * 10_000,
        raw=True,
        status=413,
        error="Request body exceeds 16384 bytes",
    ),
    Case(
        "nesting within the size limit",
        "POST",
        "/progress",
        "[" * 5_000 + "]" * 5_000,
        raw=True,
        # CPython 3.11's decoder gives up (RecursionError) at this depth; 3.13's, Lambda's, parses it to a list.
        error=("Request body is not valid JSON", "Request body must be a JSON object"),
    ),
    Case(
        "not UTF-8",
        "POST",
        "/enrollments",
        b'{"courseSlug": "\xff\xfe"}',
        raw=True,
        error="Request body is not valid JSON",
    ),
    Case(
        "integer with 5000 digits",
        "POST",
        "/progress",
        '{"event": ' + "9" * 5000 + "}",
        raw=True,
        error="Request body is not valid JSON",
    ),
    # ---- enrollments: fields, types, values
    Case("empty object", "POST", "/enrollments", {}, details={"courseSlug": "exactly one"}),
    Case(
        "course and pathway",
        "POST",
        "/enrollments",
        {"courseSlug": LAB, "pathwaySlug": "network-like-hyperscaler"},
        details={"courseSlug": "exactly one"},
    ),
    Case("slug is a number", "POST", "/enrollments", {"courseSlug": 42}, details={"courseSlug": "must be a string"}),
    Case("slug is null", "POST", "/enrollments", {"courseSlug": None}, details={"courseSlug": "must be a string"}),
    Case("slug is NaN", "POST", "/enrollments", '{"courseSlug": NaN}', raw=True, details={"courseSlug": "string"}),
    Case(
        "operator object as slug",
        "POST",
        "/enrollments",
        {"courseSlug": {"$gt": ""}},
        details={"courseSlug": "must be a string"},
    ),
    Case("unknown course", "POST", "/enrollments", {"courseSlug": "kubernetes-101"}, details={"courseSlug": "unknown"}),
    Case("unknown pathway", "POST", "/enrollments", {"pathwaySlug": "kubernetes"}, details={"pathwaySlug": "unknown"}),
    Case(
        "source outside the enum",
        "POST",
        "/enrollments",
        {"courseSlug": LAB, "source": "newsletter"},
        details={"source": "must be one of"},
    ),
    Case(
        "server-only source",
        "POST",
        "/enrollments",
        {"courseSlug": LAB, "source": "module_event"},
        details={"source": "must be one of"},
    ),
    Case(
        "unknown field",
        "POST",
        "/enrollments",
        {"courseSlug": LAB, "userId": "someone-else"},
        details={"userId": "unknown field"},
    ),
    Case(
        "unknown field with a hostile name",
        "POST",
        "/enrollments",
        {"courseSlug": LAB, "<img src=x>": 1},
        details={"(unnamed)": "unknown field"},
    ),
    Case(
        "homoglyph slug",
        "POST",
        "/enrollments",
        {"courseSlug": "hedgehog-lab-foundat\u0456ons"},
        details={"courseSlug": "must be a slug"},
    ),
    Case("NUL in slug", "POST", "/enrollments", {"courseSlug": LAB + "\u0000"}, details={"courseSlug": "slug"}),
    Case("trailing newline", "POST", "/enrollments", {"courseSlug": LAB + "\n"}, details={"courseSlug": "slug"}),
    Case(
        "SQL injection text",
        "POST",
        "/enrollments",
        {"courseSlug": "x'; DROP TABLE enrollments;--"},
        details={"courseSlug": "slug"},
    ),
    Case(
        "key separator injection",
        "POST",
        "/enrollments",
        {"courseSlug": "hedgehog-lab#foundations"},
        details={"courseSlug": "slug"},
    ),
    Case(
        "101-character slug", "POST", "/enrollments", {"courseSlug": "a" * 101}, details={"courseSlug": "at most 100"}
    ),
    # ---- progress
    Case("missing moduleSlug", "POST", "/progress", progress(moduleSlug=...), details={"moduleSlug": "is required"}),
    Case(
        "missing everything",
        "POST",
        "/progress",
        {},
        details={"courseSlug": "is required", "moduleSlug": "is required", "event": "is required"},
    ),
    Case(
        "event outside the enum", "POST", "/progress", progress(event="finished"), details={"event": "must be one of"}
    ),
    Case(
        "event with whitespace", "POST", "/progress", progress(event=" completed"), details={"event": "must be one of"}
    ),
    Case("event is a boolean", "POST", "/progress", progress(event=True), details={"event": "must be a string"}),
    Case(
        "module of another course",
        "POST",
        "/progress",
        progress(moduleSlug="fabric-operations-welcome"),
        details={"moduleSlug": "not a module of this course"},
    ),
    Case(
        "unknown course", "POST", "/progress", progress(courseSlug="kubernetes-101"), details={"courseSlug": "unknown"}
    ),
    Case(
        "script in moduleSlug",
        "POST",
        "/progress",
        progress(moduleSlug="<script>alert(1)</script>"),
        details={"moduleSlug": "slug"},
    ),
    Case("unknown field", "POST", "/progress", progress(completedAt=ago(days=1)), details={"completedAt": "unknown"}),
    Case(
        "occurredAt in words", "POST", "/progress", progress(occurredAt="yesterday"), details={"occurredAt": "RFC 3339"}
    ),
    Case(
        "occurredAt without zone",
        "POST",
        "/progress",
        progress(occurredAt=ago(hours=1)[:-1]),
        details={"occurredAt": "time zone"},
    ),
    Case(
        "occurredAt impossible date",
        "POST",
        "/progress",
        progress(occurredAt="2026-02-30T10:00:00Z"),
        details={"occurredAt": "RFC 3339"},
    ),
    Case(
        "occurredAt in the future",
        "POST",
        "/progress",
        progress(occurredAt=ago(hours=-1)),
        details={"occurredAt": "future"},
    ),
    Case(
        "occurredAt years ago",
        "POST",
        "/progress",
        progress(occurredAt="2001-09-09T01:46:40Z"),
        details={"occurredAt": "within the last 30 days"},
    ),
    Case(
        "occurredAt as epoch number",
        "POST",
        "/progress",
        progress(occurredAt=1_700_000_000),
        details={"occurredAt": "must be a string"},
    ),
    # ---- path parameters
    Case("control character in path", "DELETE", "/enrollments/%00", error="Invalid course slug", headers={}),
    Case("emoji in path", "GET", "/progress/%F0%9F%A6%94", error="Invalid course slug", headers={}),
    Case("traversal-looking path", "DELETE", "/enrollments/..%2F..%2Fbadges", error="Invalid course slug", headers={}),
]
