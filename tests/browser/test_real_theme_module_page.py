"""The theme's real production-completion.js, unchanged, on a module page graded by the real stack in Chromium.

The script is read at test time from a clone of afewell-hh/hh-learn (tests/support/theme_scripts.py: pinned by
commit and SHA-256, skipped without a clone); it is never committed here. The page around it is written here
from what the script reads: #hhl-module-context[data-module-slug], #hhl-quiz-section[data-quiz-ref] with
#hhl-quiz-form .hhl-quiz-question[data-q-id] radios, #hhl-quiz-submit, #hhl-quiz-feedback, #hhl-lab-section with
#hhl-lab-attest-btn and #hhl-lab-feedback, inside .module-detail (where it puts its banners). The site is the
browser tests' loopback page site; the script's hard-coded https://api.hedgehog.cloud is routed to the stack's
site API (http://api.hedgehog.localhost:<port>) with the learner's cookies and the stack's own CORS answer.
"""

from __future__ import annotations

import html
import json
import urllib.parse

import pytest
import requests

from kit.sign_in import loopback_url
from tests.catalog_dirs import FIXTURE_CONTENT
from tests.support.content_quizzes import answer_on_the_page, options_html
from tests.support.theme_scripts import theme_script

pytestmark = [pytest.mark.browser, pytest.mark.integration]

MODULE = "watering-schedules"
QUIZ = json.loads((FIXTURE_CONTENT / "modules" / MODULE / "quiz.json").read_text())
SCRIPT_PATH = "clean-x-hedgehog-templates/assets/js/production-completion.js"
SCRIPT_URL = "/assets/js/production-completion.js"
THEME_API = "https://api.hedgehog.cloud"


def module_page() -> bytes:
    questions = "".join(
        f'<div class="hhl-quiz-question" data-q-id="{html.escape(q["id"])}"><p>{html.escape(q["stem"])}</p>'
        + options_html(q)
        + "</div>"
        for q in QUIZ["questions"]
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Watering Schedules</title></head>
<body><main class="module-detail"><h1>Watering Schedules</h1>
<div id="hhl-module-context" data-module-slug="{MODULE}"></div>
<section id="hhl-quiz-section" data-quiz-ref="{QUIZ["quiz_id"]}"><form id="hhl-quiz-form">{questions}</form>
  <button type="button" id="hhl-quiz-submit">Submit answers</button><div id="hhl-quiz-feedback"></div></section>
<section id="hhl-lab-section"><button type="button" id="hhl-lab-attest-btn">I completed the lab</button>
  <div id="hhl-lab-feedback"></div></section>
</main><script src="{SCRIPT_URL}"></script></body></html>""".encode()


def site_pages(path: str, api: str) -> bytes | None:
    if path == SCRIPT_URL:
        return theme_script(SCRIPT_PATH)
    return module_page() if path == f"/learn/modules/{MODULE}" else None


class ThemeApi:
    """Routes the script's https://api.hedgehog.cloud calls to the stack as they went (method, body, the page's
    Origin) with the context's cookies for the stack's host, and answers with the stack's status, headers and
    body. Chromium checks no CORS on a routed answer and Playwright answers preflights itself, so each answer's
    CORS headers are kept in `calls` for the test to check."""

    def __init__(self, context, site_api: str):
        self.context, self.site_api, self.calls = context, site_api.rstrip("/"), []
        context.route(f"{THEME_API}/**", self.forward)

    def forward(self, route) -> None:
        url = self.site_api + route.request.url[len(THEME_API) :]
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.context.cookies(url))
        headers = {**route.request.headers, "cookie": cookies, "host": urllib.parse.urlsplit(url).netloc}
        response = route.fetch(url=loopback_url(url), headers=headers)  # Playwright's resolver lacks *.localhost
        cors = (
            response.headers.get("access-control-allow-origin"),
            response.headers.get("access-control-allow-credentials"),
        )
        self.calls.append((route.request.method, urllib.parse.urlsplit(url).path, bool(cookies), cors))
        route.fulfill(response=response)


def preflight(stack, site, path: str) -> requests.Response:
    """What Chromium asks the API before the script's JSON POST (Playwright answers it itself when routing)."""
    headers = {
        "origin": site.origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    return requests.options(loopback_url(stack["site_api_url"] + path), headers=headers, timeout=10)


def test_the_theme_script_grades_restores_and_completes_the_module(site_and_stack, signed_in_page):
    site, stack = site_and_stack
    page = signed_in_page
    theme_script(SCRIPT_PATH)  # skip before routing when no clone is here
    api = ThemeApi(page.context, stack["site_api_url"])
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

    def status() -> dict:
        cookies = {c["name"]: c["value"] for c in page.context.cookies(stack["site_api_url"])}
        url = loopback_url(f"{stack['site_api_url']}/tasks/status?module_slug={MODULE}")
        reply = requests.get(url, cookies=cookies, timeout=10)
        assert reply.status_code == 200, reply.text
        return reply.json()

    with page.expect_response(f"{THEME_API}/tasks/status?module_slug={MODULE}") as loaded:
        page.goto(f"{site.origin}/learn/modules/{MODULE}")
    assert loaded.value.status == 200 and loaded.value.json()["module_status"] == "not_started"
    assert page.inner_text("#hhl-quiz-feedback") == "" and page.is_visible("#hhl-quiz-submit")

    right = {q["id"]: q["correct_answer"] for q in QUIZ["questions"]}
    wrong = {q["id"]: next(o["id"] for o in q["options"] if o["id"] != q["correct_answer"]) for q in QUIZ["questions"]}
    answer_on_the_page(page, wrong)
    page.locator("#hhl-quiz-feedback .hhl-task-badge--fail").wait_for()
    assert page.inner_text("#hhl-quiz-feedback .hhl-task-badge--fail") == "Score: 0% (Attempt 1) — Need 75% to pass."
    assert status()["tasks"]["quiz-1"]["status"] == "failed"

    page.click("#hhl-quiz-retake")
    answer_on_the_page(page, right)
    page.locator("#hhl-quiz-feedback .hhl-task-badge--pass").wait_for()
    assert page.inner_text("#hhl-quiz-feedback") == "Quiz Passed ✓ — Score: 100%"
    assert not page.is_visible("#hhl-quiz-form") and page.locator("#hhl-module-complete-banner").count() == 0

    page.click("#hhl-lab-attest-btn")
    page.locator("#hhl-lab-feedback .hhl-task-badge--pass").wait_for()
    assert page.inner_text("#hhl-lab-feedback") == "Lab Completed ✓"
    banner = page.locator("#hhl-module-complete-banner")
    assert banner.inner_text().startswith("Module Complete ✓ — All tasks finished.")
    certificate = banner.locator("a.hhl-cert-link").get_attribute("href")
    held = status()
    assert held["module_status"] == "complete" and certificate == f"/learn/certificate?id={held['cert_id']}"

    with page.expect_response(f"{THEME_API}/tasks/status?module_slug={MODULE}"):
        page.reload()
    page.locator("#hhl-module-complete-banner").wait_for()
    assert page.inner_text("#hhl-quiz-feedback") == "Quiz Passed ✓ — Score: 100%"
    assert page.inner_text("#hhl-lab-feedback") == "Lab Completed ✓"
    assert page.locator("#hhl-module-complete-banner a.hhl-cert-link").get_attribute("href") == certificate
    assert [(method, path) for method, path, _, _ in api.calls] == [
        ("GET", "/tasks/status"),
        ("POST", "/tasks/quiz/submit"),
        ("POST", "/tasks/quiz/submit"),
        ("POST", "/tasks/lab/attest"),
        ("GET", "/tasks/status"),
    ]
    assert all(sent and cors == (site.origin, "true") for _, _, sent, cors in api.calls), api.calls
    assert problems == [], problems


def test_the_api_allows_the_scripts_cross_origin_posts_from_the_site(site_and_stack):
    site, stack = site_and_stack
    for path in ("/tasks/quiz/submit", "/tasks/lab/attest"):
        allowed = preflight(stack, site, path)
        assert allowed.status_code == 204, path
        assert allowed.headers["access-control-allow-origin"] == site.origin
        assert allowed.headers["access-control-allow-credentials"] == "true"
        assert "POST" in allowed.headers["access-control-allow-methods"]
        assert "content-type" in allowed.headers["access-control-allow-headers"].lower()
