"""Certificates follow from stored completions: issued once each, whoever asks and however often.

The learner completes modules through the real POST /progress route (moto's tables over loopback);
issue_earned then reads only what is stored, as the awards stream consumer and the completing routes do.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hhl.learning.catalog import SHIPPED_CATALOG_PATH, catalog
from hhl.learning.certificates import issue_earned
from hhl.learning.verification import list_certificate_views

from tests.support.in_process_api import USER_A, USER_B

NOW = "2026-12-04T15:00:00.000Z"
LAB = "hedgehog-lab-foundations"
PATHWAY = "network-like-hyperscaler"
# DynamoDB applies each request to an item atomically; moto is made to as well (tests/unit/conftest.py).
pytestmark = pytest.mark.usefixtures("atomic_moto")
UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def complete(api, course_slug: str, modules=None) -> None:
    for module in modules if modules is not None else catalog().course(course_slug).modules:
        response = api.post("/progress", {"courseSlug": course_slug, "moduleSlug": module, "event": "completed"})
        assert response.status == 200


def test_a_completed_course_earns_one_course_certificate_with_a_uuid4_id(api, stored):
    complete(api, LAB)

    first = issue_earned(USER_A, NOW)
    (certificate,) = first.new
    assert (certificate.kind, certificate.slug, certificate.title) == ("course", LAB, "Hedgehog Lab Foundations")
    assert UUID_V4.fullmatch(certificate.cert_id)
    assert first.cert_id("course", LAB) == certificate.cert_id

    again = issue_earned(USER_A, "2026-12-05T00:00:00.000Z")
    assert again.new == ()
    assert again.cert_id("course", LAB) == certificate.cert_id
    assert len(stored("certificates")) == 1
    assert list_certificate_views(USER_A) == [
        {
            "certId": certificate.cert_id,
            "entityType": "course",
            "entitySlug": LAB,
            "entityTitle": "Hedgehog Lab Foundations",
            "issuedAt": NOW,
        }
    ]


def test_an_unfinished_course_earns_nothing_and_nobody_else_earns_it(api, api_as, stored):
    modules = catalog().course(LAB).modules
    complete(api, LAB, modules[:-1])
    assert issue_earned(USER_A, NOW).held == {}

    complete(api, LAB, modules[-1:])
    assert issue_earned(USER_B, NOW).held == {}
    assert list_certificate_views(USER_B) == []
    assert [i["userId"]["S"] for i in stored("certificates")] == []


def test_racing_callers_issue_one_certificate_and_all_see_its_id(api, stored):
    complete(api, LAB)
    start = threading.Barrier(12)

    def one(_):
        start.wait()
        return issue_earned(USER_A, NOW)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(one, range(12)))

    assert len(stored("certificates")) == 1
    assert sum(len(result.new) for result in results) == 1
    assert len({result.cert_id("course", LAB) for result in results}) == 1


def test_every_course_of_a_pathway_earns_the_pathway_certificate_too(api):
    courses = catalog().pathway(PATHWAY).courses
    for course in courses[:-1]:
        complete(api, course)
    partial = issue_earned(USER_A, NOW)
    assert sorted(record.slug for record in partial.new) == sorted(courses[:-1])
    assert partial.cert_id("pathway", PATHWAY) is None

    complete(api, courses[-1])
    last = issue_earned(USER_A, NOW)
    assert [(record.kind, record.slug) for record in last.new] == [("course", courses[-1]), ("pathway", PATHWAY)]
    assert last.new[1].title == "Network Like a Hyperscaler"
    views = list_certificate_views(USER_A)
    assert len(views) == len(courses) + 1
    assert len({view["certId"] for view in views}) == len(views)


def test_a_pathway_whose_catalog_says_it_awards_none_earns_no_certificate_when_complete(api, use_catalog):
    shipped = json.loads(SHIPPED_CATALOG_PATH.read_text())
    for pathway in shipped["pathways"]:
        pathway["awards_certificate"] = False
    use_catalog(shipped)
    courses = catalog().pathway(PATHWAY).courses
    for course in courses:
        complete(api, course)

    issued = issue_earned(USER_A, NOW)
    assert sorted((record.kind, record.slug) for record in issued.new) == [("course", c) for c in sorted(courses)]
    assert issued.cert_id("pathway", PATHWAY) is None
