"""site/hhl.js's own logic in Chromium, against a scripted API on a same-site origin (site_fixtures.py):
the shared refresh, the three states, writes kept and replayed, auth_error words, misconfiguration reports
and the theme's hhIdentity contract."""

from __future__ import annotations

import json

import pytest

from tests.browser.site_fixtures import API, CROSS_SITE, SITE, FakeApi, open_site

pytestmark = pytest.mark.browser


def outbox(page) -> list[dict]:
    return json.loads(page.evaluate("localStorage.getItem('hhl:outbox') || '[]'"))


def visible_states(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('[data-auth-state]')].filter(n => n.style.display !== 'none')"
        ".map(n => n.getAttribute('data-auth-state'))"
    )


def test_signed_in_page_gets_the_theme_contract(context):
    page = open_site(context, FakeApi())

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


def test_concurrent_401s_share_one_refresh_then_each_call_retries_once(context):
    api = FakeApi()
    page = open_site(context, api)
    api.access_valid = False  # the access cookie expired mid-lesson

    results = page.evaluate(
        "Promise.all([hhl.progress('lab'), hhl.recordProgress('lab', 'one', 'completed'), hhl.progress('lab')])"
        ".then(r => r.map(x => x.courseSlug))"
    )

    assert results == ["lab", "lab", "lab"]
    assert api.count("POST", "/auth/refresh") == 1
    assert api.count("POST", "/progress") == 2  # refused once, then retried once
    assert page.evaluate("hhIdentity.isAuthenticated()") is True
    assert outbox(page) == []
    assert "hhl:synced" not in [name for name, _ in page.evaluate("window.events")]  # its caller got the answer


def test_refused_refresh_signs_out_and_keeps_the_write_for_the_next_sign_in(context):
    api = FakeApi()
    page = open_site(context, api)
    api.access_valid = api.refresh_valid = False

    error = page.evaluate(
        "hhl.recordProgress('lab', 'one', 'completed').catch(e => ({code: e.code, queued: e.queued}))"
    )

    assert error == {"code": "signed_out", "queued": True}
    assert api.count("POST", "/auth/refresh") == 1
    assert visible_states(page) == ["anonymous"]
    assert page.locator("#hhl-auth-context").get_attribute("data-authenticated") == "false"
    assert page.evaluate("window.events.map(e => [e[0], e[1].state])")[-1] == ["hhl:identity", "anonymous"]
    [kept] = outbox(page)
    assert (kept["path"], kept["body"]["moduleSlug"], kept["userId"]) == ("/progress", "one", "0f0c5b1e-sub")

    # Signed in again (a new page load): the kept write reaches the API, with the learner's own time.
    api.signed_in = api.access_valid = api.refresh_valid = True
    page.reload()
    page.wait_for_function("JSON.parse(localStorage.getItem('hhl:outbox') || '[]').length === 0")
    assert api.completed == {"one": kept["body"]["occurredAt"]}


def test_unreachable_api_is_unknown_not_signed_out_and_recovers(context):
    api = FakeApi(reachable=False)
    page = open_site(context, api)

    assert page.evaluate("hhl.state()") == "unknown"
    assert visible_states(page) == ["unknown"]  # neither "signed in" nor "sign in to track your progress"
    assert page.locator("#hhl-auth-context").get_attribute("data-auth-status") == "unknown"

    api.reachable = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("hhl.state() === 'authenticated'")
    assert visible_states(page) == ["authenticated"]


def test_writes_made_while_unreachable_are_replayed_in_order_when_back(context):
    api = FakeApi()
    page = open_site(context, api)
    api.reachable = False

    errors = page.evaluate(
        "Promise.all(['one', 'two'].map(m => hhl.recordProgress('lab', m, 'completed').catch(e => [e.code, e.queued])))"
    )

    assert errors == [["network", True], ["network", True]]
    queued = outbox(page)
    assert [item["body"]["moduleSlug"] for item in queued] == ["one", "two"]
    assert page.evaluate("hhl.pending()") == 2
    assert page.evaluate("hhIdentity.isAuthenticated()") is True  # an outage is not a sign-out

    api.reachable = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("hhl.pending() === 0")
    assert [b["moduleSlug"] for m, p, b in api.calls if (m, p) == ("POST", "/progress")] == ["one", "two"]
    assert api.completed == {item["body"]["moduleSlug"]: item["body"]["occurredAt"] for item in queued}
    assert [name for name, _ in page.evaluate("window.events")].count("hhl:synced") == 2


def test_a_5xx_keeps_the_write_and_the_next_successful_call_sends_it(context):
    api = FakeApi(write_status=503)
    page = open_site(context, api)

    error = page.evaluate("hhl.enroll({courseSlug: 'lab'}).catch(e => [e.code, e.status, e.queued])")
    assert error == ["unavailable", 503, True]
    assert len(outbox(page)) == 1

    api.write_status = None
    page.evaluate("hhl.progress('lab')")
    page.wait_for_function("hhl.pending() === 0")
    assert api.count("POST", "/enrollments") == 2


def test_a_refused_write_is_not_kept(context):
    api = FakeApi(write_status=400)
    page = open_site(context, api)

    error = page.evaluate("hhl.recordProgress('lab', 'nope', 'completed').catch(e => [e.code, e.status, e.queued])")

    assert error == ["rejected", 400, False]
    assert outbox(page) == []


def test_origin_refused_by_the_api_is_reported(context):
    page = open_site(context, FakeApi(write_status=403))

    error = page.evaluate("hhl.enroll({courseSlug: 'lab'}).catch(e => [e.code, e.queued])")

    assert error == ["forbidden", False]
    assert page.evaluate("hhl.problem().code") == "origin_not_allowed"
    assert page.locator("#hhl-auth-context").get_attribute("data-auth-problem") == "origin_not_allowed"


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
def test_auth_error_in_plain_words_with_sign_in_again(context, code, words):
    page = open_site(context, FakeApi(signed_in=False), path=f"/learn/courses/lab?tab=2&auth_error={code}")

    alert = page.get_by_role("alert")
    assert alert.inner_text().startswith(words)
    assert page.evaluate("location.search") == "?tab=2"  # shown once: a reload does not repeat it
    assert page.evaluate("hhl.authError().code") == code

    with page.expect_request(f"{API}/auth/login**") as login:
        page.get_by_role("button", name="Sign in again").click()
    assert login.value.url == f"{API}/auth/login?redirect_url=%2Flearn%2Fcourses%2Flab%3Ftab%3D2"


def test_cross_site_api_is_reported(context):
    messages = []
    context.on("console", lambda message: messages.append((message.type, message.text)))
    page = open_site(context, FakeApi(), site=CROSS_SITE)

    problem = page.evaluate("hhl.problem()")
    assert problem["code"] == "cross_site_api"
    assert (problem["pageSite"], problem["apiSite"]) == ("http://127.0.0.1", "http://hedgehog.localhost")
    assert page.evaluate("window.events.filter(e => e[0] === 'hhl:problem').map(e => e[1].code)") == ["cross_site_api"]
    assert page.locator("#hhl-auth-context").get_attribute("data-auth-problem") == "cross_site_api"
    assert any(kind == "error" and "different sites" in text for kind, text in messages)


def test_sign_in_that_leaves_no_session_is_reported(context):
    api = FakeApi(signed_in=False)
    page = open_site(context, api)
    with page.expect_request(f"{API}/auth/login**"):
        page.evaluate("hhIdentity.login('/learn')")

    # The hosted UI round trip "succeeded" but the cookies did not come back with this page's requests.
    page.goto(SITE + "/learn")
    page.evaluate("hhIdentity.ready")

    assert page.evaluate("hhl.problem().code") == "session_not_kept"
    assert page.evaluate("hhl.state()") == "anonymous"


def test_coming_back_from_the_hosted_ui_without_signing_in_is_no_problem(context):
    api = FakeApi(signed_in=False)
    page = open_site(context, api)
    page.evaluate("hhIdentity.login('/learn')")
    page.wait_for_url(f"{API}/auth/login**")

    page.go_back()
    page.evaluate("hhIdentity.ready")

    assert page.evaluate("[hhl.state(), hhl.problem()]") == ["anonymous", None]


def test_same_site_page_reports_no_problem_and_anonymous_visitor_costs_no_refresh(context):
    api = FakeApi(signed_in=False)
    page = open_site(context, api)

    assert page.evaluate("[hhl.state(), hhl.problem()]") == ["anonymous", None]
    assert visible_states(page) == ["anonymous"]
    assert api.count("POST", "/auth/refresh") == 0
