"""POST /progress, GET /progress, GET /progress/{courseSlug}, GET /badges through the progress handler."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.in_process_api import USER_A, USER_B

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]
PATHWAY = "network-like-hyperscaler"


def event(module: str, kind: str = "completed", course: str = LAB, **extra) -> dict:
    return {"courseSlug": course, "moduleSlug": module, "event": kind, **extra}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def complete_course(api, course) -> list[dict]:
    from hhl.learning.catalog import catalog

    return [api.post("/progress", event(m, course=course)).body for m in catalog().course(course).modules]


def emitted_metrics(captured: str) -> list[str]:
    """Names of the metrics in the EMF lines Powertools printed, one entry per data point."""
    names = []
    for line in captured.splitlines():
        if line.startswith('{"_aws"'):
            blob = json.loads(line)
            for metric in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                names += [metric["Name"]] * len(blob[metric["Name"]])
    return names


def test_started_then_completed_keeps_the_first_timestamps(api):
    started_at = datetime.now(UTC) - timedelta(hours=2)
    completed_at = datetime.now(UTC) - timedelta(hours=1)

    started = api.post("/progress", event(LAB_MODULES[0], "started", occurredAt=iso(started_at)))
    assert started.status == 200
    assert started.body["modules"][LAB_MODULES[0]] == {
        "started": True,
        "startedAt": iso(started_at),
        "completed": False,
        "completedAt": None,
    }
    assert started.body["completedModules"] == 0
    assert started.body["totalModules"] == 3

    completed = api.post("/progress", event(LAB_MODULES[0], occurredAt=iso(completed_at)))
    again = api.post("/progress", event(LAB_MODULES[0], occurredAt=iso(datetime.now(UTC))))
    restarted = api.post("/progress", event(LAB_MODULES[0], "started"))
    for response in (completed, again, restarted):
        assert response.body["modules"][LAB_MODULES[0]] == {
            "started": True,
            "startedAt": iso(started_at),
            "completed": True,
            "completedAt": iso(completed_at),
        }
        assert response.body["completedModules"] == 1


def test_the_response_lists_every_module_of_the_course(api):
    body = api.post("/progress", event(LAB_MODULES[1], "started")).body
    assert body["courseSlug"] == LAB
    assert list(body["modules"]) == LAB_MODULES
    assert body["modules"][LAB_MODULES[0]] == {
        "started": False,
        "startedAt": None,
        "completed": False,
        "completedAt": None,
    }
    assert body["courseCompleted"] is False
    assert body["badgesAwarded"] == []


def test_occurred_at_with_an_offset_is_stored_in_utc(api):
    local_time = (datetime.now(UTC) - timedelta(minutes=30)).astimezone(
        __import__("datetime").timezone(timedelta(hours=-7))
    )
    body = api.post("/progress", event(LAB_MODULES[0], occurredAt=local_time.isoformat())).body
    assert body["modules"][LAB_MODULES[0]]["completedAt"] == iso(local_time)


def test_without_occurred_at_the_server_time_is_used(api):
    before = iso(datetime.now(UTC))
    body = api.post("/progress", event(LAB_MODULES[0])).body
    assert before <= body["modules"][LAB_MODULES[0]]["completedAt"] <= iso(datetime.now(UTC))


def test_progress_on_a_course_not_enrolled_enrolls_it_once(api):
    api.post("/progress", event(LAB_MODULES[0], "started"))
    api.post("/progress", event(LAB_MODULES[1], "started"))
    enrollments = api.get("/enrollments").body["enrollments"]
    assert [(e["slug"], e["source"]) for e in enrollments] == [(LAB, "module_event")]


def test_progress_keeps_an_existing_enrollment_source(api):
    api.post("/enrollments", {"courseSlug": LAB, "source": "catalog"})
    api.post("/progress", event(LAB_MODULES[0], "started"))
    assert [e["source"] for e in api.get("/enrollments").body["enrollments"]] == ["catalog"]


def test_a_module_of_another_course_is_refused_and_nothing_is_written(api, stored):
    response = api.post("/progress", event("fabric-operations-welcome"))
    assert response.status == 400
    assert response.body == {"error": "Invalid request body", "details": {"moduleSlug": "not a module of this course"}}
    assert stored("progress") == [] and stored("enrollments") == []


def test_completing_every_module_awards_the_course_badge_once(api, stored, capsys):
    responses = complete_course(api, LAB)
    assert [r["courseCompleted"] for r in responses] == [False, False, True]
    assert [len(r["badgesAwarded"]) for r in responses] == [0, 0, 1]
    badge = responses[-1]["badgesAwarded"][0]
    assert badge == {
        "badgeId": f"course:{LAB}",
        "type": "course",
        "slug": LAB,
        "title": "Hedgehog Lab Foundations",
        "awardedAt": badge["awardedAt"],
    }
    repeat = api.post("/progress", event(LAB_MODULES[-1]))
    assert repeat.body["badgesAwarded"] == []
    assert api.get("/badges").body == {"badges": [badge]}
    assert len(stored("badges")) == 1

    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics.count("ModulesCompleted") == 3
    assert metrics.count("BadgesAwarded") == 1
    assert metrics.count("Enrollments") == 1


def test_completing_every_course_of_a_pathway_awards_the_pathway_badge(api):
    from hhl.learning.catalog import catalog

    courses = catalog().pathway(PATHWAY).courses
    for course in courses[:-1]:
        complete_course(api, course)
    assert {b["badgeId"] for b in api.get("/badges").body["badges"]} == {f"course:{c}" for c in courses[:-1]}

    last = complete_course(api, courses[-1])[-1]
    assert [b["badgeId"] for b in last["badgesAwarded"]] == [f"course:{courses[-1]}", f"pathway:{PATHWAY}"]
    pathway_badge = last["badgesAwarded"][1]
    assert pathway_badge["type"] == "pathway"
    assert pathway_badge["title"] == "Network Like a Hyperscaler"
    assert len(api.get("/badges").body["badges"]) == len(courses) + 1


def test_get_progress_lists_every_course_touched(api):
    assert api.get("/progress").body == {"courses": []}
    api.post("/progress", event(LAB_MODULES[0]))
    api.post("/progress", event("fabric-operations-welcome", "started", course="network-like-hyperscaler-foundations"))

    courses = api.get("/progress").body["courses"]
    assert [c["courseSlug"] for c in courses] == [LAB, "network-like-hyperscaler-foundations"]
    assert courses[0]["completedModules"] == 1
    assert courses[1]["modules"]["fabric-operations-welcome"]["started"] is True
    assert set(courses[0]) == {"courseSlug", "modules", "completedModules", "totalModules", "courseCompleted"}


def test_get_course_progress(api):
    untouched = api.get(f"/progress/{LAB}")
    assert untouched.status == 200
    assert untouched.body["completedModules"] == 0
    assert all(not m["started"] for m in untouched.body["modules"].values())

    posted = api.post("/progress", event(LAB_MODULES[2])).body
    fetched = api.get(f"/progress/{LAB}").body
    assert fetched == {k: v for k, v in posted.items() if k != "badgesAwarded"}


@pytest.mark.parametrize(("slug", "status"), [("no-such-course", 404), ("UPPER", 400), ("a" * 101, 400)])
def test_get_course_progress_of_an_unknown_or_malformed_slug(api, slug, status):
    assert api.get(f"/progress/{slug}").status == status


def test_user_a_cannot_read_or_change_user_b_progress(api_as, stored):
    user_a, user_b = api_as(USER_A), api_as(USER_B)
    complete_course(user_b, LAB)

    assert user_a.get("/progress").body == {"courses": []}
    assert user_a.get(f"/progress/{LAB}").body["completedModules"] == 0
    assert user_a.get("/badges").body == {"badges": []}
    assert user_a.get("/enrollments").body == {"enrollments": []}

    # A's writes land under A's key only, whatever the body says.
    user_a.post("/progress", {**event(LAB_MODULES[0], "started"), "userId": USER_B})
    user_a.post("/progress", event(LAB_MODULES[0], "started"))
    assert user_b.get(f"/progress/{LAB}").body["completedModules"] == 3
    owners = {item["userId"]["S"] for item in stored("progress") if item["moduleKey"]["S"].endswith(LAB_MODULES[0])}
    assert owners == {USER_A, USER_B}
    assert user_b.get(f"/progress/{LAB}").body["modules"][LAB_MODULES[0]]["completed"] is True
