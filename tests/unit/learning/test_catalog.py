"""The catalog shipped in the layer is consistent, and an inconsistent one is refused at load."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hhl.learning.catalog import (
    SHIPPED_CATALOG_PATH,
    CatalogError,
    Option,
    Question,
    Quiz,
    Task,
    catalog,
    parse_answer_keys,
    parse_catalog,
    public_view,
    quiz,
    title_from_slug,
)

from kit.template import ROOT
from tests.catalog_dirs import forget_loaded_catalog, write_catalog

SHIPPED = json.loads(SHIPPED_CATALOG_PATH.read_text(encoding="utf-8"))


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
        (lambda d: d["pathways"][0].update(awards_certificate="no"), "awards_certificate must be true or false"),
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


def test_the_shipped_catalog_names_every_module_of_its_courses_without_tasks():
    loaded = catalog()
    for course in loaded.courses.values():
        for slug in course.modules:
            module = loaded.modules[slug]
            assert module.title == title_from_slug(slug)
            assert (module.tasks, module.is_task_bearing, module.estimated_minutes) == ((), False, None)
        assert course.awards_certificate is True
    assert loaded.module("fabric-operations-welcome").title == "Fabric Operations Welcome"
    assert quiz("fabric-operations-welcome") is None


def test_courses_containing_a_module_follow_the_catalogs_course_order():
    loaded = parse_catalog(
        {
            "courses": [
                {"slug": "b-course", "title": "B", "modules": ["shared", "only-b"]},
                {"slug": "a-course", "title": "A", "modules": ["shared"]},
            ],
            "pathways": [],
        }
    )
    assert [c.slug for c in loaded.courses_containing("shared")] == ["b-course", "a-course"]
    assert [c.slug for c in loaded.courses_containing("only-b")] == ["b-course"]
    assert loaded.courses_containing("nowhere") == ()


COMPILED = {
    "courses": [{"slug": "c", "title": "C", "modules": ["quiz-mod", "lab-mod", "plain", "optional"]}],
    "pathways": [],
    "modules": [
        {
            "slug": "quiz-mod",
            "title": "Quiz module",
            "order": 1,
            "estimated_minutes": 20,
            "awards_certificate": True,
            "tasks": [{"slug": "quiz-1", "type": "quiz", "required": True, "quiz_ref": "quiz-1"}],
        },
        {
            "slug": "lab-mod",
            "title": "Lab module",
            "order": 2,
            "tasks": [{"slug": "lab-main", "type": "lab_attestation"}],
        },
        {"slug": "plain", "title": "Plain", "order": 3, "tasks": []},
        {
            "slug": "optional",
            "title": "Optional only",
            "order": 4,
            "tasks": [
                {"slug": "kc", "type": "knowledge_check"},
                {"slug": "quiz-1", "type": "quiz", "required": False, "quiz_ref": "quiz-1", "passing_score": 60},
            ],
        },
    ],
}


def test_a_module_bears_tasks_only_with_a_required_quiz_or_lab_and_required_defaults_to_true():
    loaded = parse_catalog(COMPILED)
    quiz_module, lab, plain, optional = (loaded.modules[s] for s in ("quiz-mod", "lab-mod", "plain", "optional"))
    assert quiz_module.is_task_bearing and quiz_module.awards_certificate and quiz_module.estimated_minutes == 20
    assert lab.tasks == (Task("lab-main", "lab_attestation", required=True, label="", passing_score=75),)
    assert lab.is_task_bearing and not lab.awards_certificate
    assert not plain.is_task_bearing
    assert not optional.is_task_bearing  # a knowledge check never gates, an optional quiz neither
    assert optional.task("kc").required is True  # the one default, even where it gates nothing
    assert optional.task("quiz-1").passing_score == 60
    assert [t.slug for t in quiz_module.required_tasks] == ["quiz-1"]


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda d: d["modules"].pop(), "lists unknown modules ['optional']"),
        (lambda d: d["modules"][0]["tasks"][0].update(type="essay"), "type must be one of"),
        (lambda d: d["modules"][0]["tasks"][0].pop("quiz_ref"), "quiz without a quiz_ref"),
        (lambda d: d["modules"][0]["tasks"][0].update(required="yes"), "required must be true or false"),
        (lambda d: d["modules"][0]["tasks"][0].update(passing_score=101), "passing_score must be"),
        (lambda d: d["modules"][1]["tasks"].append({"slug": "lab-main", "type": "lab_attestation"}), "more than once"),
        (lambda d: d["modules"][2].update(order="3"), "order must be a whole number"),
        (lambda d: d["modules"][2].update(title=" "), "no title"),
        (lambda d: d["courses"][0].update(awards_certificate=1), "awards_certificate must be true or false"),
    ],
)
def test_an_inconsistent_compiled_module_is_refused_with_the_reason(mutate, problem):
    data = json.loads(json.dumps(COMPILED))
    mutate(data)
    with pytest.raises(CatalogError) as raised:
        parse_catalog(data)
    assert any(problem in p for p in raised.value.problems), raised.value.problems


ANSWER_KEYS = {
    "quizzes": {
        "quiz-mod": {
            "quiz_ref": "quiz-1",
            "passing_score": 75,
            "questions": [
                {
                    "id": "q1",
                    "stem": "Pick b",
                    "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
                    "correct_option_id": "b",
                    "points": 2,
                }
            ],
        }
    }
}


def test_a_quiz_and_its_answer_key_come_from_the_separate_answer_keys_file(tmp_path, serve_catalog):
    write_catalog(tmp_path, COMPILED, ANSWER_KEYS)
    serve_catalog(tmp_path)
    loaded = quiz("quiz-mod")
    assert loaded == Quiz("quiz-1", 75, (Question("q1", "Pick b", (Option("a", "A"), Option("b", "B")), "b", 2),))
    assert loaded.questions[0].option("b").text == "B"
    assert quiz("lab-mod") is None
    assert "correct" not in json.dumps(public_view(catalog()))


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda q: q["questions"][0].update(correct_option_id="z"), "correct_option_id is not one of its options"),
        (lambda q: q["questions"][0].update(options=[{"id": "a", "text": "A"}]), "at least two options"),
        (lambda q: q["questions"][0].update(points=0), "points must be"),
        (lambda q: q["questions"].append(dict(q["questions"][0])), "duplicate question ids"),
        (lambda q: q.update(questions=[]), "must have questions"),
        (lambda q: q.pop("quiz_ref"), "has no quiz_ref"),
    ],
)
def test_a_broken_answer_key_is_refused_with_the_reason(mutate, problem):
    data = json.loads(json.dumps(ANSWER_KEYS))
    mutate(data["quizzes"]["quiz-mod"])
    with pytest.raises(CatalogError) as raised:
        parse_answer_keys(data)
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_another_catalog_directory_is_refused_outside_the_local_stage(tmp_path, monkeypatch, serve_catalog):
    write_catalog(tmp_path, COMPILED)
    serve_catalog(tmp_path)
    assert catalog().module("plain").title == "Plain"
    monkeypatch.setenv("APP_STAGE", "prod")
    forget_loaded_catalog()
    with pytest.raises(CatalogError, match="HHL_CATALOG_DIR is honoured only at APP_STAGE=local"):
        catalog()


def test_a_deployed_function_given_another_catalog_directory_fails_its_init(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "APP_STAGE": "prod", "HHL_CATALOG_DIR": str(tmp_path)}
    env["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in ("layers/shared", "layers/catalog"))
    result = subprocess.run(
        [sys.executable, "-c", "import hhl.learning.catalog"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    assert "HHL_CATALOG_DIR is honoured only at APP_STAGE=local" in result.stderr
