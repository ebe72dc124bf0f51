# ruff: noqa: E501 - the pages' scripts are JavaScript kept readable as written, not wrapped to Python's width
"""The theme's enrollment, progress and status pages on the site's own origin, driven in Chromium against the stack.

The pages are written here from the contract (never the theme's scripts): an action runner that POSTs the
theme's events to /events/track with credentials:'include' and succeeds only on persisted/authenticated, a
module page whose "Mark complete" goes through it with course context, course and pathway pages that render
/course/status and /pathway/status, and a dashboard built from /enrollments/list + /pathway/status +
/course/status. They are served by the browser tests' page site (`page_site_and_stack`) at http://www.hedgehog.localhost:<port>
(same-site with the API, as hedgehog.cloud is with api.hedgehog.cloud) to a stack over the test content tree
that allows that origin; the test checks what the learner sees.
"""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

COMMON = """
var API = document.body.dataset.api;
function $(id) { return document.getElementById(id); }
function esc(s) { var d = document.createElement('div'); d.textContent = s == null ? '' : String(s); return d.innerHTML; }
function getJSON(path) {
  return fetch(API + path, {credentials: 'include'}).then(function (r) {
    return r.json().then(function (data) { return {status: r.status, data: data}; });
  });
}
function badge(status) {
  return status === 'complete' ? 'Completed' : status === 'in_progress' ? 'In Progress' : 'Not Started';
}
"""

RUNNER = """
var q = new URLSearchParams(location.search), action = q.get('action'), now = new Date().toISOString();
var redirect = q.get('redirect_url') || '/learn';
if (redirect.charAt(0) !== '/' || redirect.charAt(1) === '/') redirect = '/learn';
var events = [];
if (action === 'enroll_course') events = [{eventName: 'learning_course_enrolled',
  payload: {course_slug: q.get('slug'), pathway_slug: null, ts: now}, enrollment_source: q.get('source') || 'action_runner'}];
if (action === 'enroll_pathway') events = [{eventName: 'learning_pathway_enrolled',
  payload: {pathway_slug: q.get('slug'), course_slug: null, ts: now}, enrollment_source: q.get('source') || 'action_runner'}];
if (action === 'record_progress') {
  var p = {module_slug: q.get('module_slug'), pathway_slug: null, course_slug: q.get('course_slug') || null, ts: now};
  events = [{eventName: 'learning_module_started', payload: p}];
  if (q.get('status') === 'completed') events.push({eventName: 'learning_module_completed', payload: p});
}
function send(evt) {
  evt.contactIdentifier = {email: 'whoever@example.com'};  // the theme adds it; the API ignores it
  return fetch(API + '/events/track', {method: 'POST', credentials: 'include',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(evt)})
    .then(function (r) { return r.text().then(function (t) { return {status: r.status, text: t}; }); })
    .then(function (r) {
      var data = {}; try { data = JSON.parse(r.text); } catch (e) {}
      if (r.status < 200 || r.status > 299) throw {code: 'http_' + r.status, text: data.error || r.text};
      if (data.status === 'persisted' && data.mode === 'authenticated') return data;
      throw {code: data.mode === 'anonymous' ? 'missing_identity' : 'persistence_unconfirmed', text: r.text};
    });
}
events.reduce(function (chain, evt) { return chain.then(function () { return send(evt); }); }, Promise.resolve())
  .then(function () {
    $('action-runner-title').textContent = 'Done';
    setTimeout(function () { location.href = redirect; }, 50);
  }, function (err) {
    $('action-runner-title').textContent = 'Action failed';
    $('action-runner-details').textContent = err.code + ': ' + err.text;
  });
"""

MODULE = """
var slug = document.body.dataset.module, from = new URLSearchParams(location.search).get('from') || '';
var course = from.indexOf('course:') === 0 ? from.slice(7) : '';
$('hhl-mark-complete').addEventListener('click', function () {
  location.href = '/learn/action-runner?action=record_progress&status=completed&module_slug=' + slug +
    (course ? '&course_slug=' + course : '') + '&redirect_url=' + encodeURIComponent(location.pathname + location.search);
});
"""

COURSE = """
var slug = $('course-detail-context').dataset.courseSlug;
Promise.all([getJSON('/course/status?course_slug=' + slug), getJSON('/enrollments/list?email=someone@example.com')])
  .then(function (both) {
    var s = both[0], e = both[1];
    if (s.status !== 200) { $('course-progress-detail-root').textContent = s.data.error; return; }
    var d = s.data;
    $('course-progress-detail-root').innerHTML = '<h2 data-course-title>' + esc(d.course_title) + ' \\u2014 Your Progress</h2>' +
      '<span data-course-status-badge>' + badge(d.course_status) + '</span>' +
      '<div data-course-progress-label>' + d.modules_completed + ' of ' + d.modules_total + ' modules complete</div>' +
      d.modules.map(function (m) {
        return '<div data-course-module-row data-module="' + esc(m.module_slug) + '" data-status="' + esc(m.module_status) + '">' +
          '<a href="/learn/modules/' + esc(m.module_slug) + '?from=course:' + esc(slug) + '">' + esc(m.module_title) + '</a>' +
          (m.has_required_tasks ? '' : ' <span class="pill">No required tasks</span>') + '</div>';
      }).join('');
    var enrolled = e.status === 200 && e.data.enrollments.courses.some(function (c) { return c.slug === slug; });
    var button = $('hhl-enroll-button');
    button.textContent = enrolled ? '\\u2713 Enrolled in Course' : 'Start Course';
    button.disabled = enrolled;
    document.body.dataset.loaded = 'yes';
  });
$('hhl-enroll-button').addEventListener('click', function () {
  location.href = '/learn/action-runner?action=enroll_course&source=course_page&slug=' + slug +
    '&redirect_url=' + encodeURIComponent(location.pathname);
});
"""

PATHWAY = """
var slug = $('pathway-detail-context').dataset.pathwaySlug;
getJSON('/pathway/status?pathway_slug=' + slug).then(function (s) {
  var d = s.data;
  $('pathway-progress-detail-root').innerHTML = '<h2>' + esc(d.pathway_title) + '</h2>' +
    '<span data-pathway-status-badge>' + badge(d.pathway_status) + '</span>' +
    '<div data-pathway-progress-label>' + d.courses_completed + ' of ' + d.courses_total + ' courses complete</div>' +
    d.courses.map(function (c) {
      return '<div data-pathway-course-row data-course="' + esc(c.course_slug) + '"><a href="/learn/courses/' + esc(c.course_slug) +
        '">' + esc(c.course_title) + '</a> <span data-pathway-course-status-badge>' + badge(c.course_status) + '</span> ' +
        c.modules_completed + '/' + c.modules_total + '</div>';
    }).join('');
  document.body.dataset.loaded = 'yes';
});
$('hhl-enroll-button').addEventListener('click', function () {
  location.href = '/learn/action-runner?action=enroll_pathway&source=pathway_page&slug=' + slug +
    '&redirect_url=' + encodeURIComponent('/learn/my-learning');
});
"""

DASHBOARD = """
getJSON('/enrollments/list?contactId=123').then(function (r) {
  if (r.status === 401) { $('auth-prompt').hidden = false; document.body.dataset.loaded = 'yes'; return; }
  var e = r.data.enrollments, cards = [];
  e.pathways.forEach(function (p) { cards.push(getJSON('/pathway/status?pathway_slug=' + p.slug).then(function (s) {
    return '<div class="card" data-card="pathway:' + esc(p.slug) + '">' + esc(s.data.pathway_title) + ' \\u2014 ' +
      badge(s.data.pathway_status) + ' \\u2014 ' + s.data.courses_completed + '/' + s.data.courses_total + ' courses</div>';
  })); });
  e.courses.filter(function (c) { return !c.pathway_slug; }).forEach(function (c) {
    cards.push(getJSON('/course/status?course_slug=' + c.slug).then(function (s) {
      return '<div class="card" data-card="course:' + esc(c.slug) + '">' + esc(s.data.course_title) + ' \\u2014 ' +
        badge(s.data.course_status) + ' \\u2014 ' + s.data.modules_completed + '/' + s.data.modules_total + ' modules</div>';
    }));
  });
  Promise.all(cards).then(function (html) {
    $('enrolled-grid').innerHTML = html.join('');
    $('stat-enrolled').textContent = String(html.length);
    document.body.dataset.loaded = 'yes';
  });
});
"""


def page_for(path: str, api: str) -> bytes | None:
    parts = [p for p in path.split("/") if p]
    script, body = None, ""
    if parts == ["learn", "action-runner"]:
        script = RUNNER
        body = '<div id="hhl-action-runner"><h1 id="action-runner-title">Working…</h1><pre id="action-runner-details"></pre></div>'
    elif len(parts) == 3 and parts[:2] == ["learn", "modules"]:
        script = MODULE
        body = '<div class="module-progress-cta"><button id="hhl-mark-complete">Mark complete</button></div>'
        api = f'{api}" data-module="{parts[2]}'
    elif len(parts) == 3 and parts[:2] == ["learn", "courses"]:
        script = COURSE
        body = (
            '<div id="hhl-enrollment-cta" data-content-type="course"><button id="hhl-enroll-button">…</button></div>'
            f'<div id="course-detail-context" data-course-slug="{parts[2]}"></div><div id="course-progress-detail-root"></div>'
        )
    elif len(parts) == 3 and parts[:2] == ["learn", "pathways"]:
        script = PATHWAY
        body = (
            '<div id="hhl-enrollment-cta"><button id="hhl-enroll-button">Enroll in Pathway</button></div>'
            f'<div id="pathway-detail-context" data-pathway-slug="{parts[2]}"></div><div id="pathway-progress-detail-root"></div>'
        )
    elif parts == ["learn", "my-learning"]:
        script = DASHBOARD
        body = '<div id="auth-prompt" hidden>Sign in to see your learning</div><span id="stat-enrolled"></span><div id="enrolled-grid"></div>'
    if script is None:
        return None
    return (
        f'<!doctype html><html><head><meta charset="utf-8"></head><body data-api="{api}">{body}'
        f"<script>{COMMON}{script}</script></body></html>"
    ).encode()


site_pages = page_for  # what the browser tests' page site serves for this module (tests/browser/conftest.py)


def loaded(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-loaded=yes]")


def test_a_learner_enrolls_marks_progress_and_sees_it_on_course_pathway_and_dashboard(site_and_stack, signed_in_page):
    site, _ = site_and_stack
    page = signed_in_page

    course = f"{site.origin}/learn/courses/garden-care"
    loaded(page, course)
    assert page.inner_text("[data-course-title]") == "Garden Care — Your Progress"
    assert page.inner_text("[data-course-status-badge]") == "Not Started"
    assert page.inner_text("[data-course-progress-label]") == "0 of 3 modules complete"
    rows = page.locator("[data-course-module-row] a")
    assert rows.all_inner_texts() == ["Watering Schedules", "Spotting Pests Early", "A Tour of Garden Tools"]
    assert page.inner_text("#hhl-enroll-button") == "Start Course"

    page.click("#hhl-enroll-button")  # -> the action runner -> persisted -> back to the course page
    page.wait_for_url(course)
    page.wait_for_selector("body[data-loaded=yes]")
    assert page.inner_text("#hhl-enroll-button") == "✓ Enrolled in Course"
    assert page.is_disabled("#hhl-enroll-button")

    page.click('[data-module="pest-spotting"] a')  # a module without required tasks, reached from the course
    page.click("#hhl-mark-complete")
    page.wait_for_url(f"{site.origin}/learn/modules/pest-spotting?from=course:garden-care")
    loaded(page, course)
    assert page.inner_text("[data-course-status-badge]") == "In Progress"
    assert page.inner_text("[data-course-progress-label]") == "1 of 3 modules complete"
    assert page.get_attribute('[data-module="pest-spotting"]', "data-status") == "complete"

    # a module completed only by its quiz and lab: the runner says why, nothing is marked complete
    page.goto(f"{site.origin}/learn/modules/watering-schedules?from=course:garden-care")
    page.click("#hhl-mark-complete")
    page.locator("#action-runner-title").filter(has_text="Action failed").wait_for()
    assert "passing its required tasks" in page.inner_text("#action-runner-details")
    loaded(page, course)
    assert page.get_attribute('[data-module="watering-schedules"]', "data-status") == "in_progress"

    loaded(page, f"{site.origin}/learn/my-learning")
    assert page.inner_text('[data-card="course:garden-care"]') == "Garden Care — In Progress — 1/3 modules"

    pathway = f"{site.origin}/learn/pathways/home-gardener"
    loaded(page, pathway)
    assert page.inner_text("[data-pathway-status-badge]") == "In Progress"
    assert page.inner_text("[data-pathway-progress-label]") == "0 of 2 courses complete"
    assert page.locator("[data-pathway-course-row] a").all_inner_texts() == ["Garden Basics", "Garden Care"]
    page.click("#hhl-enroll-button")
    page.wait_for_url(f"{site.origin}/learn/my-learning")
    page.wait_for_selector("body[data-loaded=yes]")
    # the pathway's card replaces the course's: its courses are listed under it now
    assert page.inner_text("#stat-enrolled") == "1"
    assert page.inner_text('[data-card="pathway:home-gardener"]') == "Home Gardener — In Progress — 0/2 courses"


def test_without_a_session_the_runner_reports_missing_identity_and_the_dashboard_asks_to_sign_in(
    site_and_stack, context
):
    site, _ = site_and_stack
    page = context.new_page()
    page.goto(f"{site.origin}/learn/action-runner?action=enroll_course&slug=garden-basics&redirect_url=/learn")
    page.locator("#action-runner-title").filter(has_text="Action failed").wait_for()
    details = page.inner_text("#action-runner-details")
    assert details.startswith("missing_identity")
    assert json.loads(details.split(": ", 1)[1]) == {"status": "logged", "mode": "anonymous"}
    loaded(page, f"{site.origin}/learn/my-learning")
    assert page.is_visible("#auth-prompt")
