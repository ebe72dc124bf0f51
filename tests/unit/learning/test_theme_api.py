"""The site theme's routes through the theme handler: one learning model behind two doors.

What the theme's scripts send (action runner, enrollment, my-learning, course and pathway pages) lands in
the same records this service's own routes read, and the theme's shapes come back from them.
"""

from __future__ import annotations

import pytest

from tests.catalog_dirs import FIXTURE_CONTENT
from tests.support.in_process_api import ALLOWED_ORIGIN, USER_A, USER_B, ApiClient
from tools.content_catalog import compile_tree, write_compiled

CATALOG = {
    "courses": [
        {"slug": "basics", "title": "Basics", "modules": ["intro", "setup", "shared"]},
        {"slug": "advanced", "title": "Advanced", "modules": ["shared", "tuning"]},
        {"slug": "solo", "title": "Solo", "modules": ["alone"]},
    ],
    "pathways": [{"slug": "track", "title": "The Track", "courses": ["basics", "advanced"]}],
}
B_IDENTITY = {"email": "b@example.com", "contactId": "424242"}


@pytest.fixture(autouse=True)
def small_catalog(use_catalog):
    use_catalog(CATALOG)


def track(api: ApiClient, name: str, payload: dict | None = None, **top) -> object:
    return api.post("/events/track", {"eventName": name, "payload": payload or {}, **top})


def module_event(api, module, status="started", **context):
    payload = {"module_slug": module, "pathway_slug": None, "course_slug": None, "ts": "2026-01-01T00:00:00Z"}
    return track(api, f"learning_module_{status}", {**payload, **context}, contactIdentifier=B_IDENTITY)


def everything(stored) -> dict:
    return {table: stored(table) for table in ("enrollments", "progress", "badges")}


def test_an_enrollment_from_the_action_runner_shows_in_both_doors(api):
    answer = track(
        api, "learning_course_enrolled", {"course_slug": "solo", "pathway_slug": None}, enrollment_source="course_page"
    )
    assert answer.status == 200
    assert answer.body == {"status": "persisted", "mode": "authenticated"}
    assert answer.headers["cache-control"] == "no-store, private"

    own = api.get("/enrollments").body["enrollments"]
    assert [(e["type"], e["slug"], e["source"]) for e in own] == [("course", "solo", "course_page")]
    listed = api.get("/enrollments/list?contactId=999").body
    assert listed["mode"] == "authenticated"
    assert listed["enrollments"] == {
        "pathways": [],
        "courses": [
            {
                "slug": "solo",
                "title": "Solo",
                "pathway_slug": None,
                "enrolled_at": own[0]["enrolledAt"],
                "enrollment_source": "course_page",
            }
        ],
    }


def test_an_unknown_enrollment_source_is_stored_as_the_action_runner(api):
    track(api, "learning_course_enrolled", {"course_slug": "solo"}, enrollment_source="<script>")
    assert api.get("/enrollments").body["enrollments"][0]["source"] == "action_runner"


def test_a_pathway_enrollment_enrolls_its_courses_which_the_theme_lists_under_it(api):
    track(api, "learning_pathway_enrolled", {"pathway_slug": "track", "course_slug": None})
    listed = api.get("/enrollments/list").body["enrollments"]
    assert [(p["slug"], p["enrollment_source"]) for p in listed["pathways"]] == [("track", "action_runner")]
    assert [(c["slug"], c["pathway_slug"]) for c in listed["courses"]] == [("basics", "track"), ("advanced", "track")]


def test_a_module_of_exactly_one_course_is_recorded_under_it_without_context(api):
    answer = module_event(api, "setup", "completed")
    assert answer.body == {"status": "persisted", "mode": "authenticated", "course_slugs": ["basics"]}
    course = api.get("/progress/basics").body
    assert course["modules"]["setup"]["completed"] is True
    assert [e["slug"] for e in api.get("/enrollments").body["enrollments"]] == ["basics"]  # as POST /progress does


def test_a_module_in_several_courses_is_recorded_under_each_without_context(api, stored):
    assert module_event(api, "shared").body["course_slugs"] == ["basics", "advanced"]
    assert sorted(item["moduleKey"]["S"] for item in stored("progress")) == ["advanced#shared", "basics#shared"]


def test_course_context_chooses_the_course_and_stale_context_is_ignored(api, stored):
    assert module_event(api, "shared", course_slug="advanced").body["course_slugs"] == ["advanced"]
    assert module_event(api, "intro", course_slug="advanced").body["course_slugs"] == ["basics"]
    assert module_event(api, "intro", course_slug="no-such-course").body["course_slugs"] == ["basics"]
    assert sorted(item["moduleKey"]["S"] for item in stored("progress")) == ["advanced#shared", "basics#intro"]


def test_pathway_context_narrows_a_shared_module_to_the_pathways_courses(api, use_catalog):
    use_catalog({**CATALOG, "pathways": [{"slug": "track", "title": "T", "courses": ["advanced", "solo"]}]})
    assert module_event(api, "shared", pathway_slug="track").body["course_slugs"] == ["advanced"]


def test_identity_in_the_body_or_query_is_ignored(api_as, stored):
    a, b = api_as(USER_A), api_as(USER_B)
    module_event(a, "alone", "completed")
    assert {item["userId"]["S"] for item in stored("progress")} == {USER_A}
    assert b.get("/progress/read?email=a@example.com&contactId=1").body["progress"] == {}
    assert b.get("/course/status?course_slug=solo&email=a@example.com").body["course_status"] == "not_started"
    assert a.get("/course/status?course_slug=solo").body["course_status"] == "complete"


def test_without_a_session_nothing_is_stored_and_reads_answer_as_the_original(anonymous, stored):
    answer = module_event(anonymous, "intro", "completed")
    assert (answer.status, answer.body) == (200, {"status": "logged", "mode": "anonymous"})
    assert track(anonymous, "learning_course_enrolled", {"course_slug": "solo"}).body["mode"] == "anonymous"
    assert everything(stored) == {"enrollments": [], "progress": [], "badges": []}

    assert anonymous.get("/progress/read?email=a@example.com").body == {"mode": "anonymous"}
    assert anonymous.get("/progress/aggregate?type=course&slug=solo").body == {"mode": "anonymous"}
    assert anonymous.get("/progress/aggregate?type=lesson&slug=solo").status == 400  # malformed for anyone
    for path in (
        "/enrollments/list?email=a@example.com",
        "/course/status?course_slug=solo",
        "/pathway/status?pathway_slug=track",
    ):
        response = anonymous.get(path)
        assert response.status == 401, path
        assert response.body == {"error": "Unauthorized: Missing access token"}


def test_a_bad_token_is_refused_not_treated_as_anonymous(router, stored):
    bad = ApiClient(router, "not-a-token")
    assert module_event(bad, "intro").status == 401
    assert bad.get("/progress/read").status == 401
    assert stored("progress") == []


def test_a_cookie_session_write_needs_an_allowed_origin(router, tokens, stored):
    cookie = f"__Host-hhl_access_token={tokens.access(sub=USER_A)}"
    client = ApiClient(router, None)
    body = {"eventName": "learning_module_started", "payload": {"module_slug": "intro"}}
    refused = client.post("/events/track", body, headers={"origin": "https://evil.example"}, cookies=[cookie])
    assert refused.status == 403
    assert stored("progress") == []
    accepted = client.post("/events/track", body, headers={"origin": ALLOWED_ORIGIN}, cookies=[cookie])
    assert accepted.body["status"] == "persisted"


def test_page_views_are_answered_but_not_stored(api, stored):
    answer = track(api, "learning_page_viewed", {"content_type": "module", "slug": "intro", "course_slug": "basics"})
    assert (answer.status, answer.body) == (200, {"status": "logged", "mode": "authenticated"})
    assert everything(stored) == {"enrollments": [], "progress": [], "badges": []}


def test_completion_claims_are_checked_against_the_stored_progress(api, stored):
    rejected = track(api, "learning_course_completed", {"course_slug": "solo"})
    assert rejected.status == 400
    assert rejected.body["error"] == "Course completion claim rejected: not every module is complete"
    assert track(api, "learning_pathway_completed", {"pathway_slug": "track"}).status == 400
    module_event(api, "alone", "completed")
    assert track(api, "learning_course_completed", course_slug="solo").body["status"] == "persisted"


BAD_EVENTS = [
    ({"payload": {"module_slug": "intro"}}, "eventName"),
    ({"eventName": "learning_module_exploded", "payload": {"module_slug": "intro"}}, "eventName"),
    ({"eventName": "learning_module_started"}, "module_slug"),
    ({"eventName": "learning_module_started", "payload": {"module_slug": "not-in-any-course"}}, "module_slug"),
    ({"eventName": "learning_module_started", "payload": {"module_slug": "Intro!"}}, "module_slug"),
    ({"eventName": "learning_module_started", "payload": {"module_slug": ["intro"]}}, "module_slug"),
    ({"eventName": "learning_module_started", "payload": "intro"}, "payload"),
    ({"eventName": "learning_course_enrolled", "payload": {"course_slug": "nope"}}, "course_slug"),
    ({"eventName": "learning_course_enrolled", "payload": {}}, "course_slug"),
    ({"eventName": "learning_pathway_enrolled", "pathway_slug": "x" * 201}, "pathway_slug"),
    ({"eventName": "learning_pathway_enrolled", "payload": {"pathway_slug": "basics"}}, "pathway_slug"),
    ({"eventName": "learning_course_enrolled", "course_slug": "solo", "enrollment_source": 7}, "enrollment_source"),
    ({"eventName": "learning_page_viewed", "payload": {"slug": "intro"}}, "payload.content_type"),
    ({"eventName": "learning_page_viewed", "payload": {"content_type": "module"}}, "payload.slug"),
]


@pytest.mark.parametrize(("body", "field"), BAD_EVENTS)
def test_bad_events_are_400_naming_the_field_and_change_nothing(api, stored, body, field):
    answer = api.post("/events/track", body)
    assert answer.status == 400
    assert answer.body["error"] == "Invalid track event"
    assert field in answer.body["details"]
    assert everything(stored) == {"enrollments": [], "progress": [], "badges": []}


def test_bodies_that_are_not_json_objects_or_too_large_are_refused(api, stored):
    assert api.post("/events/track", body="{", headers={"content-type": "application/json"}).status == 400
    assert api.post("/events/track", body="[]", headers={"content-type": "application/json"}).status == 400
    assert api.post("/events/track", body="{}", headers={"content-type": "text/plain"}).status == 415
    big = {"eventName": "learning_module_started", "payload": {"module_slug": "intro", "pad": "x" * 10_000}}
    assert api.post("/events/track", big).status == 413
    assert stored("progress") == []


def test_course_status_rolls_up_the_learners_progress_with_titles(api):
    module_event(api, "intro", "completed")
    module_event(api, "setup")
    status = api.get("/course/status?course_slug=basics").body
    assert status == {
        "course_slug": "basics",
        "course_title": "Basics",
        "course_status": "in_progress",
        "modules_completed": 1,
        "modules_total": 3,
        "modules": [
            {"module_slug": m, "module_title": m.title(), "module_status": s, "has_required_tasks": False, "tasks": {}}
            for m, s in (("intro", "complete"), ("setup", "in_progress"), ("shared", "not_started"))
        ],
        "course_cert_id": None,
    }


def test_pathway_status_lists_its_courses_in_order(api):
    for module in ("intro", "setup", "shared"):
        module_event(api, module, "completed", course_slug="basics")
    status = api.get("/pathway/status?pathway_slug=track").body
    assert status["pathway_title"] == "The Track"
    assert (status["pathway_status"], status["courses_completed"], status["courses_total"]) == ("in_progress", 1, 2)
    assert [(c["course_slug"], c["course_title"], c["course_status"]) for c in status["courses"]] == [
        ("basics", "Basics", "complete"),
        ("advanced", "Advanced", "in_progress"),  # "shared" counts in both courses
    ]
    assert status["courses"][1] == {
        "course_slug": "advanced",
        "course_title": "Advanced",
        "course_status": "in_progress",
        "modules_completed": 1,
        "modules_total": 2,
        "course_cert_id": None,
    }
    assert status["pathway_cert_id"] is None


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/course/status", "course_slug query parameter is required"),
        ("/course/status?course_slug=", "course_slug query parameter is required"),
        ("/course/status?course_slug=nope", "course not found"),
        ("/course/status?course_slug=%00%27", "course not found"),
        ("/pathway/status", "pathway_slug query parameter is required"),
        ("/pathway/status?pathway_slug=basics", "pathway not found"),
    ],
)
def test_status_routes_answer_the_messages_the_theme_matches_on(api, path, error):
    answer = api.get(path)
    assert (answer.status, answer.body) == (400, {"error": error})


def test_progress_aggregate_counts_modules_of_a_course_and_courses_of_a_pathway(api):
    track(api, "learning_course_enrolled", {"course_slug": "basics"})
    module_event(api, "intro", "completed")
    module_event(api, "setup")
    course = api.get("/progress/aggregate?type=course&slug=basics&email=x@example.com").body
    enrolled_at = api.get("/enrollments").body["enrollments"][0]["enrolledAt"]
    assert course == {
        "mode": "authenticated",
        "started": 2,
        "completed": 1,
        "total": 3,
        "enrolled": True,
        "enrolled_at": enrolled_at,
    }
    pathway = api.get("/progress/aggregate?type=pathway&slug=track").body
    assert (pathway["started"], pathway["completed"], pathway["total"], pathway["enrolled"]) == (1, 0, 2, False)


@pytest.mark.parametrize(
    ("query", "status"),
    [("type=course", 400), ("slug=basics", 400), ("type=module&slug=intro", 400), ("type=course&slug=nope", 404)],
)
def test_progress_aggregate_refuses_bad_queries(api, query, status):
    assert api.get(f"/progress/aggregate?{query}").status == status


def test_progress_read_gives_the_original_state_shape(api):
    track(api, "learning_pathway_enrolled", {"pathway_slug": "track"})
    module_event(api, "intro", "completed", course_slug="basics")
    module_event(api, "alone")
    read = api.get("/progress/read").body
    assert read["mode"] == "authenticated"
    state = read["progress"]
    assert set(state) == {"track", "courses"}
    assert state["track"]["enrolled"] is True and state["track"]["started"] is True
    assert state["track"]["completed"] is False
    basics = state["track"]["courses"]["basics"]
    assert basics["enrolled"] is True and basics["enrollment_source"] == "pathway_enrollment"
    assert basics["modules"]["intro"]["completed"] is True
    assert set(state["track"]["courses"]) == {"basics", "advanced"}
    assert set(state["courses"]) == {"solo"}  # not in an enrolled pathway
    assert state["courses"]["solo"]["modules"]["alone"] == {
        "started": True,
        "started_at": state["courses"]["solo"]["started_at"],
        "completed": False,
        "completed_at": None,
    }
    assert read["last_viewed"]["type"] == "module" and read["last_viewed"]["slug"] == "alone"
    assert read["summary"] == "track: 0/2 courses; basics: 1/3 modules; advanced: 0/2 modules; solo: 0/1 modules"
    assert len(read["updated_at"]) == 10


def test_progress_read_of_a_new_learner_is_empty(api):
    assert api.get("/progress/read").body == {
        "mode": "authenticated",
        "progress": {},
        "updated_at": None,
        "summary": None,
        "last_viewed": {"type": None, "slug": None, "at": None},
    }


@pytest.mark.parametrize("modules", [2, 40])
def test_status_routes_cost_one_query_whatever_the_course_size(api, use_catalog, ddb_calls, modules):
    slugs = [f"m-{n}" for n in range(modules)]
    use_catalog(
        {
            "courses": [{"slug": "big", "title": "Big", "modules": slugs}],
            "pathways": [{"slug": "all", "title": "All", "courses": ["big"]}],
        }
    )
    ddb_calls.reset()
    assert api.get("/course/status?course_slug=big").body["modules_total"] == modules
    assert ddb_calls.operations == ["Query", "Query"]  # progress, certificates
    ddb_calls.reset()
    assert api.get("/pathway/status?pathway_slug=all").body["courses_total"] == 1
    assert ddb_calls.operations == ["Query", "Query"]


@pytest.fixture
def garden(tmp_path, serve_catalog):
    """The test content tree (tests/fixtures/content): modules with required quizzes and labs."""
    compiled = tmp_path / "garden"
    write_compiled(compile_tree(FIXTURE_CONTENT), compiled)
    serve_catalog(compiled)


def test_marking_a_module_with_required_tasks_complete_is_refused_but_its_start_is_kept(garden, api):
    answer = module_event(api, "soil-and-compost", "completed")
    assert answer.status == 409
    assert answer.body == {
        "error": "This module is completed by passing its required tasks (quiz or lab), not by marking it complete",
        "details": {"module_slug": "soil-and-compost"},
    }
    module = api.get("/progress/garden-basics").body["modules"]["soil-and-compost"]
    assert (module["started"], module["completed"]) == (True, False)
    # a module whose only task is an optional knowledge check is completed by marking it
    assert module_event(api, "pest-spotting", "completed").body["status"] == "persisted"


def test_course_status_names_required_tasks_and_counts_every_module(garden, api):
    from hhl.storage import progress as store

    module_event(api, "garden-tools-tour", "completed")  # in both courses, no tasks
    # what passing the quiz and attesting the lab writes (the tasks routes reuse this progress code)
    for module in ("soil-and-compost", "planting-lab"):
        store.record_module_event(USER_A, "garden-basics", module, True, "2026-03-01T10:00:00.000Z", "x")
    status = api.get("/course/status?course_slug=garden-basics").body
    assert (status["course_title"], status["course_status"]) == ("Garden Basics", "complete")
    assert (status["modules_completed"], status["modules_total"]) == (3, 3)
    rows = {m["module_slug"]: m for m in status["modules"]}
    assert rows["soil-and-compost"]["tasks"] == {"quiz-1": {"status": "passed"}}
    assert rows["planting-lab"]["tasks"] == {"lab-main": {"status": "attested"}}
    assert rows["garden-tools-tour"]["has_required_tasks"] is False
    assert rows["garden-tools-tour"]["tasks"] == {}
    assert all(m["module_title"] != m["module_slug"] for m in status["modules"])

    care = api.get("/course/status?course_slug=garden-care").body
    assert [(m["module_slug"], m["module_status"], m["has_required_tasks"]) for m in care["modules"]] == [
        ("watering-schedules", "not_started", True),  # lab-main's omitted `required` means required
        ("pest-spotting", "not_started", False),
        ("garden-tools-tour", "complete", False),
    ]


def test_status_routes_show_the_certificates_the_learner_holds(garden, api):
    from hhl.learning import certificates
    from hhl.storage import progress as store

    for module in ("soil-and-compost", "planting-lab", "garden-tools-tour"):
        store.record_module_event(USER_A, "garden-basics", module, True, "2026-03-01T10:00:00.000Z", "x")
    assert api.get("/course/status?course_slug=garden-basics").body["course_cert_id"] is None
    issued = certificates.issue_earned(USER_A, "2026-03-01T10:00:01.000Z")  # as the awards consumer does
    course_cert = issued.cert_id("course", "garden-basics")
    assert course_cert is not None
    assert api.get("/course/status?course_slug=garden-basics").body["course_cert_id"] == course_cert
    pathway = api.get("/pathway/status?pathway_slug=home-gardener").body
    assert [c["course_cert_id"] for c in pathway["courses"]] == [course_cert, None]
    assert pathway["pathway_cert_id"] is None
