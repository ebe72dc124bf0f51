"""A scripted API and site for testing site/hhl.js's own logic in Chromium, on a real loopback server.

One server answers for the site's pages (http://www.hedgehog.localhost:<port>, and http://127.0.0.1:<port>
as a page on another site) and for the API (http://api.hedgehog.localhost:<port>), as hedgehog.cloud and
api.hedgehog.cloud: cross-origin but same-site, so the browser's own CORS, cookies and redirects apply.
The scripted API can be made expired, refusing, unreachable or picky about origins on cue, which the
real stack cannot. The learner journey against the real API is in test_site_journey.py.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kit.fake_http import Answer, Request
from local.http_server import LocalHTTPServer, RequestHandler
from local.site_server import demo_page

THEME_READS = ("/tasks/status?", "/module/progress?", "/course/status?", "/pathway/status?")
REFRESH_LOCK = threading.Lock()  # the token endpoint's check-and-rotate is one step
ROOT = Path(__file__).resolve().parents[2]
HHL_JS = ROOT / "site" / "hhl.js"

PROFILE = {
    "userId": "0f0c5b1e-sub",
    "email": "learner@example.com",
    "displayName": "Lee Learner",
    "givenName": "Lee",
    "familyName": "Learner",
    "hubspotContactId": "9001",
    "createdAt": None,
    "updatedAt": None,
}
OTHER_PROFILE = {
    **PROFILE,
    "userId": "7a7a7a7a-sub",
    "email": "next@example.com",
    "displayName": "Nell Next",
    "givenName": "Nell",
    "hubspotContactId": "9002",
}
CERTIFICATE = {
    "certId": "3f1c2b7a-9d4e-4c1a-8b2f-0e6d5a4c3b21",
    "entityType": "course",
    "entitySlug": "lab",
    "entityTitle": "Lab & Friends",
    "issuedAt": "2026-11-30T23:59:00Z",
}
CREDENTIAL = "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ1cm46dXVpZDozZjFjIn0.c2lnbmF0dXJl"  # shaped like a compact JWS
REVOKED_CERT_ID = "0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"
COURSE = {
    "slug": "lab",
    "title": "Lab",
    "order": 1,
    "modules": [{"slug": "one", "order": 1}, {"slug": "two", "order": 2}],
}

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>fixture</title></head><body>
<div data-auth-state="authenticated" style="display:none"><span id="auth-user-greeting"></span></div>
<div data-auth-state="anonymous">Sign in to track your progress</div>
<div data-auth-state="unknown" style="display:none">Cannot reach Hedgehog Learn</div>
<div id="hhl-auth-context" {attributes} style="display:none"></div>
<script src="/site/hhl.js"></script>
<script>
  window.events = [];
  ['identity', 'problem', 'synced', 'auth-error', 'outbox', 'signed-out', 'account'].forEach(function (event) {{
    var name = 'hhl:' + event;
    document.addEventListener(name, function (e) {{ window.events.push([name, e.detail]); }});
  }});
</script>
</body></html>"""


def context_attributes(api: str) -> str:
    """The theme's #hhl-auth-context: only the three auth URLs (the API base is derived from them)."""
    return (
        f'data-auth-me-url="{api}/auth/me" data-auth-login-url="{api}/auth/login" '
        f'data-auth-logout-url="{api}/auth/logout" data-enable-crm="true"'
    )


@dataclass
class FakeApi:
    """The API's contract as hhl.js sees it, with switches for expiry, refusal and outages.

    The refresh cookie rotates as Cognito's does with rotation on and no grace period: each refresh sets a
    new one, and a refresh with an older one is taken for a stolen token and ends the session."""

    signed_in: bool = True
    access_valid: bool = True
    refresh_valid: bool = True
    reachable: bool = True
    session_ended: bool = False  # signed out elsewhere: 401 session_ended, which no refresh can mend
    profile: dict = field(default_factory=lambda: PROFILE)  # who the session cookies belong to
    allowed_origins: tuple[str, ...] | None = None  # CORS allow-list; None: every origin
    write_status: int | None = None  # forces this status on writes (e.g. 403, 400, 503)
    write_answer: dict | None = None  # the body answered with write_status
    refresh_generation: int = 0
    refresh_seconds: float = 0.0  # how long a refresh takes: long enough for a second tab to need one too
    calls: list[tuple[str, str, dict | None]] = field(default_factory=list)
    writes_by_learner: list[tuple[str, str, str, dict | None]] = field(default_factory=list)
    completed: dict[str, str] = field(default_factory=dict)  # module slug -> occurredAt
    enrolled: set[str] = field(default_factory=set)
    site: str = ""  # where sign-out lands; set by ScriptedSite.open
    quiz_attempts_left: int = 5
    sign_in_is_recent: bool = True  # DELETE /auth/me wants a sign-in of the last 10 minutes
    signs_in_again_as: dict | None = None  # who completes a forced fresh sign-in (prompt=login), if anyone
    deleted: list[str] = field(default_factory=list)  # user ids whose account was deleted

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.calls if (m, p) == (method, path))

    def sign_in_as(self, profile: dict) -> None:
        """What the hosted UI round trip leaves behind: a fresh session of that learner."""
        self.profile, self.signed_in, self.access_valid, self.refresh_valid = profile, True, True, True

    def respond(self, method: str, path: str, headers, body: dict | None) -> tuple[int, dict[str, str], bytes]:
        origin = headers.get("origin") or ""
        cors = {"access-control-allow-origin": origin, "access-control-allow-credentials": "true", "vary": "origin"}
        if not origin or (self.allowed_origins is not None and origin not in self.allowed_origins):
            cors = {}  # as API Gateway: no CORS headers for an origin it does not allow
        if path.startswith("/auth/login"):  # a navigation to the hosted UI
            self.calls.append((method, path, None))
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
            if query.get("prompt") == ["login"] and self.signs_in_again_as:  # the learner types their password
                self.sign_in_as(self.signs_in_again_as)
                self.sign_in_is_recent = True
                return 302, {"location": self.site + query["redirect_url"][0]}, b""
            return 200, {"content-type": "text/html"}, b"<!doctype html><title>hosted UI</title>"
        if path == "/auth/logout":  # a navigation: cookies cleared, back to the site's /learn
            self.calls.append((method, path, None))
            self.signed_in = False
            return 302, {"location": self.site + "/learn"}, b""
        if method == "OPTIONS":
            if cors:
                cors["access-control-allow-methods"] = "GET,POST,DELETE"
                cors["access-control-allow-headers"] = "content-type"
            return 204, cors, b""
        self.calls.append((method, path, body))
        answer_headers = {**cors, "content-type": "application/json"}
        if (method, path) == ("POST", "/auth/refresh"):
            status, answer = self.refresh(headers.get("cookie") or "")
            if status == 200:
                answer_headers["set-cookie"] = (
                    f"refresh={self.refresh_generation}; Path=/; Secure; HttpOnly; SameSite=Strict"
                )
        else:
            status, answer = self.answer(method, path, body)
        return status, answer_headers, b"" if status == 204 else json.dumps(answer).encode()

    def refresh(self, cookie_header: str) -> tuple[int, dict]:
        cookies = dict(part.strip().split("=", 1) for part in cookie_header.split(";") if "=" in part)
        time.sleep(self.refresh_seconds)
        with REFRESH_LOCK:
            return self._refresh(cookies)

    def _refresh(self, cookies: dict[str, str]) -> tuple[int, dict]:
        if not (self.signed_in and self.refresh_valid):
            self.signed_in = False
            return 401, {"error": "Unauthorized: refresh refused"}
        if int(cookies.get("refresh", "0")) != self.refresh_generation:
            self.signed_in = False  # a retired refresh token came back: the session is taken as stolen
            return 401, {"error": "Unauthorized: refresh refused"}
        self.refresh_generation += 1
        self.access_valid = True
        return 200, {"expiresIn": 900}

    def answer(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        if (method, path) == ("GET", "/catalog"):
            return 200, {"pathways": [], "courses": [COURSE]}
        if method == "GET" and path.startswith("/certificate/"):  # public: no session needed
            cert_id = path.removeprefix("/certificate/")
            if cert_id == REVOKED_CERT_ID:
                return 410, {"error": "This certificate has been revoked"}
            return (200, CERTIFICATE | {"credential": CREDENTIAL}) if cert_id == CERTIFICATE["certId"] else (404, {})
        if self.session_ended:
            return 401, {"error": "Unauthorized: Session ended", "details": {"code": "session_ended"}}
        if not (self.signed_in and self.access_valid):
            return 401, {"error": "Unauthorized: Invalid or expired token"}
        if method != "GET":
            self.writes_by_learner.append((self.profile["userId"], method, path, body))
            if self.write_status:
                return self.write_status, self.write_answer or {"error": "forced"}
        if (method, path) == ("GET", "/auth/me"):
            return 200, self.profile
        if path == "/auth/me/export":
            return 200, {"version": 1, "profile": self.profile, "enrollments": [], "progress": []}
        if (method, path) == ("DELETE", "/auth/me"):
            if not self.sign_in_is_recent:
                return 403, {"error": "reauthentication_required"}
            self.deleted.append(self.profile["userId"])
            self.signed_in = False
            return 200, {"deleted": True, "tables": ["users", "enrollments", "progress"]}
        if path == "/certificates":
            return 200, {"certificates": [CERTIFICATE]}
        if method == "GET" and path.startswith(THEME_READS):
            return 200, {"asked": path}  # the theme's reads: the request is what these tests check
        if (method, path) == ("POST", "/tasks/quiz/submit"):
            if self.quiz_attempts_left == 0:
                return 429, {"error": "Too many quiz attempts: try again in 42 minutes"}
            self.quiz_attempts_left -= 1
            return 200, {"score": 50, "pass": False, "attempts": 1, "module_complete": False}
        if (method, path) == ("POST", "/tasks/lab/attest"):
            return 200, {"attested": True, "task_slug": body["task_slug"], "module_complete": True}
        if (method, path) == ("POST", "/progress"):
            self.completed.setdefault(body["moduleSlug"], body["occurredAt"])
            return 200, self.course_progress() | {"badgesAwarded": []}
        if (method, path) == ("POST", "/enrollments"):
            self.enrolled.add(body["courseSlug"])
            return 201, {
                "type": "course",
                "slug": body["courseSlug"],
                "title": "Lab",
                "source": "catalog",
                "enrolledAt": "x",
            }
        if method == "DELETE" and path.startswith("/enrollments/"):
            slug = path.removeprefix("/enrollments/")
            if slug not in self.enrolled:
                return 404, {"error": "Not enrolled in this course"}
            self.enrolled.discard(slug)
            return 204, {}
        if path == "/progress/lab":
            return 200, self.course_progress()
        return 404, {"error": "Not found"}

    def course_progress(self) -> dict:
        modules = {m["slug"]: {"completed": m["slug"] in self.completed} for m in COURSE["modules"]}
        done = len(self.completed)
        return {
            "courseSlug": "lab",
            "modules": modules,
            "completedModules": done,
            "totalModules": 2,
            "courseCompleted": done == 2,
        }


class ScriptedSite:
    """The loopback server: pages and hhl.js by the site's names, the scripted API by the API's name."""

    def __init__(self) -> None:
        self.api = FakeApi()
        self.attributes: str | None = None
        self.html: str | None = None  # a page of the test's own instead of PAGE
        scripted = self

        class Handler(RequestHandler):
            def log_message(self, *args) -> None:
                pass

            def respond(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.headers.get("host", "").startswith("api."):
                    if not scripted.api.reachable:
                        self.close_connection = True  # no answer at all: the browser sees a network error
                        return
                    body = json.loads(raw) if raw else None
                    path = url.path + (f"?{url.query}" if url.query else "")
                    status, headers, data = scripted.api.respond(self.command, path, self.headers, body)
                elif url.path == "/site/hhl.js":
                    status, headers, data = 200, {"content-type": "text/javascript"}, HHL_JS.read_bytes()
                elif url.path == "/learn/certificate":  # the demo site's own page, as the local stack serves it
                    status, headers, data = 200, {"content-type": "text/html"}, demo_page(scripted.api_base, url.path)
                else:
                    page = scripted.html or PAGE.format(
                        attributes=scripted.attributes or context_attributes(scripted.api_base)
                    )
                    status, headers, data = 200, {"content-type": "text/html"}, page.encode()
                self.send_body(status, data, {**headers, "cache-control": "no-store"})

            do_GET = do_POST = do_DELETE = do_OPTIONS = respond

        self.server = LocalHTTPServer(("127.0.0.1", 0), Handler)
        port = self.server.server_address[1]
        self.site = f"http://www.hedgehog.localhost:{port}"
        self.api_base = f"http://api.hedgehog.localhost:{port}"
        self.cross_site = f"http://127.0.0.1:{port}"  # another site than api.hedgehog.localhost
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def open(self, context, api: FakeApi, origin=None, path: str = "/learn", attributes=None, html=None):
        """Serve `api` and open the page on `origin` (the site by default); returns it once hhl.js is ready."""
        api.site = self.site
        self.api, self.attributes, self.html = api, attributes, html
        page = context.new_page()
        page.goto((origin or self.site) + path)
        page.wait_for_function("window.hhIdentity && hhIdentity.isReady()")  # times out if hhl.js broke
        return page


class PageSite:
    """Pages a browser test writes from the contract, at http://www.hedgehog.localhost:<port> (same-site with the
    API, as hedgehog.cloud is with api.hedgehog.cloud): `pages(path, api_base)` gives a page's HTML, or None
    for a 404 (a test module's `site_pages`, set by tests/browser/conftest.py); `api` is the stack's API base."""

    def __init__(self, port: int):
        self.origin = f"http://www.hedgehog.localhost:{port}"
        self.api = ""
        self.pages: Callable[[str, str], bytes | None] = lambda path, api: None

    def answer(self, request: Request) -> Answer:
        body = self.pages(urllib.parse.urlsplit(request.path).path, self.api)
        return (200 if body is not None else 404), {"content-type": "text/html; charset=utf-8"}, body or b""
