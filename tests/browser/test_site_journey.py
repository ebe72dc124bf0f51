"""The learner's journey on the demo site page (local/site/learn.html, built on site/hhl.js) against the
real local stack, in Chromium: sign in and land back, enroll, complete a course, badge, reload; a silent
refresh, a write made while the API is unreachable, sign-out; a session that ends with a change waiting,
the next learner at the same computer, sign-out clearing the browser; the pathway's order, module titles,
started modules and one enrollment per double click; the same page on a cross-site origin and on a
same-site origin the API does not allow; and a page using only the HubSpot theme's existing contract.

The page is on the stack's site origin and calls the API on its own origin (`site_url`, `site_api_url`
in stack.json), as https://hedgehog.cloud calls https://api.hedgehog.cloud.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from pathlib import Path

import pytest

from local.stack import create_user
from tests.browser.site_page import new_learner, sign_in, site_url

pytestmark = [pytest.mark.browser, pytest.mark.integration]

COURSE = "hedgehog-lab-foundations"  # three modules in the real catalog
MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]
LEARNER_API = re.compile(r"/(auth/me|auth/refresh|enrollments|progress|badges)(/|\?|$)")


def site_api(stack) -> str:
    return stack.get("site_api_url") or stack["api_url"]


def origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def course(page):
    return page.locator(f'.course[data-course="{COURSE}"]')


@pytest.fixture
def learner(local_stack) -> dict:
    return new_learner(local_stack, "learner", "Site", "Learner")


def wait_for_progress(page, completed: int) -> None:
    """Until the course's progress bar shows `completed` modules (as the API answered them)."""
    page.wait_for_function(f"document.querySelector('progress[data-course=\"{COURSE}\"]').value === {completed}")


def api_get(page, stack, path: str) -> dict:
    """The API's own answer to a credentialed fetch from the page: the state is the server's, not the page's.
    (Fetched by Chromium: Playwright's own request context resolves names in Node, which knows no *.localhost.)"""
    answer = page.evaluate(
        """async (url) => {
            const response = await fetch(url, {credentials: "include", headers: {accept: "application/json"}});
            return {ok: response.ok, text: await response.text()};
        }""",
        site_api(stack) + path,
    )
    assert answer["ok"], answer["text"]
    return json.loads(answer["text"])


def test_sign_in_enroll_complete_course_badge_and_reload(local_stack, context, learner):
    page = context.new_page()
    sign_in(page, local_stack, learner)
    assert page.locator("#profile-name").inner_text() == "Site Learner"
    assert page.locator("#login").is_hidden()
    assert page.evaluate("document.cookie") == ""  # the page never sees a token

    # Enroll from the catalog, then complete every module of the course.
    course(page).locator(".enroll").click()
    course(page).locator(".unenroll").wait_for()
    for done, module in enumerate(MODULES, 1):
        course(page).locator(f'input[data-module="{module}"]').check()
        wait_for_progress(page, done)

    bar = course(page).locator("progress")
    assert bar.get_attribute("max") == str(len(MODULES))
    badge = course(page).locator(f'[data-badge="course:{COURSE}"]')
    badge.wait_for()
    assert page.locator(f'#badges [data-badge-id="course:{COURSE}"]').inner_text() == "Hedgehog Lab Foundations"

    # A reload shows the same state, from the API.
    page.reload()
    wait_for_progress(page, len(MODULES))
    badge.wait_for()
    for module in MODULES:
        assert course(page).locator(f'input[data-module="{module}"]').is_checked()
    assert course(page).locator(".enroll").is_hidden()
    progress = api_get(page, local_stack, f"/progress/{COURSE}")
    assert (progress["completedModules"], progress["courseCompleted"]) == (len(MODULES), True)
    assert f"course:{COURSE}" in {b["badgeId"] for b in api_get(page, local_stack, "/badges")["badges"]}


def test_expired_access_cookie_is_refreshed_silently_and_the_progress_lands(local_stack, context, learner):
    page = context.new_page()
    sign_in(page, local_stack, learner)
    context.clear_cookies(name="__Host-hhl_access_token")
    assert "__Host-hhl_refresh_token" in {c["name"] for c in context.cookies()}
    refreshes = []
    page.on("request", lambda r: r.url.endswith("/auth/refresh") and refreshes.append(r.method))

    module = MODULES[0]
    course(page).locator(f'input[data-module="{module}"]').check()

    wait_for_progress(page, 1)
    assert refreshes == ["POST"]
    assert page.evaluate("[hhl.state(), hhl.pending()]") == ["authenticated", 0]
    assert api_get(page, local_stack, f"/progress/{COURSE}")["modules"][module]["completed"] is True


def test_write_made_while_the_api_is_unreachable_is_replayed_when_it_is_back(local_stack, context, learner):
    page = context.new_page()
    sign_in(page, local_stack, learner)
    before = api_get(page, local_stack, "/enrollments")["enrollments"]
    assert COURSE not in {e["slug"] for e in before}

    def unreachable(route):
        route.abort("connectionrefused")

    context.route(LEARNER_API, unreachable)
    course(page).locator(".enroll").click()
    page.locator("#status").filter(has_text="Saved in this browser").wait_for()
    page.locator("#pending").filter(has_text="1 change waits").wait_for()

    context.unroute(LEARNER_API, unreachable)
    page.reload()  # the next page view sends what waits
    page.locator("#pending").wait_for(state="hidden")
    course(page).locator(".unenroll").wait_for()
    assert page.evaluate("hhl.pending()") == 0
    enrolled = {e["slug"]: e for e in api_get(page, local_stack, "/enrollments")["enrollments"]}
    assert enrolled[COURSE]["source"] == "catalog"


def test_sign_out_shows_the_signed_out_page(local_stack, context, learner):
    page = context.new_page()
    sign_in(page, local_stack, learner)

    page.locator("#logout").click()
    page.wait_for_url(re.compile(re.escape(origin(site_url(local_stack))) + "/learn"))
    page.locator("#login").wait_for(state="visible")
    assert page.locator("#profile-email").is_hidden()
    assert page.locator('[data-auth-state="anonymous"]').is_visible()
    assert not {"__Host-hhl_access_token", "__Host-hhl_refresh_token"} & {c["name"] for c in context.cookies()}


def test_a_cancelled_sign_in_comes_back_in_plain_words_with_sign_in_again(local_stack, context):
    page = context.new_page()
    page.goto(site_url(local_stack))
    page.locator("#login").click()
    hosted_ui = f"{local_stack['cognito_base_url'].rstrip('/')}/oauth2/authorize?**"
    page.wait_for_url(hosted_ui)
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["state"][0]

    # The hosted UI sends the learner back with an OAuth error, as Cognito does on "Cancel".
    page.goto(f"{site_api(local_stack)}/auth/callback?error=access_denied&state={state}")

    page.wait_for_url(re.compile(re.escape(origin(site_url(local_stack))) + r"/learn"))
    alert = page.locator("[data-hhl-auth-error]")
    alert.filter(has_text="Sign-in was cancelled or not allowed.").wait_for()
    assert "auth_error" not in page.url  # shown once
    assert page.locator('[data-auth-state="anonymous"]').is_visible()
    alert.get_by_role("button", name="Sign in again").click()
    page.wait_for_url(hosted_ui)


def test_a_page_written_for_the_theme_works_unchanged(local_stack, context, learner):
    """local/site/theme-example.html: only the theme's contract (#hhl-auth-context with the three auth URLs,
    redirect_url links, data-auth-state, hhIdentity.ready, hhl:identity), with hhl.js in place of the theme's
    cognito-auth-integration.js."""
    page_url = origin(site_url(local_stack)) + "/learn/theme-example"
    page = context.new_page()
    page.goto(page_url)
    page.locator("#consumer").filter(has_text="ready: not signed in").wait_for()

    # The theme's own sign-in link, with redirect_url: back on this page, signed in.
    page.locator("#theme-sign-in").click()
    page.fill("input[name=username]", learner["email"])
    page.fill("input[name=password]", learner["password"])
    page.click("button[type=submit]")
    page.wait_for_url(page_url)
    page.locator("#consumer").filter(has_text=f"ready: {learner['email']}").wait_for()
    assert page.locator("#consumer").get_attribute("data-event-email") == learner["email"]
    assert page.locator("#auth-user-greeting").inner_text() == "Hi, Site!"
    assert page.locator("#theme-sign-in").is_hidden()
    node = page.locator("#hhl-auth-context")
    assert (node.get_attribute("data-authenticated"), node.get_attribute("data-email")) == ("true", learner["email"])
    assert node.get_attribute("data-user-id")
    assert (node.get_attribute("data-firstname"), node.get_attribute("data-lastname")) == ("Site", "Learner")
    assert page.evaluate("hhl.problem()") is None

    # The theme's sign-out link: signed out (the hosted UI's sign-out lands on the site's /learn, the one
    # logout URL registered with Cognito), and this page says so too.
    page.locator("#theme-sign-out").click()
    page.wait_for_url(origin(site_url(local_stack)) + "/learn")
    page.goto(page_url)
    page.locator("#consumer").filter(has_text="ready: not signed in").wait_for()
    assert page.locator("#theme-sign-in").is_visible()


def test_the_same_page_on_a_cross_site_origin_reports_the_misconfiguration(local_stack, context):
    """127.0.0.1 is another site than *.hedgehog.localhost: the cookies could never reach the API."""
    site = urllib.parse.urlsplit(site_url(local_stack))
    cross_site_url = f"{site.scheme}://127.0.0.1:{site.port}{site.path}"
    errors = []
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(cross_site_url)
    page.evaluate("hhIdentity.ready")

    problem = page.locator("#problem")
    problem.wait_for()
    assert problem.get_attribute("data-code") == "cross_site_api"
    assert "different sites" in problem.inner_text()
    assert page.evaluate("hhl.problem().apiSite") == "http://hedgehog.localhost"
    assert any("different sites" in text for text in errors)
    # The API does not allow this origin (CORS), so the page could not ask who is signed in: it says
    # neither "signed in" nor "not signed in".
    assert page.evaluate("hhl.state()") == "unknown"
    assert page.locator('[data-auth-state="unknown"]').is_visible()
    assert page.locator('[data-auth-state="anonymous"]').is_hidden()


def test_an_ended_session_keeps_the_change_for_its_learner_and_says_so(local_stack, context, learner):
    """The session ends mid-lesson: the page says so in plain words, keeps the progress it showed, and the
    waiting change goes to this learner when they sign in again, never to the next learner."""
    page = context.new_page()
    sign_in(page, local_stack, learner)
    course(page).locator(f'input[data-module="{MODULES[0]}"]').check()
    wait_for_progress(page, 1)

    context.clear_cookies()  # the session ended (expired, or signed out in another browser window)
    course(page).locator(f'input[data-module="{MODULES[1]}"]').check()

    page.locator("#status").filter(
        has_text="You have been signed out; sign in to save this \u2014 it is kept in this browser."
    ).wait_for()
    page.locator("#pending").filter(has_text="1 change waits in this browser: sign in to save it.").wait_for()
    wait_for_progress(page, 1)  # still what the learner had, not zero
    assert course(page).locator(f'input[data-module="{MODULES[1]}"]').is_checked()

    page.reload()  # a page opened with the change waiting says so before sign-in
    page.locator("#pending").filter(has_text="1 change waits in this browser").wait_for()

    sign_in(page, local_stack, learner)
    page.locator("#pending").wait_for(state="hidden")
    wait_for_progress(page, 2)
    assert api_get(page, local_stack, f"/progress/{COURSE}")["completedModules"] == 2


def test_the_next_learner_at_this_computer_receives_nothing(local_stack, context, learner):
    page = context.new_page()
    sign_in(page, local_stack, learner)
    context.clear_cookies()  # the first learner's session ended with a change waiting
    course(page).locator(".enroll").click()
    page.locator("#pending").filter(has_text="1 change waits").wait_for()

    email = f"next-{uuid.uuid4().hex[:12]}@example.com"
    create_user(local_stack.cognito(), local_stack["user_pool_id"], email, learner["password"], "Next", "Learner")
    sign_in(page, local_stack, {"email": email, "password": learner["password"]})

    assert page.evaluate("hhl.pending()") == 0
    assert api_get(page, local_stack, "/enrollments")["enrollments"] == []
    assert page.evaluate("Object.keys(localStorage).filter(k => k === 'hhl:outbox')") == []


def test_sign_out_clears_the_browser_and_says_what_could_not_be_saved(local_stack, context, learner):
    page = context.new_page()
    sign_in(page, local_stack, learner)
    context.route(re.compile(r"/enrollments$"), lambda route: route.abort("connectionrefused"))
    course(page).locator(".enroll").click()
    page.locator("#pending").filter(has_text="1 change waits").wait_for()
    refreshes = []
    page.on("request", lambda r: r.url.endswith("/auth/refresh") and refreshes.append(r.url))

    page.locator("#logout").click()

    page.locator("#status").filter(has_text="You are signed out. 1 change could not be saved").wait_for()
    assert page.locator('[data-auth-state="anonymous"]').is_visible()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('hhl:'))") == []
    assert refreshes == []


def test_the_demo_page_follows_the_pathway_with_module_titles_and_one_enrollment_per_click(
    local_stack, context, learner
):
    page = context.new_page()
    sign_in(page, local_stack, learner)
    catalog = api_get(page, local_stack, "/catalog")
    [pathway] = catalog["pathways"]

    shown = page.locator(f'.pathway[data-pathway="{pathway["slug"]}"] .course').evaluate_all(
        "boxes => boxes.map(b => b.dataset.course)"
    )
    assert shown == [c["slug"] for c in pathway["courses"]]
    first = pathway["courses"][0]
    labels = page.locator(f'.course[data-course="{first["slug"]}"] li[data-module] label').all_inner_texts()
    assert [label.strip() for label in labels] == [m["title"] for m in first["modules"]]

    # A started module shows as started.
    module = course(page).locator(f'li[data-module="{MODULES[0]}"]')
    module.locator(".start").click()
    module.locator(".module-status").filter(has_text="Started").wait_for()
    assert api_get(page, local_stack, f"/progress/{COURSE}")["modules"][MODULES[0]]["started"] is True

    # A double click enrolls once: the button is disabled while its write is in flight.
    enrolls = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/enrollments") and enrolls.append(r.url))
    pathway_button = page.locator(f'.enroll[data-pathway="{pathway["slug"]}"]')
    pathway_button.dblclick()
    pathway_button.wait_for(state="hidden")
    assert len(enrolls) == 1


def test_a_page_on_an_origin_the_api_does_not_allow_names_the_origin_to_add(local_stack, context):
    """Same-site but not allowed: the browser hides the API's answers (no CORS headers), yet the page says
    which origin to add instead of "Can't reach Hedgehog Learn"."""
    site = urllib.parse.urlsplit(site_url(local_stack))
    stranger = f"{site.scheme}://preview.hedgehog.localhost:{site.port}"
    page = context.new_page()

    page.goto(stranger + site.path)
    page.evaluate("hhIdentity.ready")

    problem = page.locator("#problem")
    problem.wait_for()
    assert problem.get_attribute("data-code") == "origin_not_allowed"
    assert stranger in problem.inner_text() and "AllowedOrigins" in problem.inner_text()
    assert "can't be used from this page's address" in page.locator("#unreachable").inner_text()
    assert page.evaluate("[hhl.state(), hhl.problem().origin]") == ["unknown", stranger]


def test_back_to_a_stale_login_form_does_not_say_the_sign_in_expired(local_stack, context, learner):
    """Signed in, the learner presses Back to the hosted UI's form and submits it again: that second sign-in
    fails (its transaction was used), yet the first one stands, so no "sign-in expired" banner."""
    page = context.new_page()
    sign_in(page, local_stack, learner)
    page.go_back()
    page.wait_for_url(f"{local_stack['cognito_base_url'].rstrip('/')}/oauth2/authorize?**")
    page.fill("input[name=username]", learner["email"])
    page.fill("input[name=password]", learner["password"])
    with page.expect_response(re.compile(r"/auth/callback\?")) as callback:
        page.click("button[type=submit]")
    assert "auth_error=" in callback.value.headers["location"]  # the stale round trip did fail

    page.wait_for_url(re.compile(re.escape(origin(site_url(local_stack))) + "/learn"))  # off the hosted UI first
    page.wait_for_function("hhIdentity.isReady() && hhl.state() === 'authenticated'")
    assert "auth_error" not in page.url
    assert page.locator("[data-hhl-auth-error]").is_hidden()
    assert page.evaluate("hhl.authError()") is None


def test_two_tabs_refreshing_at_once_share_one_refresh_and_stay_signed_in(local_stack, context, learner):
    first = context.new_page()
    sign_in(first, local_stack, learner)
    second = context.new_page()
    second.goto(site_url(local_stack))
    second.wait_for_function("hhIdentity.isReady() && hhl.state() === 'authenticated'")
    context.clear_cookies(name="__Host-hhl_access_token")  # expired in both tabs: they share the cookies
    refreshes = []
    context.on("request", lambda r: r.url.endswith("/auth/refresh") and refreshes.append(r.url))

    for tab in (first, second):
        tab.evaluate("() => { window.answer = hhl.enrollments().then(a => 'ok', e => e.code); }")
    answers = [tab.evaluate("window.answer") for tab in (first, second)]

    assert answers == ["ok", "ok"]
    assert len(refreshes) == 1
    assert [tab.evaluate("hhl.state()") for tab in (first, second)] == ["authenticated", "authenticated"]
    assert api_get(first, local_stack, "/auth/me")["email"] == learner["email"]


def test_the_learner_downloads_their_data_then_deletes_the_account(local_stack, context, learner):
    page = context.new_page()
    sign_in(page, local_stack, learner)
    course(page).locator(".enroll").click()
    course(page).locator(".unenroll").wait_for()

    with page.expect_download() as download:
        exported = page.evaluate("hhl.exportMyData()")
    assert json.loads(Path(download.value.path()).read_text(encoding="utf-8")) == exported
    assert learner["email"] in json.dumps(exported) and COURSE in json.dumps(exported)

    result = page.evaluate("hhl.deleteMyAccount()")  # signed in just now: no second sign-in needed
    assert result and "reauthenticating" not in result
    assert page.evaluate("[hhl.state(), Object.keys(localStorage).filter(k => k.startsWith('hhl:'))]") == [
        "anonymous",
        [],
    ]
    assert page.locator("#login").is_visible()
    gone = page.evaluate(
        "url => fetch(url, {credentials: 'include'}).then(r => r.status)", site_api(local_stack) + "/auth/me"
    )
    assert gone == 401
