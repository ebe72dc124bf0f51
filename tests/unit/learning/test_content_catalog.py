"""`make catalog`: a content tree in the site's layout compiles into the catalog the functions load, and a
broken one is refused with every problem named (file, field, what is wrong), writing nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hhl.learning.catalog import ANSWER_KEYS_FILE, CATALOG_FILE, catalog, quiz

from tests.support.theme_scripts import theme_folder
from tools.content_catalog import ContentError, compile_tree, main

FIXTURE = Path(__file__).parents[2] / "fixtures" / "content"


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the test content tree to break."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "content"))


def test_the_test_tree_compiles_into_the_catalog_the_functions_load(tmp_path, serve_catalog, capsys):
    assert main([str(FIXTURE), "--out", str(tmp_path / "out")]) == 0
    assert "1 pathways, 2 courses, 5 modules, 2 quizzes" in capsys.readouterr().out
    serve_catalog(tmp_path / "out")
    loaded = catalog()
    assert [c.slug for c in loaded.courses.values()] == ["garden-basics", "garden-care"]  # display_order
    assert loaded.pathway("home-gardener").courses == ("garden-basics", "garden-care")
    assert loaded.pathway("home-gardener").awards_certificate is True
    assert loaded.course("garden-care").awards_certificate is False
    soil, lab, tour = (loaded.module(s) for s in loaded.course("garden-basics").modules)
    assert (soil.title, soil.order, soil.estimated_minutes, soil.awards_certificate) == (
        "Soil and Compost",
        101,
        20,
        True,
    )
    assert soil.is_task_bearing and lab.is_task_bearing and not tour.is_task_bearing
    assert [c.slug for c in loaded.courses_containing("garden-tools-tour")] == ["garden-basics", "garden-care"]
    watering = loaded.module("watering-schedules")
    assert watering.task("lab-main").required is True  # completion.json omits it: the one default
    assert watering.task("quiz-1").passing_score == 50
    pests = loaded.module("pest-spotting")
    assert not pests.is_task_bearing and pests.estimated_minutes is None
    soil_quiz = quiz("soil-and-compost")
    assert [(q.id, q.points, q.correct_option_id) for q in soil_quiz.questions] == [
        ("q1", 1, "a"),
        ("q2", 1, "b"),
        ("q3", 2, "c"),
    ]
    assert soil_quiz.questions[2].option("c").text == "Air and dry brown material"
    assert quiz("planting-lab") is None


def test_the_public_catalog_file_holds_no_answer_key(tmp_path):
    assert main([str(FIXTURE), "--out", str(tmp_path)]) == 0
    public = (tmp_path / CATALOG_FILE).read_text()
    keys = json.loads((tmp_path / ANSWER_KEYS_FILE).read_text())["quizzes"]
    assert "correct" not in public
    for answer_key in keys.values():
        for question in answer_key["questions"]:
            assert question["stem"] not in public  # no quiz content at all, not only no key


def test_the_sites_own_content_tree_compiles_and_keeps_its_answers_private(tmp_path, serve_catalog, capsys):
    """The site repository's real content/ folder (pinned commit), not only the test tree, is what make catalog
    must take as it is: every module, course and pathway in the site's order, and no quiz text in public."""
    content = theme_folder("content", tmp_path)
    assert main([str(content), "--out", str(tmp_path / "out")]) == 0
    assert "1 pathways, 5 courses, 20 modules, 6 quizzes" in capsys.readouterr().out
    public = (tmp_path / "out" / CATALOG_FILE).read_text()
    keys = json.loads((tmp_path / "out" / ANSWER_KEYS_FILE).read_text())["quizzes"]
    assert "correct" not in public
    assert all(question["stem"] not in public for key in keys.values() for question in key["questions"])
    serve_catalog(tmp_path / "out")
    pathway = catalog().pathway("network-like-hyperscaler")
    assert all(catalog().course(slug).title for slug in pathway.courses)
    assert all(quiz(slug) is not None for slug in keys)


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


SOIL = "modules/soil-and-compost"
BROKEN = {
    "no title": (
        lambda t: _edit_text(t / SOIL / "README.md", 'title: "Soil and Compost"', 'title: ""'),
        "modules/soil-and-compost/README.md: title: must be the module's title",
    ),
    "order not a number": (
        lambda t: _edit_text(t / SOIL / "README.md", "order: 101", "order: first"),
        "modules/soil-and-compost/README.md: order: must be a whole number, not 'first'",
    ),
    "minutes not a number": (
        lambda t: _edit_text(t / SOIL / "README.md", "estimated_minutes: 20", "estimated_minutes: -5"),
        "modules/soil-and-compost/README.md: estimated_minutes: must be a positive whole number of minutes",
    ),
    "slug not the folder": (
        lambda t: _edit_text(t / SOIL / "README.md", 'slug: "soil-and-compost"', 'slug: "soil"'),
        "modules/soil-and-compost/README.md: slug: must be the module's folder name 'soil-and-compost'",
    ),
    "no front matter": (
        lambda t: (t / SOIL / "README.md").write_text("# Soil\n"),
        "modules/soil-and-compost/README.md: has no front matter",
    ),
    "bad YAML": (
        lambda t: _edit_text(t / SOIL / "README.md", "tags:\n  - soil", "tags: [soil"),
        "modules/soil-and-compost/README.md: front matter is not valid YAML",
    ),
    "no README": (
        lambda t: (t / SOIL / "README.md").unlink(),
        "modules/soil-and-compost/README.md: is missing",
    ),
    "unknown task type": (
        lambda t: _edit_json(
            t / SOIL / "completion.json", lambda d: d["completion_tasks"][0].update(task_type="essay")
        ),
        "modules/soil-and-compost/completion.json: completion_tasks[0].task_type: must be one of quiz, "
        "lab_attestation, knowledge_check, not 'essay'",
    ),
    "required not a boolean": (
        lambda t: _edit_json(t / SOIL / "completion.json", lambda d: d["completion_tasks"][0].update(required="yes")),
        "modules/soil-and-compost/completion.json: completion_tasks[0].required: must be true or false, not 'yes'",
    ),
    "passing score out of range": (
        lambda t: _edit_json(
            t / SOIL / "completion.json", lambda d: d["completion_tasks"][0].update(passing_score=120)
        ),
        "completion.json: completion_tasks[0].passing_score: must be a whole number from 0 to 100, not 120",
    ),
    "quiz task without quiz_ref": (
        lambda t: _edit_json(t / SOIL / "completion.json", lambda d: d["completion_tasks"][0].pop("quiz_ref")),
        "modules/soil-and-compost/completion.json: completion_tasks[0].quiz_ref: a quiz task must name its quiz",
    ),
    "awards_certificate not a boolean": (
        lambda t: _edit_json(t / SOIL / "completion.json", lambda d: d.update(awards_certificate="true")),
        "modules/soil-and-compost/completion.json: awards_certificate: must be true or false, not 'true'",
    ),
    "completion.json not JSON": (
        lambda t: (t / SOIL / "completion.json").write_text('{"completion_tasks": [,]}'),
        "modules/soil-and-compost/completion.json: is not valid JSON (Expecting value at line 1 column 23)",
    ),
    "quiz.json missing": (
        lambda t: (t / SOIL / "quiz.json").unlink(),
        "modules/soil-and-compost/quiz.json: is missing: completion.json declares the quiz task 'quiz-1'",
    ),
    "quiz.json without a quiz task": (
        lambda t: shutil.copy(t / SOIL / "quiz.json", t / "modules/planting-lab/quiz.json"),
        "modules/planting-lab/quiz.json: no quiz task in completion.json refers to this quiz",
    ),
    "quiz_id not the task's quiz_ref": (
        lambda t: _edit_json(t / SOIL / "quiz.json", lambda d: d.update(quiz_id="quiz-2")),
        "modules/soil-and-compost/quiz.json: quiz_id: must be the quiz task's quiz_ref 'quiz-1', not 'quiz-2'",
    ),
    "passing scores disagree": (
        lambda t: _edit_json(t / SOIL / "quiz.json", lambda d: d.update(passing_score=80)),
        "modules/soil-and-compost/quiz.json: passing_score: 80 differs from completion.json's 75",
    ),
    "correct answer not an option": (
        lambda t: _edit_json(t / SOIL / "quiz.json", lambda d: d["questions"][1].update(correct_answer="z")),
        "modules/soil-and-compost/quiz.json: questions[1].correct_answer: must be the id of one of the options "
        "(a, b), not 'z'",
    ),
    "points not positive": (
        lambda t: _edit_json(t / SOIL / "quiz.json", lambda d: d["questions"][2].update(points=0)),
        "modules/soil-and-compost/quiz.json: questions[2].points: must be a positive whole number, not 0",
    ),
    "duplicate question ids": (
        lambda t: _edit_json(t / SOIL / "quiz.json", lambda d: d["questions"][1].update(id="q1")),
        "modules/soil-and-compost/quiz.json: questions: question id 'q1' is used more than once",
    ),
    "one option": (
        lambda t: _edit_json(
            t / SOIL / "quiz.json", lambda d: d["questions"][1].update(options=[{"id": "a", "text": "A"}])
        ),
        "modules/soil-and-compost/quiz.json: questions[1].options: must list at least two options",
    ),
    "course lists an unknown module": (
        lambda t: _edit_json(t / "courses/garden-basics.json", lambda d: d["modules"].append("no-such-module")),
        "courses/garden-basics.json: modules: 'no-such-module' is not in modules/",
    ),
    "course slug not its file name": (
        lambda t: _edit_json(t / "courses/garden-care.json", lambda d: d.update(slug="care")),
        "courses/garden-care.json: slug: must be the file's name 'garden-care', not 'care'",
    ),
    "course without modules": (
        lambda t: _edit_json(t / "courses/garden-care.json", lambda d: d.update(modules=[])),
        "courses/garden-care.json: modules: must be a non-empty list of modules slugs",
    ),
    "course lists a module twice": (
        lambda t: _edit_json(t / "courses/garden-care.json", lambda d: d["modules"].append("pest-spotting")),
        "courses/garden-care.json: modules: 'pest-spotting' is listed more than once",
    ),
    "pathway lists an unknown course": (
        lambda t: _edit_json(t / "pathways/home-gardener.json", lambda d: d["courses"].append("garden-design")),
        "pathways/home-gardener.json: courses: 'garden-design' is not in courses/",
    ),
    "pathway without a title": (
        lambda t: _edit_json(t / "pathways/home-gardener.json", lambda d: d.pop("title")),
        "pathways/home-gardener.json: title: must be the pathway's title",
    ),
    "pathway awards_certificate not a boolean": (
        lambda t: _edit_json(t / "pathways/home-gardener.json", lambda d: d.update(awards_certificate="yes")),
        "pathways/home-gardener.json: awards_certificate: must be true or false, not 'yes'",
    ),
    "module folder not a slug": (
        lambda t: (t / "modules/Old_Module").mkdir(),
        "modules/Old_Module: the folder name must be a slug",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_tree_is_refused_with_the_file_the_field_and_what_is_wrong(tree, case):
    breaks, problem = BROKEN[case]
    breaks(tree)
    with pytest.raises(ContentError) as raised:
        compile_tree(tree)
    assert any(problem in found for found in raised.value.problems), raised.value.problems


def test_every_problem_is_reported_at_once_and_nothing_is_written(tree, tmp_path, capsys):
    for case in (
        "no title",
        "required not a boolean",
        "correct answer not an option",
        "pathway lists an unknown course",
    ):
        BROKEN[case][0](tree)
    out = tmp_path / "out"
    assert main([str(tree), "--out", str(out)]) == 1
    printed = capsys.readouterr().err
    assert printed.startswith("4 problem(s) in the content tree:\n")
    for case in (
        "no title",
        "required not a boolean",
        "correct answer not an option",
        "pathway lists an unknown course",
    ):
        assert BROKEN[case][1] in printed
    assert not out.exists()


def test_a_folder_that_is_not_a_content_tree_is_named(tmp_path):
    with pytest.raises(ContentError) as raised:
        compile_tree(tmp_path)
    assert raised.value.problems == [
        "modules: is missing: the content folder holds modules/, courses/ and pathways/",
        "courses: is missing: the content folder holds modules/, courses/ and pathways/",
    ]


def test_a_pathway_that_says_it_awards_no_certificate_compiles_so(tree, tmp_path, serve_catalog):
    _edit_json(tree / "pathways/home-gardener.json", lambda d: d.update(awards_certificate=False))
    assert main([str(tree), "--out", str(tmp_path / "out")]) == 0
    serve_catalog(tmp_path / "out")
    assert catalog().pathway("home-gardener").awards_certificate is False


def test_a_module_without_completion_json_has_no_tasks_and_no_certificate(tree, tmp_path, serve_catalog):
    (tree / "modules/garden-tools-tour/completion.json").unlink()
    assert main([str(tree), "--out", str(tmp_path / "out")]) == 0
    serve_catalog(tmp_path / "out")
    tour = catalog().module("garden-tools-tour")
    assert (tour.tasks, tour.awards_certificate) == ((), False)
