"""POST/GET /enrollments and DELETE /enrollments/{courseSlug} through the enroll handler."""

from __future__ import annotations

from tests.support.in_process_api import USER_A, USER_B

LAB = "hedgehog-lab-foundations"
PATHWAY = "network-like-hyperscaler"
PATHWAY_COURSES = [
    "network-like-hyperscaler-foundations",
    "network-like-hyperscaler-provisioning",
    "network-like-hyperscaler-observability",
    "network-like-hyperscaler-troubleshooting",
]


def test_enrolling_creates_one_enrollment_and_repeating_returns_it(api, stored):
    first = api.post("/enrollments", {"courseSlug": LAB, "source": "course_page"})
    assert first.status == 201
    assert first.body == {
        "type": "course",
        "slug": LAB,
        "title": "Hedgehog Lab Foundations",
        "source": "course_page",
        "enrolledAt": first.body["enrolledAt"],
    }
    assert first.headers["cache-control"] == "no-store, private"

    again = api.post("/enrollments", {"courseSlug": LAB, "source": "catalog"})
    assert again.status == 200
    assert again.body == first.body  # the original source and time are kept
    assert len(stored("enrollments")) == 1


def test_source_is_optional(api):
    response = api.post("/enrollments", {"courseSlug": LAB})
    assert response.status == 201
    assert response.body["source"] == "api"


def test_pathway_enrollment_enrolls_its_courses_and_keeps_existing_ones(api, stored):
    existing = api.post("/enrollments", {"courseSlug": PATHWAY_COURSES[1], "source": "course_page"}).body

    response = api.post("/enrollments", {"pathwaySlug": PATHWAY, "source": "pathway_page"})

    assert response.status == 201
    assert response.body["type"] == "pathway"
    assert response.body["title"] == "Network Like a Hyperscaler"
    assert [c["slug"] for c in response.body["courses"]] == PATHWAY_COURSES
    assert response.body["courses"][1] == existing
    assert {c["source"] for i, c in enumerate(response.body["courses"]) if i != 1} == {"pathway_enrollment"}
    assert len(stored("enrollments")) == 1 + len(PATHWAY_COURSES)

    again = api.post("/enrollments", {"pathwaySlug": PATHWAY})
    assert again.status == 200
    assert again.body == response.body
    assert len(stored("enrollments")) == 1 + len(PATHWAY_COURSES)


def test_list_enrollments_returns_only_the_callers(api_as):
    api_as(USER_A).post("/enrollments", {"courseSlug": LAB})
    api_as(USER_B).post("/enrollments", {"pathwaySlug": PATHWAY})

    mine = api_as(USER_A).get("/enrollments")
    assert mine.status == 200
    assert [(e["type"], e["slug"]) for e in mine.body["enrollments"]] == [("course", LAB)]
    theirs = api_as(USER_B).get("/enrollments").body["enrollments"]
    assert {(e["type"], e["slug"]) for e in theirs} == {("pathway", PATHWAY)} | {("course", c) for c in PATHWAY_COURSES}


def test_empty_list_for_a_new_learner(api):
    assert api.get("/enrollments").body == {"enrollments": []}


def test_unenrolling_removes_the_enrollment_and_a_repeated_leave_succeeds_too(api, stored):
    api.post("/enrollments", {"courseSlug": LAB})

    removed = api.delete(f"/enrollments/{LAB}")
    assert removed.status == 204
    assert removed.raw == b""
    assert stored("enrollments") == []

    # The first leave's answer was lost (a 5xx after DynamoDB applied it): the retry is not an error.
    again = api.delete(f"/enrollments/{LAB}")
    assert (again.status, again.raw) == (204, b"")
    assert stored("enrollments") == []


def test_a_repeated_enroll_answers_what_is_stored(api, stored):
    first = api.post("/enrollments", {"courseSlug": LAB})
    again = api.post("/enrollments", {"courseSlug": LAB})
    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    assert len(stored("enrollments")) == 1


def test_unenrolling_keeps_progress_and_badges(api, stored):
    api.post(
        "/progress",
        {"courseSlug": LAB, "moduleSlug": "accessing-the-hedgehog-virtual-lab-with-google-cloud", "event": "started"},
    )
    assert api.delete(f"/enrollments/{LAB}").status == 204
    assert len(stored("progress")) == 1


def test_delete_of_an_unknown_or_malformed_course(api):
    assert api.delete("/enrollments/no-such-course").status == 404
    malformed = api.delete("/enrollments/Robert'); DROP TABLE--")
    assert malformed.status == 400
    assert malformed.body["error"] == "Invalid course slug"


def test_user_b_cannot_remove_user_a_enrollment(api_as, stored):
    api_as(USER_A).post("/enrollments", {"courseSlug": LAB})
    assert api_as(USER_B).delete(f"/enrollments/{LAB}").status == 204  # B is not enrolled, and still is not
    assert [item["userId"]["S"] for item in stored("enrollments")] == [USER_A]


def test_every_route_needs_a_valid_access_token(anonymous, api_as, tokens, router, stored):
    from tests.support.in_process_api import ApiClient

    for method, path in [("POST", "/enrollments"), ("GET", "/enrollments"), ("DELETE", f"/enrollments/{LAB}")]:
        missing = anonymous.request(method, path, {"courseSlug": LAB} if method == "POST" else None)
        assert missing.status == 401, (method, path)
        assert missing.body == {"error": "Unauthorized: Missing access token"}
        assert missing.headers["www-authenticate"].startswith("Bearer")
        expired = ApiClient(router, tokens.access(exp=1_000_000_000))
        assert expired.request(method, path, {"courseSlug": LAB} if method == "POST" else None).status == 401
    assert stored("enrollments") == []


def test_cookie_authenticated_write_from_a_foreign_origin_is_refused(router, tokens, stored):
    from tests.support.in_process_api import ApiClient

    browser = ApiClient(router, None)
    cookie = f"__Host-hhl_access_token={tokens.access(sub=USER_A)}"
    refused = browser.post(
        "/enrollments", {"courseSlug": LAB}, headers={"origin": "https://evil.example"}, cookies=[cookie]
    )
    assert refused.status == 403
    assert stored("enrollments") == []
    allowed = browser.post(
        "/enrollments", {"courseSlug": LAB}, headers={"origin": "http://127.0.0.1:3000"}, cookies=[cookie]
    )
    assert allowed.status == 201
