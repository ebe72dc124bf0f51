"""Compile the site's content tree into the catalog the functions load (`make catalog CONTENT=<dir>`).

The tree is laid out as the site repository keeps it (its `content/` folder):
  modules/<slug>/README.md        front matter: title, order, estimated_minutes (the rest is the page's)
  modules/<slug>/completion.json  completion_tasks (task_slug, task_type, required, label, passing_score,
                                  quiz_ref) and awards_certificate
  modules/<slug>/quiz.json        quiz_id, passing_score, questions (id, stem, options, correct_answer, points)
  courses/<slug>.json             slug, title, modules, awards_certificate, display_order
  pathways/<slug>.json            slug, title, courses, awards_certificate, display_order
It writes two files: catalog.json (public: structure, titles, tasks) and answer_keys.json (the quizzes and
their correct options, read only by code that grades). Parsing happens here, at build time, so the layer
carries no YAML parser. Every problem in the tree is reported (file, field, what is wrong), not just the
first, and nothing is written unless the tree is clean. What is written is loaded back with the layer's
own parser, so a compiled catalog always loads in Lambda.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hhl.learning.catalog import (
    ANSWER_KEYS_FILE,
    CATALOG_FILE,
    DEFAULT_PASSING_SCORE,
    DEFAULT_REQUIRED,
    QUIZ,
    SHIPPED_DIR,
    TASK_TYPES,
    CatalogError,
    is_slug,
    parse_answer_keys,
    parse_catalog,
)

FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
# Course and pathway order on the site: display_order, then slug; modules: the front matter's order.
UNORDERED = sys.maxsize
GRADED_QUESTION_TYPES = ("multiple_choice",)


class ContentError(ValueError):
    """The content tree has problems; `problems` lists every one, each naming its file and field."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) in the content tree:\n" + "\n".join(problems))
        self.problems = problems


@dataclass
class Compiled:
    catalog: dict
    answer_keys: dict


@dataclass
class _Problems:
    """Collects problems as `<file>: <field>: <what is wrong>`, the file relative to the content tree."""

    root: Path
    found: list[str] = field(default_factory=list)

    def add(self, path: Path, what: str, field_name: str | None = None) -> None:
        where = path.relative_to(self.root).as_posix()
        self.found.append(f"{where}: {field_name}: {what}" if field_name else f"{where}: {what}")


def _is_whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _read_json(path: Path, problems: _Problems) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.add(path, "is not UTF-8 text")
        return None
    except json.JSONDecodeError as error:
        problems.add(path, f"is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})")
        return None
    if not isinstance(data, dict):
        problems.add(path, "must hold a JSON object")
        return None
    return data


def _front_matter(path: Path, problems: _Problems) -> dict | None:
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        problems.add(path, "is not UTF-8 text")
        return None
    match = FRONT_MATTER_RE.match(text)
    if match is None:
        problems.add(path, "has no front matter (a block between '---' lines at the top)")
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 2}" if mark is not None else ""
        problems.add(path, f"front matter is not valid YAML{at}: {getattr(error, 'problem', None) or error}")
        return None
    if not isinstance(data, dict):
        problems.add(path, "front matter must be a mapping of fields")
        return None
    return data


def _each_object(path: Path, items: list, name: str, read, problems: _Problems) -> list[dict]:
    """`read(path, where, entry, problems)` of each entry of the list called `name` that is an object (a
    problem for any other entry), keeping what it returns unless None."""
    found = []
    for index, raw in enumerate(items):
        where = f"{name}[{index}]"
        if not isinstance(raw, dict):
            problems.add(path, "must be an object", where)
        elif (entry := read(path, where, raw, problems)) is not None:
            found.append(entry)
    return found


def _repeated(values: list) -> list[str]:
    """The text values that stand more than once in `values`, sorted."""
    return sorted({value for value in values if isinstance(value, str) and values.count(value) > 1})


def _task(path: Path, where: str, raw: dict, problems: _Problems) -> dict | None:
    slug = raw.get("task_slug")
    if not is_slug(slug):
        problems.add(path, f"must be a slug (lower-case words joined by hyphens), not {slug!r}", f"{where}.task_slug")
        return None
    kind = raw.get("task_type")
    if kind not in TASK_TYPES:
        problems.add(path, f"must be one of {', '.join(TASK_TYPES)}, not {kind!r}", f"{where}.task_type")
    required = raw.get("required", DEFAULT_REQUIRED)
    if not isinstance(required, bool):
        problems.add(path, f"must be true or false, not {required!r}", f"{where}.required")
    label = raw.get("label", "")
    if not isinstance(label, str):
        problems.add(path, "must be text", f"{where}.label")
    passing_score = raw.get("passing_score", DEFAULT_PASSING_SCORE)
    if passing_score is not None and not _is_whole(passing_score, 0, 100):
        problems.add(path, f"must be a whole number from 0 to 100, not {passing_score!r}", f"{where}.passing_score")
    task = {"slug": slug, "type": kind, "required": required, "label": label}
    task["passing_score"] = DEFAULT_PASSING_SCORE if passing_score is None else passing_score
    if kind == QUIZ:
        quiz_ref = raw.get("quiz_ref")
        if not _is_text(quiz_ref):
            problems.add(path, "a quiz task must name its quiz (quiz.json's quiz_id)", f"{where}.quiz_ref")
        task["quiz_ref"] = quiz_ref
    return task


def _completion(path: Path, problems: _Problems) -> tuple[list[dict], bool]:
    """The module's tasks and awards_certificate; a module without completion.json has neither."""
    if not path.is_file():
        return [], False
    data = _read_json(path, problems)
    if data is None:
        return [], False
    raw_tasks = data.get("completion_tasks", [])
    if not isinstance(raw_tasks, list):
        problems.add(path, "must be a list of tasks", "completion_tasks")
        raw_tasks = []
    tasks = _each_object(path, raw_tasks, "completion_tasks", _task, problems)
    for duplicate in _repeated([t["slug"] for t in tasks]):
        problems.add(path, f"task {duplicate!r} is declared more than once", "completion_tasks")
    if sum(t["type"] == QUIZ for t in tasks) > 1:
        problems.add(path, "a module has at most one quiz task (the server grades one quiz.json)", "completion_tasks")
    awards = data.get("awards_certificate", False)
    if not isinstance(awards, bool):
        problems.add(path, f"must be true or false, not {awards!r}", "awards_certificate")
        awards = False
    return tasks, awards


def _question(path: Path, where: str, raw: dict, problems: _Problems) -> dict:
    question_id = raw.get("id")
    if not _is_text(question_id):
        problems.add(path, "must be non-empty text", f"{where}.id")
    kind = raw.get("type", GRADED_QUESTION_TYPES[0])
    if kind not in GRADED_QUESTION_TYPES:
        problems.add(
            path, f"only {', '.join(GRADED_QUESTION_TYPES)} questions are graded, not {kind!r}", f"{where}.type"
        )
    if not _is_text(raw.get("stem")):
        problems.add(path, "must be the question's text", f"{where}.stem")
    raw_options = raw.get("options")
    options = []
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        problems.add(path, "must list at least two options", f"{where}.options")
        raw_options = []
    for o, option in enumerate(raw_options):
        if not isinstance(option, dict) or not _is_text(option.get("id")) or not _is_text(option.get("text")):
            problems.add(path, "must be an object with an id and a text", f"{where}.options[{o}]")
            continue
        options.append({"id": option["id"], "text": option["text"]})
    ids = [o["id"] for o in options]
    for duplicate in _repeated(ids):
        problems.add(path, f"option id {duplicate!r} is used more than once", f"{where}.options")
    correct = raw.get("correct_answer")
    if options and correct not in ids:
        problems.add(
            path, f"must be the id of one of the options ({', '.join(ids)}), not {correct!r}", f"{where}.correct_answer"
        )
    points = raw.get("points", 1)
    if not _is_whole(points, 1, 1000):
        problems.add(path, f"must be a positive whole number, not {points!r}", f"{where}.points")
    return {
        "id": question_id,
        "stem": raw.get("stem"),
        "options": options,
        "correct_option_id": correct,
        "points": points,
    }


def _quiz(path: Path, module_slug: str, quiz_task: dict | None, problems: _Problems) -> dict | None:
    """The answer key of the module's quiz task; quiz.json and completion.json must agree."""
    if quiz_task is None:
        if path.is_file():
            problems.add(path, "no quiz task in completion.json refers to this quiz")
        return None
    if not path.is_file():
        problems.add(path, f"is missing: completion.json declares the quiz task {quiz_task['slug']!r}")
        return None
    data = _read_json(path, problems)
    if data is None:
        return None
    if data.get("quiz_id") != quiz_task["quiz_ref"]:
        problems.add(
            path, f"must be the quiz task's quiz_ref {quiz_task['quiz_ref']!r}, not {data.get('quiz_id')!r}", "quiz_id"
        )
    if "module_slug" in data and data["module_slug"] != module_slug:
        problems.add(path, f"must be the module's folder name {module_slug!r}", "module_slug")
    passing_score = data.get("passing_score", quiz_task["passing_score"])
    if passing_score != quiz_task["passing_score"]:
        problems.add(
            path,
            f"{passing_score!r} differs from completion.json's {quiz_task['passing_score']!r}: say it once or the same",
            "passing_score",
        )
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.add(path, "must list at least one question", "questions")
        raw_questions = []
    questions = _each_object(path, raw_questions, "questions", _question, problems)
    for duplicate in _repeated([q["id"] for q in questions]):
        problems.add(path, f"question id {duplicate!r} is used more than once", "questions")
    return {"quiz_ref": quiz_task["quiz_ref"], "passing_score": quiz_task["passing_score"], "questions": questions}


def _module(folder: Path, problems: _Problems) -> tuple[dict, dict | None] | None:
    slug = folder.name
    if not is_slug(slug):
        problems.add(folder, "the folder name must be a slug (lower-case words joined by hyphens)")
        return None
    readme = folder / "README.md"
    if not readme.is_file():
        problems.add(readme, "is missing: it carries the module's title and order")
        return None
    front = _front_matter(readme, problems)
    tasks, awards = _completion(folder / "completion.json", problems)
    quiz_task = next((t for t in tasks if t["type"] == QUIZ), None)
    answer_key = _quiz(folder / "quiz.json", slug, quiz_task, problems)
    if front is None:
        return None
    if not _is_text(front.get("title")):
        problems.add(readme, "must be the module's title", "title")
    if "slug" in front and front["slug"] != slug:
        problems.add(readme, f"must be the module's folder name {slug!r}, not {front['slug']!r}", "slug")
    order = front.get("order")
    if not _is_whole(order, 0, 1_000_000):
        problems.add(readme, f"must be a whole number, not {order!r}", "order")
    minutes = front.get("estimated_minutes")
    if minutes is not None and not _is_whole(minutes, 1, 100_000):
        problems.add(readme, f"must be a positive whole number of minutes, not {minutes!r}", "estimated_minutes")
    module = {
        "slug": slug,
        "title": str(front.get("title", "")).strip(),
        "order": order,
        "estimated_minutes": minutes,
        "awards_certificate": awards,
        "tasks": tasks,
    }
    return module, answer_key


def _listing(path: Path, kind: str, members: str, known: set[str], problems: _Problems) -> dict | None:
    """A course (its modules) or pathway (its courses) file, checked against what exists."""
    data = _read_json(path, problems)
    if data is None:
        return None
    if data.get("slug") != path.stem:
        problems.add(path, f"must be the file's name {path.stem!r}, not {data.get('slug')!r}", "slug")
    if not is_slug(path.stem):
        problems.add(path, f"the file name must be a {kind} slug (lower-case words joined by hyphens)")
        return None
    if not _is_text(data.get("title")):
        problems.add(path, f"must be the {kind}'s title", "title")
    listed = data.get(members)
    if not isinstance(listed, list) or not listed:
        problems.add(path, f"must be a non-empty list of {members} slugs", members)
        listed = []
    for slug in listed:
        if slug not in known:
            problems.add(path, f"{slug!r} is not in {members}/", members)
    for duplicate in _repeated(listed):
        problems.add(path, f"{duplicate!r} is listed more than once", members)
    order = data.get("display_order", UNORDERED)
    if not _is_whole(order, 0, UNORDERED):
        problems.add(path, f"must be a whole number, not {order!r}", "display_order")
        order = UNORDERED
    entry = {"slug": path.stem, "title": str(data.get("title", "")).strip(), members: listed, "_order": order}
    awards = data.get("awards_certificate", True)  # courses and pathways award one unless they say otherwise
    if not isinstance(awards, bool):
        problems.add(path, f"must be true or false, not {awards!r}", "awards_certificate")
    entry["awards_certificate"] = awards
    return entry


def _in_site_order(entries: list[dict]) -> list[dict]:
    ordered = sorted(entries, key=lambda e: (e["_order"], e["slug"]))
    return [{k: v for k, v in e.items() if k != "_order"} for e in ordered]


def compile_tree(content: Path) -> Compiled:
    """The catalog and answer keys of a content tree, or ContentError listing every problem in it."""
    content = content.resolve()
    problems = _Problems(content)
    for required in ("modules", "courses"):
        if not (content / required).is_dir():
            problems.add(content / required, "is missing: the content folder holds modules/, courses/ and pathways/")
    if problems.found:
        raise ContentError(problems.found)
    modules, answer_keys = [], {}
    for folder in sorted(p for p in (content / "modules").iterdir() if p.is_dir()):
        compiled = _module(folder, problems)
        if compiled is not None:
            modules.append(compiled[0])
            if compiled[1] is not None:
                answer_keys[folder.name] = compiled[1]
    module_slugs = {p.name for p in (content / "modules").iterdir() if p.is_dir()}
    courses = [
        c
        for path in sorted((content / "courses").glob("*.json"))
        if (c := _listing(path, "course", "modules", module_slugs, problems)) is not None
    ]
    pathways_dir = content / "pathways"
    course_slugs = {p.stem for p in (content / "courses").glob("*.json")}
    pathways = [
        p
        for path in sorted(pathways_dir.glob("*.json") if pathways_dir.is_dir() else ())
        if (p := _listing(path, "pathway", "courses", course_slugs, problems)) is not None
    ]
    if problems.found:
        raise ContentError(problems.found)
    catalog = {
        "source": f"compiled from a content tree ({content.name}/) by tools/content_catalog.py",
        "pathways": _in_site_order(pathways),
        "courses": _in_site_order(courses),
        "modules": sorted(modules, key=lambda m: (m["order"], m["slug"])),
    }
    compiled = Compiled(catalog, {"quizzes": answer_keys})
    try:  # what the layer will load: any disagreement fails here, not in Lambda
        parse_catalog(compiled.catalog)
        parse_answer_keys(compiled.answer_keys)
    except CatalogError as error:
        raise ContentError([f"the compiled catalog would not load: {p}" for p in error.problems]) from error
    return compiled


def write_compiled(compiled: Compiled, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in ((CATALOG_FILE, compiled.catalog), (ANSWER_KEYS_FILE, compiled.answer_keys)):
        (out / name).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", type=Path, help="the site's content folder (holding modules/, courses/, pathways/)")
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR, help="where catalog.json and answer_keys.json go")
    args = parser.parse_args(argv)
    try:
        compiled = compile_tree(args.content)
    except ContentError as error:
        print(str(error), file=sys.stderr)
        return 1
    write_compiled(compiled, args.out)
    catalog = compiled.catalog
    print(
        f"catalog: {len(catalog['pathways'])} pathways, {len(catalog['courses'])} courses, "
        f"{len(catalog['modules'])} modules, {len(compiled.answer_keys['quizzes'])} quizzes -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
