"""The learning API through the local stack, as the site uses it: a real user signed in through the
hosted UI, cookie-authenticated calls from the site's origin (and Bearer calls), real HTTP on
loopback, DynamoDB in the emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from kit.sign_in import TIMEOUT
from tests.support.site_http import LAB, LAB_MODULES, Site, new_learner

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def learner(local_stack, create_user):
    return Site(local_stack, new_learner(local_stack, create_user))


@pytest.fixture(scope="module")
def other_learner(local_stack, create_user):
    return Site(local_stack, new_learner(local_stack, create_user))


def test_a_signed_in_learner_enrolls_progresses_and_earns_a_badge(learner, local_stack):
    enrolled = learner.post("/enrollments", {"courseSlug": LAB, "source": "course_page"})
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.headers["cache-control"] == "no-store, private"
    assert learner.post("/enrollments", {"courseSlug": LAB}).status_code == 200

    started = learner.post("/progress", {"courseSlug": LAB, "moduleSlug": LAB_MODULES[0], "event": "started"})
    assert started.status_code == 200, started.text
    assert started.json()["modules"][LAB_MODULES[0]]["started"] is True

    responses = [
        learner.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"})
        for module in LAB_MODULES
    ]
    assert [r.status_code for r in responses] == [200, 200, 200]
    final = responses[-1].json()
    assert final["courseCompleted"] is True
    assert final["completedModules"] == final["totalModules"] == 3
    assert [b["badgeId"] for b in final["badgesAwarded"]] == [f"course:{LAB}"]

    assert [c["courseSlug"] for c in learner.get("/progress").json()["courses"]] == [LAB]
    assert learner.get(f"/progress/{LAB}").json()["courseCompleted"] is True
    badges = learner.get("/badges").json()["badges"]
    assert [(b["badgeId"], b["title"]) for b in badges] == [(f"course:{LAB}", "Hedgehog Lab Foundations")]

    # The same learner with a Bearer token sees the same data.
    bearer = requests.get(f"{local_stack['api_url']}/enrollments", headers=learner.signed.bearer, timeout=TIMEOUT)
    assert [e["slug"] for e in bearer.json()["enrollments"]] == [LAB]

    assert learner.delete(f"/enrollments/{LAB}").status_code == 204
    assert learner.delete(f"/enrollments/{LAB}").status_code == 204  # a repeated leave succeeds too
    assert learner.get("/enrollments").json() == {"enrollments": []}
    assert learner.get("/badges").json()["badges"] == badges  # badges and progress outlive the enrollment


def test_learners_only_see_and_change_their_own_data(learner, other_learner):
    other_learner.post("/enrollments", {"pathwaySlug": "network-like-hyperscaler"})
    other_learner.post(
        "/progress",
        {
            "courseSlug": "network-like-hyperscaler-foundations",
            "moduleSlug": "fabric-operations-welcome",
            "event": "completed",
        },
    )
    mine = {e["slug"] for e in learner.get("/enrollments").json()["enrollments"]}
    assert "network-like-hyperscaler" not in mine
    assert "network-like-hyperscaler-foundations" not in {
        c["courseSlug"] for c in learner.get("/progress").json()["courses"]
    }
    # Leaving a course one is not in changes nothing, and never anyone else's enrollment.
    assert learner.delete("/enrollments/network-like-hyperscaler-foundations").status_code == 204
    assert other_learner.get("/progress/network-like-hyperscaler-foundations").json()["completedModules"] == 1
    assert len(other_learner.get("/enrollments").json()["enrollments"]) == 5


def test_cookie_writes_need_the_site_origin_and_every_route_a_token(learner, local_stack):
    foreign = requests.post(
        f"{local_stack['api_url']}/enrollments",
        json={"courseSlug": LAB},
        cookies=learner.signed.cookies,
        headers={"origin": "https://evil.example"},
        timeout=TIMEOUT,
    )
    assert foreign.status_code == 403
    for path in ("/enrollments", "/progress", f"/progress/{LAB}", "/badges"):
        anonymous = requests.get(f"{local_stack['api_url']}{path}", timeout=TIMEOUT)
        assert anonymous.status_code == 401, path
        assert anonymous.json() == {"error": "Unauthorized: Missing access token"}


def test_bad_input_over_http_is_a_clear_4xx(learner, local_stack):
    not_json = requests.post(
        f"{local_stack['api_url']}/progress",
        data="{oops",
        cookies=learner.signed.cookies,
        headers={"origin": learner.signed.origin, "content-type": "application/json"},
        timeout=TIMEOUT,
    )
    assert not_json.status_code == 400
    assert not_json.json() == {"error": "Request body is not valid JSON"}
    wrong_module = learner.post(
        "/progress", {"courseSlug": LAB, "moduleSlug": "fabric-operations-welcome", "event": "completed"}
    )
    assert wrong_module.status_code == 400
    assert wrong_module.json()["details"] == {"moduleSlug": "not a module of this course"}


def test_parallel_completions_over_http_award_one_badge(local_stack, create_user):
    site = Site(local_stack, new_learner(local_stack, create_user))
    for module in LAB_MODULES[:-1]:
        site.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"})
    last = {"courseSlug": LAB, "moduleSlug": LAB_MODULES[-1], "event": "completed"}
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: site.post("/progress", last), range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    assert len({r.json()["modules"][LAB_MODULES[-1]]["completedAt"] for r in responses}) == 1
    assert sum(len(r.json()["badgesAwarded"]) for r in responses) == 1
    assert len(site.get("/badges").json()["badges"]) == 1


def test_backdated_completion_never_precedes_the_start(local_stack, create_user):
    """Started now, then a completion queued offline two days ago arrives: the module was started by then."""
    site = Site(local_stack, new_learner(local_stack, create_user))
    module = LAB_MODULES[1]
    started = site.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "started"})
    assert started.status_code == 200, started.text
    backdated = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    completed = site.post(
        "/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed", "occurredAt": backdated}
    )
    assert completed.status_code == 200, completed.text

    for view in (completed.json(), site.get(f"/progress/{LAB}").json()):
        times = view["modules"][module]
        assert times["completedAt"].startswith(backdated[:19])
        assert times["startedAt"] <= times["completedAt"], times

    # A start reported later, with an even earlier time, changes nothing: the first start stays.
    earlier = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    site.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "started", "occurredAt": earlier})
    times = site.get(f"/progress/{LAB}").json()["modules"][module]
    assert times["startedAt"] <= times["completedAt"], times
