"""The catalog shipped in the layer is consistent, and an inconsistent one is refused at load."""

from __future__ import annotations

import json

import pytest
from hhl.learning.catalog import CATALOG_PATH, CatalogError, catalog, parse_catalog

SHIPPED = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))


def test_shipped_catalog_is_the_public_hedgehog_catalog():
    loaded = catalog()
    assert set(loaded.courses) == {
        "hedgehog-lab-foundations",
        "network-like-hyperscaler-foundations",
        "network-like-hyperscaler-provisioning",
        "network-like-hyperscaler-observability",
        "network-like-hyperscaler-troubleshooting",
    }
    pathway = loaded.pathway("network-like-hyperscaler")
    assert pathway.title == "Network Like a Hyperscaler"
    assert pathway.courses[0] == "network-like-hyperscaler-foundations"
    assert loaded.course("hedgehog-lab-foundations").modules == (
        "accessing-the-hedgehog-virtual-lab-with-google-cloud",
        "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
        "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
    )


def test_shipped_catalog_slugs_are_unique_and_every_reference_exists():
    course_slugs = [c["slug"] for c in SHIPPED["courses"]]
    pathway_slugs = [p["slug"] for p in SHIPPED["pathways"]]
    assert len(course_slugs) == len(set(course_slugs))
    assert len(pathway_slugs) == len(set(pathway_slugs))
    for course in SHIPPED["courses"]:
        assert course["modules"], course["slug"]
        assert len(course["modules"]) == len(set(course["modules"])), course["slug"]
    for pathway in SHIPPED["pathways"]:
        assert set(pathway["courses"]) <= set(course_slugs), pathway["slug"]


def test_pathways_containing_a_course():
    loaded = catalog()
    assert [p.slug for p in loaded.pathways_containing("network-like-hyperscaler-observability")] == [
        "network-like-hyperscaler"
    ]
    assert loaded.pathways_containing("hedgehog-lab-foundations") == ()


def _broken(mutate) -> dict:
    data = json.loads(json.dumps(SHIPPED))
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda d: d["courses"].append(dict(d["courses"][0])), "duplicate slugs"),
        (lambda d: d["pathways"].append(dict(d["pathways"][0])), "duplicate slugs"),
        (lambda d: d["pathways"][0]["courses"].append("no-such-course"), "unknown courses"),
        (lambda d: d["courses"][0]["modules"].append(d["courses"][0]["modules"][0]), "more than once"),
        (lambda d: d["courses"][0].update(modules=[]), "non-empty list"),
        (lambda d: d["courses"][0].update(slug="Bad Slug#1"), "malformed slug"),
        (lambda d: d["courses"][1]["modules"].append("module:with:colons"), "malformed slugs"),
        (lambda d: d["courses"][0].update(title=""), "no title"),
    ],
)
def test_an_inconsistent_catalog_is_refused_with_the_reason(mutate, problem):
    with pytest.raises(CatalogError) as raised:
        parse_catalog(_broken(mutate))
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_every_defect_is_reported_at_once():
    def two_defects(d):
        d["courses"][0].update(title="")
        d["pathways"][0]["courses"].append("missing-course")

    with pytest.raises(CatalogError) as raised:
        parse_catalog(_broken(two_defects))
    assert len(raised.value.problems) == 2
