"""Course and pathway certificates in Chromium, earned as the theme earns them, against the local stack serving
the test content tree (content_stack).

A learner on the site's own origin enrolls in the pathway and completes every module of both its courses the
theme's way (quiz submit and lab attest as the module page's completion script sends them, "Mark complete"
through /events/track as the action runner sends it), the pathway's last step from two tabs at once and once
more after a reload. The learner's list (the dashboard's GET /certificates) then holds exactly one certificate
per module, course and pathway; a stranger's browser shows each public certificate without the learner's name
or email; and each signed credential verifies with joserfc against the keys at /.well-known/jwks.json.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.parse
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from local.stack import create_user
from tests.browser.site_page import sign_in, site_url
from tests.support.ob3_schema import schema_errors

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PATHWAY, PATHWAY_TITLE = "home-gardener", "Home Gardener"
BASICS, BASICS_TITLE = "garden-basics", "Garden Basics"
CARE = "garden-care"  # awards no course certificate (its catalog entry says so)
GIVEN_NAME, FAMILY_NAME = "Corabel", "Quillfeather"
# Certificates are issued by the request that completes a module; the credentials are signed by the awards
# function, which the stack's stream poller drives after the write: on a loaded machine that takes a while.
AWARDS_WAIT_MS = 90_000

# What the theme's scripts send, from the site's page, with the API's session cookies (credentials:'include').
THEME_FETCH = """([api, method, path, body]) => fetch(api + path, {
    method: method, credentials: 'include',
    headers: body ? {'Content-Type': 'application/json'} : {},
    body: body ? JSON.stringify(body) : undefined,
  }).then(r => r.json().then(data => ({status: r.status, data: data})))"""
# The action runner: each event in turn, a success only when the API says it persisted it for this learner.
TRACK = """([api, events]) => events.reduce((chain, event) => chain.then(() =>
    fetch(api + '/events/track', {method: 'POST', credentials: 'include',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(event)})
    .then(r => r.json()).then(d => {
      if (d.status !== 'persisted' || d.mode !== 'authenticated') throw new Error(JSON.stringify(d));
    })), Promise.resolve())"""
# The final step from a tab, started without waiting for it: two tabs race each other.
START_ATTEST = """([api, module]) => { window.attested = null;
  fetch(api + '/tasks/lab/attest', {method: 'POST', credentials: 'include',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({module_slug: module, task_slug: 'lab-main'})})
  .then(r => r.json().then(data => { window.attested = {status: r.status, data: data}; })); }"""
# A status route's answer once `field` is set in it, or null.
STATUS_WITH = """([api, path, field]) => fetch(api + path, {credentials: 'include'})
  .then(r => r.json().then(data => ({status: r.status, data: data})))
  .then(answer => answer.status !== 200 || answer.data[field] ? answer : null)"""
# Every certificate of the list once its credential is signed (the public answer carries it), or null.
ALL_SIGNED = """([api, ids]) => Promise.all(ids.map(id => fetch(api + '/certificate/' + id).then(r => r.json())))
  .then(answers => answers.every(a => a.credential) ? answers : null)"""


@pytest.fixture
def learner(content_stack) -> dict:
    email = f"pathway-{uuid.uuid4().hex[:12]}@example.com"
    password = f"Pw-{secrets.token_urlsafe(18)}1a"
    create_user(content_stack.cognito(), content_stack["user_pool_id"], email, password, GIVEN_NAME, FAMILY_NAME)
    return {"email": email, "password": password}


@pytest.fixture
def stranger(chromium):
    """Someone else's browser: no session, no storage, its own HTTP cache."""
    other = chromium.new_context()
    yield other
    other.close()


class Theme:
    """The theme's calls from one tab on the site's origin."""

    def __init__(self, page, api: str):
        self.page, self.api = page, api

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        return self.page.evaluate(THEME_FETCH, [self.api, method, path, body])

    def ok(self, method: str, path: str, body: dict | None = None) -> dict:
        answer = self.call(method, path, body)
        assert answer["status"] == 200, answer
        return answer["data"]

    def eventually_ok(self, path: str, field: str) -> dict:
        """GET path (a status route) until its answer has `field` set: certificates may be issued by the stream."""
        answer = eventually(self.page, STATUS_WITH, [self.api, path, field], AWARDS_WAIT_MS)
        assert answer["status"] == 200 and answer["data"][field], answer
        return answer["data"]

    def submit_quiz(self, module: str, answers: dict[str, str]) -> dict:
        listed = [{"id": question, "value": option} for question, option in answers.items()]
        return self.ok("POST", "/tasks/quiz/submit", {"module_slug": module, "quiz_ref": "quiz-1", "answers": listed})

    def attest_lab(self, module: str) -> dict:
        return self.ok("POST", "/tasks/lab/attest", {"module_slug": module, "task_slug": "lab-main"})

    def track(self, *events: dict) -> None:
        for event in events:
            event["contactIdentifier"] = {"email": "whoever@example.com"}  # the theme adds it; the API ignores it
        self.page.evaluate(TRACK, [self.api, list(events)])

    def mark_complete(self, module: str, course: str) -> None:
        payload = {"module_slug": module, "course_slug": course, "pathway_slug": None, "ts": "2026-12-04T00:00:00Z"}
        self.track(
            {"eventName": "learning_module_started", "payload": payload},
            {"eventName": "learning_module_completed", "payload": dict(payload)},
        )

    def certificates(self) -> list[dict]:
        return self.ok("GET", "/certificates")["certificates"]


def eventually(page, check: str, arg, timeout_ms: int):
    """check(arg)'s first truthy answer, asked in the page until timeout_ms has passed (then its last answer).

    Playwright's wait_for_function does not await a Promise (it takes the Promise itself for a truthy answer),
    so an asynchronous check is polled here, in one evaluate."""
    return page.evaluate(
        f"""async ([arg, timeoutMs]) => {{
          const check = {check}, end = Date.now() + timeoutMs;
          for (;;) {{
            const answer = await check(arg);
            if (answer || Date.now() > end) return answer;
            await new Promise(resolve => setTimeout(resolve, 250));
          }}
        }}""",
        [arg, timeout_ms],
    )


def site_origin(stack) -> str:
    site = urllib.parse.urlsplit(site_url(stack))
    return f"{site.scheme}://{site.netloc}"


def test_a_pathway_completed_in_the_browser_earns_one_of_each_certificate_anyone_can_verify(
    content_stack, context, stranger, learner
):
    api = content_stack["site_api_url"]
    page = context.new_page()
    sign_in(page, content_stack, learner)  # the demo page on the site's origin, not the API's
    theme = Theme(page, api)
    theme.track(
        {
            "eventName": "learning_pathway_enrolled",
            "payload": {"pathway_slug": PATHWAY, "course_slug": None, "ts": "2026-12-04T00:00:00Z"},
            "enrollment_source": "pathway_page",
        }
    )
    modules = {m["slug"]: m["title"] for c in page.evaluate("hhl.catalog()")["courses"] for m in c["modules"]}

    # Garden Basics: a module without tasks, a lab, and last a quiz, whose answer links its certificate.
    theme.mark_complete("garden-tools-tour", BASICS)
    planting = theme.attest_lab("planting-lab")
    assert planting["module_complete"] is True
    soil = theme.submit_quiz("soil-and-compost", {"q1": "a", "q2": "b", "q3": "c"})
    assert (soil["pass"], soil["module_complete"]) == (True, True)

    # The learner shares the link at once; someone else (no session, no storage) opens it, most likely
    # before the awards function has signed the credential.
    public_page = stranger.new_page()
    origin = site_origin(content_stack)
    public_page.goto(f"{origin}/learn/certificate?id={soil['cert_id']}")
    public_page.locator("#certificate").wait_for()
    assert public_page.inner_text("#title") == modules["soil-and-compost"]

    basics = theme.eventually_ok(f"/course/status?course_slug={BASICS}", "course_cert_id")
    assert (basics["course_status"], basics["modules_completed"], basics["modules_total"]) == ("complete", 3, 3)

    # Garden Care: the last module's lab, attested from two tabs at once, completes the pathway.
    theme.mark_complete("pest-spotting", CARE)
    assert theme.submit_quiz("watering-schedules", {"q1": "a", "q2": "b"})["module_complete"] is False
    tabs = [page, context.new_page()]
    tabs[1].goto(site_url(content_stack))
    tabs[1].wait_for_function("window.hhIdentity && hhIdentity.isReady() && hhIdentity.isAuthenticated()")
    for tab in tabs:
        tab.evaluate(START_ATTEST, [api, "watering-schedules"])
    raced = [tab.wait_for_function("window.attested").json_value() for tab in tabs]
    assert [r["status"] for r in raced] == [200, 200], raced
    assert all(r["data"]["module_complete"] for r in raced)
    watering_cert = raced[0]["data"]["cert_id"]
    assert raced[1]["data"]["cert_id"] == watering_cert

    # Once more after a reload, as a learner who is not sure it worked: nothing new is issued.
    tabs[1].reload()
    tabs[1].wait_for_function("window.hhIdentity && hhIdentity.isReady() && hhIdentity.isAuthenticated()")
    again = Theme(tabs[1], api)
    assert again.attest_lab("watering-schedules")["cert_id"] == watering_cert
    assert again.submit_quiz("watering-schedules", {"q1": "a", "q2": "b"})["cert_id"] == watering_cert

    pathway = again.eventually_ok(f"/pathway/status?pathway_slug={PATHWAY}", "pathway_cert_id")
    assert (pathway["pathway_status"], pathway["courses_completed"], pathway["courses_total"]) == ("complete", 2, 2)
    assert [c["course_cert_id"] is not None for c in pathway["courses"]] == [True, False]  # Garden Care awards none
    assert pathway["courses"][0]["course_cert_id"] == basics["course_cert_id"]

    # The learner's list, as the dashboard reads it: one certificate for each module, course and pathway.
    page.reload()
    page.wait_for_function("window.hhIdentity && hhIdentity.isReady()")
    listed = Theme(page, api).certificates()
    by_entity = {(c["entityType"], c["entitySlug"]): c for c in listed}
    expected = {
        ("module", "soil-and-compost"): modules["soil-and-compost"],
        ("module", "planting-lab"): modules["planting-lab"],
        ("module", "watering-schedules"): modules["watering-schedules"],
        ("course", BASICS): BASICS_TITLE,
        ("pathway", PATHWAY): PATHWAY_TITLE,
    }
    assert len(listed) == len(by_entity) == len(expected), listed
    assert {key: c["entityTitle"] for key, c in by_entity.items()} == expected
    assert by_entity[("module", "soil-and-compost")]["certId"] == soil["cert_id"]
    assert by_entity[("module", "planting-lab")]["certId"] == planting["cert_id"]
    assert by_entity[("module", "watering-schedules")]["certId"] == watering_cert
    assert by_entity[("course", BASICS)]["certId"] == basics["course_cert_id"]
    assert by_entity[("pathway", PATHWAY)]["certId"] == pathway["pathway_cert_id"]

    # The stranger's browser again, once the awards function has signed every credential: each public page
    # offers the credential that was signed, which verifies against the published keys and names nobody.
    ids = [c["certId"] for c in listed]
    assert eventually(public_page, ALL_SIGNED, [api, ids], AWARDS_WAIT_MS), "the credentials were not signed in time"
    keyset = KeySet.import_key_set(
        public_page.evaluate("api => fetch(api + '/.well-known/jwks.json').then(r => r.json())", api)
    )
    personal = (learner["email"], GIVEN_NAME, FAMILY_NAME)
    for (kind, slug), title in expected.items():
        cert_id = by_entity[(kind, slug)]["certId"]
        public_page.goto(f"{origin}/learn/certificate?id={cert_id}")
        public_page.locator("#certificate").wait_for()
        assert (public_page.inner_text("#title"), public_page.inner_text("#kind")) == (title, f"{kind}:")
        assert not any(word.lower() in public_page.content().lower() for word in personal)
        answer = public_page.evaluate("id => hhl.certificate(id)", cert_id)
        assert (answer["entityType"], answer["entitySlug"], answer["entityTitle"]) == (kind, slug, title)
        assert not any(word.lower() in str(answer).lower() for word in personal)

        download = public_page.locator("#credential")
        assert download.get_attribute("download") == f"hedgehog-learn-certificate-{cert_id}.jwt"
        credential = urllib.parse.unquote(download.get_attribute("href").split(",", 1)[1])
        assert credential == answer["credential"]
        claims = jwt.decode(credential, keyset, algorithms=["ES256"]).claims
        assert "OpenBadgeCredential" in claims["type"]
        assert schema_errors(claims) == []  # 1EdTech's pinned OB 3.0 schema, where a clone is on the machine
        assert claims["credentialSubject"]["achievement"]["name"] == title
        assert claims["id"].endswith(f"/certificate/{cert_id}")
        (recipient,) = claims["credentialSubject"]["identifier"]  # the learner's email, salted and hashed
        salted = (learner["email"] + recipient["salt"]).encode()
        assert recipient["identityHash"] == f"sha256${hashlib.sha256(salted).hexdigest()}"
        assert not any(word.lower() in str(claims).lower() for word in personal)
