"""`make dev HHL_CONTENT_DIR=<site>/content`: the local stack serves a content tree in the site's layout, with
the modules' titles in /catalog and no answer key in it; a broken tree stops the stack before it starts."""

from __future__ import annotations

import json

import pytest
import requests

from local import stack as local_stack_module
from tests.catalog_dirs import FIXTURE_CONTENT

pytestmark = pytest.mark.integration


def test_the_catalog_shows_the_content_trees_courses_and_module_titles(content_stack):
    response = requests.get(f"{content_stack.api_url}/catalog", timeout=10)
    assert response.status_code == 200
    (pathway,) = response.json()["pathways"]
    assert (pathway["slug"], pathway["title"]) == ("home-gardener", "Home Gardener")
    basics, care = pathway["courses"]
    assert [(m["slug"], m["title"], m.get("estimatedMinutes")) for m in basics["modules"]] == [
        ("soil-and-compost", "Soil and Compost", 20),
        ("planting-lab", "Planting Lab: Sowing Seeds", 45),
        ("garden-tools-tour", "A Tour of Garden Tools", 10),
    ]
    assert [m["title"] for m in care["modules"]] == [
        "Watering Schedules",
        "Spotting Pests Early",
        "A Tour of Garden Tools",
    ]


def test_no_answer_key_and_no_question_reaches_the_public_catalog(content_stack):
    body = requests.get(f"{content_stack.api_url}/catalog", timeout=10).text
    assert "correct" not in body
    for quiz_file in FIXTURE_CONTENT.glob("modules/*/quiz.json"):
        for question in json.loads(quiz_file.read_text())["questions"]:
            assert question["stem"] not in body
            for option in question["options"]:
                assert option["text"] not in body


def test_the_shared_stack_without_a_content_tree_serves_the_shipped_catalog(local_stack):
    courses = requests.get(f"{local_stack.api_url}/catalog", timeout=10).json()["courses"]
    assert "hedgehog-lab-foundations" in [c["slug"] for c in courses]


def test_a_broken_content_tree_stops_the_stack_with_every_problem(tmp_path, monkeypatch):
    tree = tmp_path / "content"
    (tree / "modules" / "lonely").mkdir(parents=True)
    (tree / "courses").mkdir()
    (tree / "courses" / "c.json").write_text(json.dumps({"slug": "c", "title": "C", "modules": ["missing"]}))
    monkeypatch.setenv("HHL_CONTENT_DIR", str(tree))
    with pytest.raises(local_stack_module.StackError) as raised:
        local_stack_module.compile_content(tmp_path / "state")
    message = str(raised.value)
    assert "modules/lonely/README.md: is missing" in message
    assert "courses/c.json: modules: 'missing' is not in modules/" in message
    assert not (tmp_path / "state").exists()
