"""site/hhl.js's own logic in Chromium, against a scripted API on a same-site origin (site_fixtures.py):
the shared refresh (in a tab and across tabs), the three states, writes kept, replayed and bound to their
learner, sign-out clearing the browser, auth_error words, misconfiguration reports and the theme's
hhIdentity contract."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest

from tests.browser.site_fixtures import (
    CERTIFICATE,
    CREDENTIAL,
    OTHER_PROFILE,
    PROFILE,
    REVOKED_CERT_ID,
    FakeApi,
    ScriptedSite,
)

pytestmark = pytest.mark.browser

KEPT_SIGNED_OUT = "You have been signed out; sign in to save this \u2014 it is kept in this browser."


@pytest.fixture(scope="module")
def scripted():
    site = ScriptedSite()
    yield site
    site.close()


def outbox(page) -> list[dict]:
    return json.loads(page.evaluate("localStorage.getItem('hhl:outbox') || '[]'"))


def visible_states(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('[data-auth-state]')].filter(n => n.style.display !== 'none')"
        ".map(n => n.getAttribute('data-auth-state'))"
    )


def test_signed_in_page_gets_the_theme_contract(context, scripted):
    page = scripted.open(context, FakeApi())

    node = page.locator("#hhl-auth-context")
    assert node.get_attribute("data-email") == "learner@example.com"
    assert node.get_attribute("data-user-id") == "0f0c5b1e-sub"
    assert node.get_attribute("data-contact-id") == "9001"
    assert node.get_attribute("data-authenticated") == "true"
    assert (node.get_attribute("data-firstname"), node.get_attribute("data-lastname")) == ("Lee", "Learner")
    assert visible_states(page) == ["authenticated"]
    assert page.locator("#auth-user-greeting").inner_text() == "Hi, Lee!"
    assert page.evaluate("[hhIdentity.isReady(), hhIdentity.isAuthenticated(), hhIdentity.get().email]") == [
        True,
        True,
        "learner@example.com",
    ]
    assert [name for name, _ in page.evaluate("window.events")] == ["hhl:identity"]
    assert page.evaluate("hhl.problem()") is None


def test_concurrent_401s_share_one_refresh_then_each_call_retries_once(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    api.access_valid = False  # the access cookie expired mid-lesson

    results = page.evaluate(
        "Promise.all([hhl.progress('lab'), hhl.recordProgress('lab', 'one', 'completed'), hhl.progress('lab')])"
        ".then(r => r.map(x => x.courseSlug))"
    )

    assert results == ["lab", "lab", "lab"]
    assert api.count("POST", "/auth/refresh") == 1
    # Each call is retried at most once (a call may also leave after the refresh and need no retry).
    assert api.count("GET", "/progress/lab") <= 4
    assert api.count("POST", "/progress") <= 2
    assert page.evaluate("hhIdentity.isAuthenticated()") is True
    assert outbox(page) == []
    assert "hhl:synced" not in [name for name, _ in page.evaluate("window.events")]  # its caller got the answer


def test_refused_refresh_signs_out_and_keeps_the_write_for_the_next_sign_in(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    api.access_valid = api.refresh_valid = False

    error = page.evaluate(
        "hhl.recordProgress('lab', 'one', 'completed')"
        ".catch(e => ({code: e.code, queued: e.queued, message: e.message}))"
    )

    assert error == {"code": "signed_out", "queued": True, "message": KEPT_SIGNED_OUT}
    assert api.count("POST", "/auth/refresh") == 1
    assert visible_states(page) == ["anonymous"]
    assert page.locator("#hhl-auth-context").get_attribute("data-authenticated") == "false"
    assert page.evaluate("window.events.map(e => [e[0], e[1].state])")[-1] == ["hhl:identity", "anonymous"]
    [kept] = outbox(page)
    assert (kept["kind"], kept["fields"]["moduleSlug"], kept["userId"]) == ("progress", "one", "0f0c5b1e-sub")

    # Signed in again (a new page load): the kept write reaches the API, with the learner's own time.
    api.signed_in = api.access_valid = api.refresh_valid = True
    page.reload()
    page.wait_for_function("JSON.parse(localStorage.getItem('hhl:outbox') || '[]').length === 0")
    assert api.completed == {"one": kept["fields"]["occurredAt"]}


def test_unreachable_api_is_unknown_not_signed_out_and_recovers(context, scripted):
    api = FakeApi(reachable=False)
    page = scripted.open(context, api)

    assert page.evaluate("hhl.state()") == "unknown"
    assert visible_states(page) == ["unknown"]  # neither "signed in" nor "sign in to track your progress"
    assert page.locator("#hhl-auth-context").get_attribute("data-auth-status") == "unknown"

    api.reachable = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("hhl.state() === 'authenticated'")
    assert visible_states(page) == ["authenticated"]


def test_writes_made_while_unreachable_are_replayed_in_order_when_back(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    api.reachable = False

    errors = page.evaluate(
        "Promise.all(['one', 'two'].map(m => hhl.recordProgress('lab', m, 'completed').catch(e => [e.code, e.queued])))"
    )

    assert errors == [["network", True], ["network", True]]
    queued = outbox(page)
    assert [item["fields"]["moduleSlug"] for item in queued] == ["one", "two"]
    assert page.evaluate("hhl.pending()") == 2
    assert page.evaluate("hhIdentity.isAuthenticated()") is True  # an outage is not a sign-out

    api.reachable = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("hhl.pending() === 0")
    assert [b["moduleSlug"] for m, p, b in api.calls if (m, p) == ("POST", "/progress")] == ["one", "two"]
    assert api.completed == {item["fields"]["moduleSlug"]: item["fields"]["occurredAt"] for item in queued}
    assert [name for name, _ in page.evaluate("window.events")].count("hhl:synced") == 2


def test_a_5xx_keeps_the_write_and_the_next_successful_call_sends_it(context, scripted):
    api = FakeApi(write_status=503)
    page = scripted.open(context, api)

    error = page.evaluate("hhl.enroll({courseSlug: 'lab'}).catch(e => [e.code, e.status, e.queued])")
    assert error == ["unavailable", 503, True]
    assert len(outbox(page)) == 1

    api.write_status = None
    page.evaluate("hhl.progress('lab')")
    page.wait_for_function("hhl.pending() === 0")
    assert api.count("POST", "/enrollments") == 2


def test_a_refused_write_is_not_kept(context, scripted):
    api = FakeApi(write_status=400)
    page = scripted.open(context, api)

    error = page.evaluate("hhl.recordProgress('lab', 'nope', 'completed').catch(e => [e.code, e.status, e.queued])")

    assert error == ["rejected", 400, False]
    assert outbox(page) == []


def test_a_refused_write_says_what_the_api_said_about_each_field(context, scripted):
    details = {"moduleSlug": "not a module of this course", "event": "must be started or completed"}
    api = FakeApi(write_status=400, write_answer={"error": "Invalid request body", "details": details})
    page = scripted.open(context, api)

    message = page.evaluate("hhl.recordProgress('lab', 'nope', 'completed').catch(e => e.message)")

    assert message == (
        "Invalid request body: moduleSlug not a module of this course; event must be started or completed"
    )


def test_an_origin_the_api_does_not_allow_is_named_not_taken_for_an_outage(context, scripted):
    """The browser hides a refused origin's answer (no CORS headers): the page still learns which origin to add."""
    api = FakeApi(allowed_origins=("https://hedgehog.cloud",))
    page = scripted.open(context, api)

    problem = page.evaluate("hhl.problem()")
    assert (problem["code"], problem["origin"]) == ("origin_not_allowed", scripted.site)
    assert scripted.site in problem["message"] and "AllowedOrigins" in problem["message"]
    assert page.locator("#hhl-auth-context").get_attribute("data-auth-problem") == "origin_not_allowed"
    assert page.evaluate("hhl.state()") == "unknown"
    assert page.evaluate("hhl.catalog().catch(e => e.code)") == "forbidden"


def test_an_unreachable_api_is_not_reported_as_a_refused_origin(context, scripted):
    page = scripted.open(context, FakeApi(reachable=False))

    assert page.evaluate("[hhl.state(), hhl.problem()]") == ["unknown", None]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("session_expired", "Your sign-in expired before it finished. Please sign in again."),
        ("access_denied", "Sign-in was cancelled or not allowed."),
        ("sign_in_failed", "We could not sign you in. Please try again."),
        ("service_unavailable", "Sign-in is temporarily unavailable. Please try again in a few minutes."),
        ("something_new", "Something went wrong while signing you in. Please try again."),
    ],
)
def test_auth_error_in_plain_words_with_sign_in_again(context, scripted, code, words):
    page = scripted.open(context, FakeApi(signed_in=False), path=f"/learn/courses/lab?tab=2&auth_error={code}")

    alert = page.get_by_role("alert")
    assert alert.inner_text().startswith(words)
    assert page.evaluate("location.search") == "?tab=2"  # shown once: a reload does not repeat it
    assert page.evaluate("hhl.authError().code") == code

    with page.expect_request(f"{scripted.api_base}/auth/login**") as login:
        page.get_by_role("button", name="Sign in again").click()
    assert login.value.url == f"{scripted.api_base}/auth/login?redirect_url=%2Flearn%2Fcourses%2Flab%3Ftab%3D2"


def test_cross_site_api_is_reported(context, scripted):
    messages = []
    context.on("console", lambda message: messages.append((message.type, message.text)))
    page = scripted.open(context, FakeApi(), origin=scripted.cross_site)

    problem = page.evaluate("hhl.problem()")
    assert problem["code"] == "cross_site_api"
    assert (problem["pageSite"], problem["apiSite"]) == ("http://127.0.0.1", "http://hedgehog.localhost")
    assert page.evaluate("window.events.filter(e => e[0] === 'hhl:problem').map(e => e[1].code)") == ["cross_site_api"]
    assert page.locator("#hhl-auth-context").get_attribute("data-auth-problem") == "cross_site_api"
    assert any(kind == "error" and "different sites" in text for kind, text in messages)


def test_sign_in_that_leaves_no_session_is_reported(context, scripted):
    api = FakeApi(signed_in=False)
    page = scripted.open(context, api)
    page.evaluate("hhIdentity.login('/learn')")
    page.wait_for_url(f"{scripted.api_base}/auth/login**")

    # The hosted UI round trip "succeeded" but the cookies did not come back with this page's requests.
    page.goto(scripted.site + "/learn")
    page.evaluate("hhIdentity.ready")

    assert page.evaluate("hhl.problem().code") == "session_not_kept"
    assert page.evaluate("hhl.state()") == "anonymous"


def test_coming_back_from_the_hosted_ui_without_signing_in_is_no_problem(context, scripted):
    api = FakeApi(signed_in=False)
    page = scripted.open(context, api)
    page.evaluate("hhIdentity.login('/learn')")
    page.wait_for_url(f"{scripted.api_base}/auth/login**")

    page.go_back()
    page.evaluate("hhIdentity.ready")

    assert page.evaluate("[hhl.state(), hhl.problem()]") == ["anonymous", None]


def test_same_site_page_reports_no_problem_and_anonymous_visitor_costs_no_refresh(context, scripted):
    api = FakeApi(signed_in=False)
    page = scripted.open(context, api)

    assert page.evaluate("[hhl.state(), hhl.problem()]") == ["anonymous", None]
    assert visible_states(page) == ["anonymous"]
    assert api.count("POST", "/auth/refresh") == 0


# ---------------------------------------------------------------- writes belong to a learner


def events(page, name: str) -> list:
    return page.evaluate(f"window.events.filter(e => e[0] === '{name}').map(e => e[1])")


def sign_out(page, scripted) -> None:
    """The page's sign-out: hhIdentity.logout, the API's /auth/logout, back on the site's /learn."""
    with page.expect_navigation(url=f"{scripted.site}/learn"):
        page.evaluate("hhIdentity.logout()")
    page.evaluate("hhIdentity.ready")


def test_writes_made_after_sign_out_never_reach_the_next_learner(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    sign_out(page, scripted)

    refused = page.evaluate(
        """Promise.all([
            hhl.recordProgress('lab', 'one', 'completed'), hhl.enroll({courseSlug: 'lab'}), hhl.unenroll('lab'),
        ].map(p => p.then(() => 'sent', e => [e.code, e.queued, e.message])))"""
    )

    assert refused == [["signed_out", False, "You are not signed in; sign in to save this."]] * 3
    assert outbox(page) == []
    api.sign_in_as(OTHER_PROFILE)  # the next person at this computer signs in
    page.reload()
    page.wait_for_function("hhl.state() === 'authenticated'")
    page.evaluate("hhl.sync()")
    assert api.writes_by_learner == []


def test_a_write_kept_when_the_session_ended_is_for_its_learner_only(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    api.access_valid = api.refresh_valid = False  # the session ended mid-lesson
    page.evaluate("hhl.recordProgress('lab', 'one', 'completed').catch(e => e.code)")
    assert api.writes_by_learner == []

    page.reload()  # a page opened with a change waiting says so, before sign-in
    page.wait_for_function("hhl.state() !== 'unknown'")
    assert page.evaluate("[hhl.state(), hhl.pending()]") == ["anonymous", 1]
    assert events(page, "hhl:outbox")[-1] == {"pending": 1}

    api.sign_in_as(OTHER_PROFILE)
    page.reload()
    page.wait_for_function("hhl.state() === 'authenticated'")
    page.evaluate("hhl.sync()")
    assert api.writes_by_learner == []  # never sent under another learner's session
    assert outbox(page) == []  # nor left readable by them
    assert events(page, "hhl:outbox")[-1] == {"pending": 0, "discarded": 1}


def test_only_writes_this_client_makes_are_replayed(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    learner = PROFILE["userId"]
    planted = [
        {"id": "a", "method": "DELETE", "path": "/enrollments/lab", "userId": learner},  # a request, not a write
        {"id": "b", "kind": "unenroll", "fields": {"courseSlug": "../auth/logout"}, "userId": learner},
        {"id": "c", "kind": "constructor", "fields": {}, "userId": learner},
        {"id": "d", "kind": "progress", "fields": {"courseSlug": "lab", "moduleSlug": "one", "event": "deleted"}},
        {"id": "e", "kind": "enroll", "fields": {"courseSlug": "lab", "pathwaySlug": "p"}, "userId": learner},
    ]
    page.evaluate(
        "items => localStorage.setItem('hhl:outbox', JSON.stringify("
        "[null, 'x', ...items.map(i => ({queuedAt: Date.now(), ...i}))]))",
        planted,
    )

    page.reload()
    page.evaluate("hhl.sync()")

    assert api.writes_by_learner == []
    assert outbox(page) == []
    assert page.evaluate("hhl.pending()") == 0


def test_sign_out_sends_what_it_can_clears_the_browser_and_says_what_was_lost(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    page.evaluate("hhl.recordProgress('lab', 'one', 'completed')")  # sent
    api.write_status = 503
    page.evaluate("hhl.enroll({courseSlug: 'lab'}).catch(e => e.queued)")  # kept: the API is failing
    assert page.evaluate("hhl.pending()") == 1
    refreshes = api.count("POST", "/auth/refresh")

    sign_out(page, scripted)

    assert api.count("POST", "/enrollments") == 2  # the one try at sign-out
    assert page.evaluate("[hhl.state(), hhl.lastSignOut(), hhIdentity.lastSignOut()]") == [
        "anonymous",
        {"unsaved": 1},
        {"unsaved": 1},
    ]
    assert events(page, "hhl:signed-out") == [{"unsaved": 1}]
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('hhl:'))") == []
    assert api.count("POST", "/auth/refresh") == refreshes  # the signed-out page asks for no refresh
    page.reload()  # told once
    assert page.evaluate("hhl.lastSignOut()") is None


def test_a_session_signed_out_elsewhere_costs_no_refresh_and_keeps_the_change(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    api.session_ended = True  # the learner signed out in another browser window

    error = page.evaluate("hhl.recordProgress('lab', 'one', 'completed').catch(e => [e.code, e.queued, e.message])")

    assert error == ["signed_out", True, KEPT_SIGNED_OUT]
    assert api.count("POST", "/auth/refresh") == 0
    assert page.evaluate("[hhl.state(), hhl.pending()]") == ["anonymous", 1]


def test_two_tabs_refreshing_at_once_stay_signed_in(context, scripted):
    """The refresh token rotates: two tabs sending the same one would look like a stolen token."""
    api = FakeApi(refresh_seconds=1.0)
    first = scripted.open(context, api)
    second = context.new_page()
    second.goto(scripted.site + "/learn")
    second.evaluate("hhIdentity.ready")
    api.access_valid = False

    for tab in (first, second):
        tab.evaluate("() => { window.answer = hhl.progress('lab').then(r => r.courseSlug, e => e.code); }")
    answers = [tab.evaluate("window.answer") for tab in (first, second)]

    assert answers == ["lab", "lab"]
    assert api.count("POST", "/auth/refresh") == 1
    assert [tab.evaluate("hhl.state()") for tab in (first, second)] == ["authenticated", "authenticated"]


def test_another_tab_signing_out_stops_this_one_without_a_refresh(context, scripted):
    api = FakeApi()
    first = scripted.open(context, api)
    second = context.new_page()
    second.goto(scripted.site + "/learn")
    second.evaluate("hhIdentity.ready")

    sign_out(first, scripted)

    second.wait_for_function("hhl.state() === 'anonymous'")
    assert api.count("POST", "/auth/refresh") == 0
    assert second.evaluate("hhl.enroll({courseSlug: 'lab'}).catch(e => e.code)") == "signed_out"
    assert api.writes_by_learner == []


def test_a_stale_sign_in_error_is_not_shown_while_signed_in(context, scripted):
    """Back to the hosted UI's login form and submitting it again fails, yet the learner is still signed in."""
    page = scripted.open(context, FakeApi(), path="/learn?auth_error=session_expired")

    assert page.evaluate("[hhl.state(), hhl.authError(), location.search]") == ["authenticated", None, ""]
    assert page.get_by_role("alert").count() == 0
    assert events(page, "hhl:auth-error") == []


def test_a_leave_that_landed_unseen_is_a_success_when_repeated(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)
    api.write_status = 503  # the API applied nothing here, but the client cannot know: it keeps the leave
    assert page.evaluate("hhl.unenroll('lab').catch(e => [e.code, e.queued])") == ["unavailable", True]

    api.write_status = None  # the learner is not enrolled (the first try had landed): the API says 404
    page.evaluate("hhl.sync()")

    assert page.evaluate("hhl.pending()") == 0
    assert [e["kind"] for e in events(page, "hhl:synced")] == ["unenroll"]
    assert page.evaluate("hhl.unenroll('lab').then(r => ['left', r])") == ["left", None]


# ---------------------------------------------------------------- the theme's routes


def test_the_theme_reads_send_the_contracts_query(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)

    asked = page.evaluate(
        """Promise.all([
            hhl.taskStatus('soil-and-compost'), hhl.moduleProgress('soil-and-compost'),
            hhl.moduleProgress('soil-and-compost', {includeAttempts: false, attemptsLimit: 5}),
            hhl.courseStatus('garden-basics'), hhl.pathwayStatus('home-gardening'),
        ]).then(answers => answers.map(a => a.asked))"""
    )

    assert asked == [
        "/tasks/status?module_slug=soil-and-compost",
        "/module/progress?module_slug=soil-and-compost",
        "/module/progress?module_slug=soil-and-compost&include_attempts=false&attempts_limit=5",
        "/course/status?course_slug=garden-basics",
        "/pathway/status?pathway_slug=home-gardening",
    ]


def test_a_quiz_is_submitted_once_and_never_kept(context, scripted):
    api = FakeApi(quiz_attempts_left=1)
    page = scripted.open(context, api)

    grade = page.evaluate("hhl.submitQuiz('soil-and-compost', {q1: 'a', q2: 'b'})")
    refused = page.evaluate("hhl.submitQuiz('soil-and-compost', {q1: 'a'}).catch(e => [e.code, e.status, e.message])")

    assert grade == {"score": 50, "pass": False, "attempts": 1, "module_complete": False}
    [first, _] = [body for method, path, body in api.calls if path == "/tasks/quiz/submit"]
    assert first == {
        "module_slug": "soil-and-compost",
        "quiz_ref": "quiz-1",
        "answers": [{"id": "q1", "value": "a"}, {"id": "q2", "value": "b"}],
    }
    assert refused == ["rejected", 429, "Too many quiz attempts: try again in 42 minutes"]
    assert outbox(page) == []

    api.reachable = False
    assert page.evaluate("hhl.submitQuiz('soil-and-compost', {q1: 'a'}).catch(e => [e.code, e.queued])") == [
        "network",
        False,
    ]
    assert outbox(page) == []


def test_a_quiz_while_signed_out_is_refused_without_a_request(context, scripted):
    api = FakeApi(signed_in=False)
    page = scripted.open(context, api)

    refused = page.evaluate("hhl.submitQuiz('soil-and-compost', {q1: 'a'}).catch(e => [e.code, e.message])")

    assert refused == ["signed_out", "You are not signed in; sign in to save this."]
    assert api.count("POST", "/tasks/quiz/submit") == 0


def test_a_lab_attestation_is_a_kept_write(context, scripted):
    api = FakeApi(write_status=503)
    page = scripted.open(context, api)

    kept = page.evaluate("hhl.attestLab('planting-lab').catch(e => [e.code, e.queued])")
    assert kept == ["unavailable", True]
    assert outbox(page)[0]["fields"] == {"module_slug": "planting-lab", "task_slug": "lab-main"}

    api.write_status = None
    page.evaluate("hhl.sync()")
    assert page.evaluate("hhl.pending()") == 0
    [synced] = events(page, "hhl:synced")
    assert (synced["path"], synced["result"]["module_complete"]) == ("/tasks/lab/attest", True)


# ---------------------------------------------------------------- certificates


def test_a_certificate_page_gets_its_verification_linkedin_and_credential_links(context, scripted):
    page = scripted.open(context, FakeApi(signed_in=False), path="/learn/certificate?id=" + CERTIFICATE["certId"])

    answer = page.evaluate(f"hhl.certificate('{CERTIFICATE['certId']}')")
    links = page.evaluate("c => hhl.certificateLinks(c)", answer)

    verify = f"{scripted.site}/learn/certificate?id={CERTIFICATE['certId']}"
    assert links["verifyUrl"] == verify
    linkedin = urllib.parse.urlsplit(links["linkedInUrl"])
    assert (linkedin.scheme, linkedin.netloc, linkedin.path) == ("https", "www.linkedin.com", "/profile/add")
    assert urllib.parse.parse_qs(linkedin.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Lab & Friends"],
        "organizationName": ["Hedgehog Learn"],
        "issueYear": ["2026"],
        "issueMonth": ["11"],  # the UTC month it was issued in, whatever the learner's time zone
        "certUrl": [verify],
        "certId": [CERTIFICATE["certId"]],
    }
    with_org = page.evaluate("c => hhl.certificateLinks(c, {organizationId: 1234}).linkedInUrl", answer)
    assert "organizationId=1234" in with_org and "organizationName" not in with_org

    with page.expect_download() as download:
        page.evaluate(
            """links => {
                const a = Object.assign(document.createElement('a'), {href: links.credentialHref});
                a.download = links.credentialFileName;
                document.body.appendChild(a);
                a.click();
            }""",
            links,
        )
    assert download.value.suggested_filename == f"hedgehog-learn-certificate-{CERTIFICATE['certId']}.jwt"
    assert Path(download.value.path()).read_text(encoding="utf-8") == CREDENTIAL


def test_a_revoked_certificate_says_so_and_the_list_needs_a_session(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)

    assert page.evaluate("hhl.certificates()") == {"certificates": [CERTIFICATE]}
    revoked = page.evaluate(f"hhl.certificate('{REVOKED_CERT_ID}').catch(e => [e.code, e.status, e.message])")
    assert revoked == ["rejected", 410, "This certificate has been revoked"]
    assert "credentialHref" not in page.evaluate("c => hhl.certificateLinks(c)", CERTIFICATE)


def test_the_demo_certificate_page_shows_the_certificate_to_anyone(context, scripted):
    """local/site/certificate.html, opened by someone who is not signed in (an employer following the link)."""
    page = scripted.open(context, FakeApi(signed_in=False), path=f"/learn/certificate?id={CERTIFICATE['certId']}")

    page.locator("#certificate").wait_for()
    assert page.locator("#title").inner_text() == "Lab & Friends"
    assert page.locator("#issued").inner_text() == "November 30, 2026"
    assert page.locator("#verify").get_attribute("href") == page.url
    assert page.locator("#linkedin").get_attribute("href").startswith("https://www.linkedin.com/profile/add?")
    with page.expect_download() as download:
        page.locator("#credential").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == CREDENTIAL


@pytest.mark.parametrize(
    ("cert_id", "words"),
    [
        (REVOKED_CERT_ID, "This certificate has been revoked."),
        ("6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Certificate not found or invalid link."),
        ("not-a-certificate", "Certificate not found or invalid link."),
    ],
)
def test_the_demo_certificate_page_says_what_is_wrong(context, scripted, cert_id, words):
    page = scripted.open(context, FakeApi(signed_in=False), path=f"/learn/certificate?id={cert_id}")

    page.get_by_role("alert").filter(has_text=words).wait_for()
    assert page.locator("#certificate").is_hidden()


# ---------------------------------------------------------------- the learner's own data


def test_export_saves_everything_as_a_file(context, scripted):
    page = scripted.open(context, FakeApi())

    with page.expect_download() as download:
        data = page.evaluate("hhl.exportMyData()")

    assert data["profile"]["userId"] == PROFILE["userId"]
    assert re.fullmatch(r"hedgehog-learn-my-data-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename)
    assert json.loads(Path(download.value.path()).read_text(encoding="utf-8")) == data


def test_deleting_the_account_clears_the_browser(context, scripted):
    api = FakeApi()
    page = scripted.open(context, api)

    result = page.evaluate("hhl.deleteMyAccount()")

    assert result == {"deleted": True, "tables": ["users", "enrollments", "progress"]}
    assert api.deleted == [PROFILE["userId"]]
    assert page.evaluate("[hhl.state(), Object.keys(localStorage).filter(k => k.startsWith('hhl:'))]") == [
        "anonymous",
        [],
    ]


def test_a_stale_sign_in_goes_through_a_fresh_sign_in_then_deletes(context, scripted):
    api = FakeApi(sign_in_is_recent=False, signs_in_again_as=PROFILE)
    page = scripted.open(context, api, path="/learn/account")

    with page.expect_navigation(url=f"{scripted.site}/learn/account"):
        assert page.evaluate("hhl.deleteMyAccount()") == {"reauthenticating": True}
    page.wait_for_function("window.events.some(e => e[0] === 'hhl:account')")

    [login] = [path for method, path, _ in api.calls if path.startswith("/auth/login")]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(login).query) == {
        "prompt": ["login"],
        "redirect_url": ["/learn/account"],
    }
    [told] = events(page, "hhl:account")
    assert (told["action"], told["result"]["deleted"]) == ("deleteAccount", True)
    assert api.deleted == [PROFILE["userId"]]


def test_a_fresh_sign_in_by_someone_else_deletes_nothing(context, scripted):
    api = FakeApi(sign_in_is_recent=False, signs_in_again_as=OTHER_PROFILE)
    page = scripted.open(context, api, path="/learn/account")

    with page.expect_navigation(url=f"{scripted.site}/learn/account"):
        page.evaluate("hhl.deleteMyAccount()")
    page.wait_for_function("window.events.some(e => e[0] === 'hhl:account')")

    [told] = events(page, "hhl:account")
    assert told["error"] == {
        "code": "not_reauthenticated",
        "message": "You signed in as someone else: nothing was done.",
    }
    assert api.deleted == []
    assert api.count("DELETE", "/auth/me") == 1  # the first, refused one


def test_the_documented_markup_greets_the_learner_once(context, scripted):
    """docs/site-integration.md's "The markup", as written (API and script URLs pointed at this test)."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "site-integration.md").read_text(encoding="utf-8")
    markup = docs.split("### The markup", 1)[1].split("```html\n", 1)[1].split("```", 1)[0]
    markup = re.sub(r'<script src="[^"]*"></script>', '<script src="/site/hhl.js"></script>', markup)
    page = scripted.open(context, FakeApi(), html=markup.replace("https://api.hedgehog.cloud", scripted.api_base))

    assert page.locator('[data-auth-state="authenticated"]').inner_text() == "Hi, Lee!"
    assert page.locator('[data-auth-state="anonymous"]').is_hidden()
