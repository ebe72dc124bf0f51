"""GET /catalog: public, in the site's order, cacheable, and revalidated by its ETag (304 without a body)."""

from __future__ import annotations

import json

from hhl.learning.catalog import SHIPPED_CATALOG_PATH

from tests.catalog_dirs import FIXTURE_CONTENT
from tools.content_catalog import compile_tree, write_compiled

SHIPPED = json.loads(SHIPPED_CATALOG_PATH.read_text(encoding="utf-8"))


def test_anyone_gets_pathways_courses_and_modules_in_the_sites_order(anonymous):
    response = anonymous.get("/catalog")
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    (pathway,) = response.body["pathways"]
    (shipped_pathway,) = SHIPPED["pathways"]
    assert (pathway["slug"], pathway["title"], pathway["order"]) == (
        shipped_pathway["slug"],
        shipped_pathway["title"],
        1,
    )
    assert [c["slug"] for c in pathway["courses"]] == shipped_pathway["courses"]
    assert [c["order"] for c in pathway["courses"]] == [1, 2, 3, 4]
    courses = {c["slug"]: c for c in SHIPPED["courses"]}
    assert [c["slug"] for c in response.body["courses"]] == list(courses)
    for course in response.body["courses"] + pathway["courses"]:
        assert course["title"] == courses[course["slug"]]["title"]
        assert [m["slug"] for m in course["modules"]] == courses[course["slug"]]["modules"]
        assert [m["order"] for m in course["modules"]] == list(range(1, len(course["modules"]) + 1))


def test_it_is_publicly_cacheable_with_a_strong_etag(anonymous):
    response = anonymous.get("/catalog")
    assert response.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=86400"
    assert response.headers["vary"] == "origin"
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert anonymous.get("/catalog").headers["etag"] == etag


def test_a_client_holding_the_current_etag_gets_304_without_a_body(anonymous):
    etag = anonymous.get("/catalog").headers["etag"]
    for if_none_match in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        response = anonymous.get("/catalog", headers={"if-none-match": if_none_match})
        assert response.status == 304, if_none_match
        assert response.raw == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"].startswith("public, ")


def test_a_stale_or_malformed_etag_gets_the_full_catalog(anonymous):
    for if_none_match in ('"0123456789abcdef0123456789abcdef"', "not-an-etag", ""):
        response = anonymous.get("/catalog", headers={"if-none-match": if_none_match})
        assert response.status == 200, if_none_match
        assert response.body["courses"]


def test_a_changed_catalog_gets_a_new_etag_and_old_copies_are_refreshed(router, anonymous, use_catalog):
    old = anonymous.get("/catalog").headers["etag"]
    changed = json.loads(json.dumps(SHIPPED))
    changed["courses"][0]["title"] = "Hedgehog Lab Foundations (2nd edition)"
    use_catalog(changed)
    router._handlers.clear()  # a new deployment: fresh containers run the init again
    response = anonymous.get("/catalog", headers={"if-none-match": old})
    assert response.status == 200
    assert response.headers["etag"] != old
    assert response.body["courses"][0]["title"] == "Hedgehog Lab Foundations (2nd edition)"


def test_a_signed_in_request_gets_the_same_public_catalog(api, anonymous):
    assert api.get("/catalog").raw == anonymous.get("/catalog").raw


def test_modules_carry_the_content_trees_titles_and_minutes_and_no_task_or_key(
    router, anonymous, serve_catalog, tmp_path
):
    write_compiled(compile_tree(FIXTURE_CONTENT), tmp_path)
    serve_catalog(tmp_path)
    router._handlers.clear()  # a container started with this catalog
    response = anonymous.get("/catalog")
    assert response.status == 200
    care = next(c for c in response.body["courses"] if c["slug"] == "garden-care")
    assert care["modules"] == [
        {"slug": "watering-schedules", "title": "Watering Schedules", "order": 1, "estimatedMinutes": 15},
        {"slug": "pest-spotting", "title": "Spotting Pests Early", "order": 2},  # no estimated_minutes given
        {"slug": "garden-tools-tour", "title": "A Tour of Garden Tools", "order": 3, "estimatedMinutes": 10},
    ]
    assert "quiz" not in response.raw.decode() and "correct" not in response.raw.decode()


def test_the_shipped_catalogs_modules_are_titled_from_their_slugs(anonymous):
    course = next(c for c in anonymous.get("/catalog").body["courses"] if c["slug"] == "hedgehog-lab-foundations")
    assert course["modules"][0]["title"] == "Accessing The Hedgehog Virtual Lab With Google Cloud"
