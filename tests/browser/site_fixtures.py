"""A scripted API and site for testing site/hhl.js's own logic in Chromium, through Playwright routes.

The page and hhl.js are served on a site origin and the API answers on another origin of the same site,
as hedgehog.cloud and api.hedgehog.cloud; routes let a test make the API slow to refresh, expired,
unreachable or refusing, which the real stack cannot be asked to do on cue. The learner journey against
the real API is in test_site_journey.py.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HHL_JS = (ROOT / "site" / "hhl.js").read_text(encoding="utf-8")
SITE = "http://www.hedgehog.localhost:8100"
API = "http://api.hedgehog.localhost:8100"
CROSS_SITE = "http://127.0.0.1:8100"  # another site than api.hedgehog.localhost

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
COURSE = {
    "slug": "lab",
    "title": "Lab",
    "order": 1,
    "modules": [{"slug": "one", "order": 1}, {"slug": "two", "order": 2}],
}

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>fixture</title></head><body>
<div data-auth-state="authenticated" style="display:none">Hi <span id="auth-user-greeting"></span></div>
<div data-auth-state="anonymous">Sign in to track your progress</div>
<div data-auth-state="unknown" style="display:none">Cannot reach Hedgehog Learn</div>
<div id="hhl-auth-context" {attributes} style="display:none"></div>
<script src="/site/hhl.js"></script>
<script>
  window.events = [];
  ['hhl:identity', 'hhl:problem', 'hhl:synced', 'hhl:auth-error'].forEach(function (name) {{
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
    """The API's contract as hhl.js sees it, with switches for expiry, refusal and outages."""

    signed_in: bool = True
    access_valid: bool = True
    refresh_valid: bool = True
    reachable: bool = True
    write_status: int | None = None  # forces this status on writes (e.g. 403, 400, 503)
    calls: list[tuple[str, str, dict | None]] = field(default_factory=list)
    completed: dict[str, str] = field(default_factory=dict)  # module slug -> occurredAt

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.calls if (m, p) == (method, path))

    def handle(self, route) -> None:
        request = route.request
        if not self.reachable:
            route.abort("connectionrefused")
            return
        origin = request.headers.get("origin", "")
        cors = {"access-control-allow-origin": origin, "access-control-allow-credentials": "true", "vary": "origin"}
        if request.method == "OPTIONS":
            cors.update(
                {"access-control-allow-methods": "GET,POST,DELETE", "access-control-allow-headers": "content-type"}
            )
            route.fulfill(status=204, headers=cors)
            return
        path = urllib.parse.urlsplit(request.url).path
        body = json.loads(request.post_data) if request.post_data else None
        self.calls.append((request.method, path, body))
        status, answer = self.answer(request.method, path, body)
        route.fulfill(status=status, headers={**cors, "content-type": "application/json"}, body=json.dumps(answer))

    def answer(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        if (method, path) == ("GET", "/catalog"):
            return 200, {"pathways": [], "courses": [COURSE]}
        if (method, path) == ("POST", "/auth/refresh"):
            if self.signed_in and self.refresh_valid:
                self.access_valid = True
                return 200, {"expiresIn": 3600}
            self.signed_in = False
            return 401, {"error": "Unauthorized: refresh refused"}
        if not (self.signed_in and self.access_valid):
            return 401, {"error": "Unauthorized: Invalid or expired token"}
        if method != "GET" and self.write_status:
            return self.write_status, {"error": "forced"}
        if path == "/auth/me":
            return 200, PROFILE
        if (method, path) == ("POST", "/progress"):
            self.completed.setdefault(body["moduleSlug"], body["occurredAt"])
            return 200, self.course_progress() | {"badgesAwarded": []}
        if (method, path) == ("POST", "/enrollments"):
            return 201, {
                "type": "course",
                "slug": body["courseSlug"],
                "title": "Lab",
                "source": "catalog",
                "enrolledAt": "x",
            }
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


def open_site(context, api: FakeApi, site: str = SITE, path: str = "/learn", attributes: str | None = None):
    """Route the site origin (page + hhl.js) and the API origin, open the page; returns it once hhl.js is ready."""

    def serve_site(route):
        if urllib.parse.urlsplit(route.request.url).path == "/site/hhl.js":
            route.fulfill(status=200, content_type="application/javascript", body=HHL_JS)
        else:
            page_html = PAGE.format(attributes=attributes or context_attributes(API))
            route.fulfill(status=200, content_type="text/html", body=page_html)

    context.route(f"{site}/**", serve_site)
    context.route(f"{API}/**", api.handle)
    page = context.new_page()
    page.goto(site + path)
    page.evaluate("window.hhIdentity.ready")
    return page
