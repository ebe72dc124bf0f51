"""The course catalog (pathways -> courses -> modules and their completion tasks) and the quizzes' answer keys.

Both are compiled at build time from the site's content tree (tools/content_catalog.py, `make catalog`) into
two files in the catalog layer (the hhl_catalog package, layers/catalog): catalog.json, public structure and
titles, and answer_keys.json, the quizzes with their correct options. They are separate so that answer keys
are read only by code that grades: the catalog function and every status route load catalog.json alone.
Each is parsed and checked once per container, on first use, so a broken file fails the init loudly instead
of answering wrong progress.

The local stack may point both at another compiled directory with HHL_CATALOG_DIR (honoured only at
APP_STAGE=local; any other stage refuses it, so a deployed function always serves what it was built with).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import hhl_catalog  # the catalog layer (layers/catalog): data only, deployed apart from this code

CATALOG_DIR_VARIABLE = "HHL_CATALOG_DIR"
LOCAL_STAGE = "local"  # as hhl.config's; not imported from there, so reading the catalog needs no settings
SHIPPED_DIR = Path(hhl_catalog.__file__).parent
CATALOG_FILE = "catalog.json"
ANSWER_KEYS_FILE = "answer_keys.json"
SHIPPED_CATALOG_PATH = SHIPPED_DIR / CATALOG_FILE
# The two kinds of things a learner enrolls in and earns badges for.
COURSE = "course"
PATHWAY = "pathway"

# Slugs become parts of DynamoDB sort keys ("<course>#<module>", "course:<slug>"), so they are
# restricted to lower-case words joined by single hyphens: no separator can ever appear inside one.
SLUG_MAX_LENGTH = 100
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Completion task types (the site's completion.json). Only a required quiz or lab attestation gates a
# module's completion; a knowledge check never does.
QUIZ = "quiz"
LAB_ATTESTATION = "lab_attestation"
KNOWLEDGE_CHECK = "knowledge_check"
TASK_TYPES = (QUIZ, LAB_ATTESTATION, KNOWLEDGE_CHECK)
GATING_TASK_TYPES = (QUIZ, LAB_ATTESTATION)
DEFAULT_PASSING_SCORE = 75
# One default for a task's `required`, on every read and write: a task is required unless it says otherwise.
DEFAULT_REQUIRED = True


def is_slug(value: object) -> bool:
    return isinstance(value, str) and len(value) <= SLUG_MAX_LENGTH and SLUG_RE.fullmatch(value) is not None


def title_from_slug(slug: str) -> str:
    """A readable title for a module the catalog names only by slug ("fabric-operations-welcome" ->
    "Fabric Operations Welcome")."""
    return " ".join(word.capitalize() for word in slug.split("-"))


class CatalogError(ValueError):
    """catalog.json or answer_keys.json is inconsistent; `problems` lists every defect found."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid course catalog: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Task:
    """One completion task of a module (completion.json's completion_tasks)."""

    slug: str
    type: str
    required: bool = DEFAULT_REQUIRED
    label: str = ""
    passing_score: int = DEFAULT_PASSING_SCORE
    quiz_ref: str | None = None

    @property
    def gates_completion(self) -> bool:
        return self.required and self.type in GATING_TASK_TYPES


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    order: int
    estimated_minutes: int | None = None
    tasks: tuple[Task, ...] = ()
    awards_certificate: bool = False

    @property
    def is_task_bearing(self) -> bool:
        """Has a required quiz or lab attestation: complete only when those are passed or attested, and
        counted in course roll-ups. A module without one is complete when the learner marks it."""
        return any(task.gates_completion for task in self.tasks)

    @property
    def required_tasks(self) -> tuple[Task, ...]:
        return tuple(task for task in self.tasks if task.gates_completion)

    def task(self, slug: str) -> Task | None:
        return next((task for task in self.tasks if task.slug == slug), None)


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    modules: tuple[str, ...]
    awards_certificate: bool = True

    def has_module(self, module_slug: str) -> bool:
        return module_slug in self.modules


@dataclass(frozen=True)
class Pathway:
    slug: str
    title: str
    courses: tuple[str, ...]
    awards_certificate: bool = True


@dataclass(frozen=True)
class Catalog:
    courses: Mapping[str, Course]
    pathways: Mapping[str, Pathway]
    modules: Mapping[str, Module] = field(default_factory=dict)
    _pathways_by_course: Mapping[str, tuple[Pathway, ...]] = field(default_factory=dict, repr=False)
    _courses_by_module: Mapping[str, tuple[Course, ...]] = field(default_factory=dict, repr=False)

    def course(self, slug: str) -> Course | None:
        return self.courses.get(slug)

    def pathway(self, slug: str) -> Pathway | None:
        return self.pathways.get(slug)

    def module(self, slug: str) -> Module | None:
        return self.modules.get(slug)

    def entry(self, kind: str, slug: str) -> Course | Pathway | None:
        """The course or pathway a stored `kind` (COURSE or PATHWAY) and slug name."""
        return self.course(slug) if kind == COURSE else self.pathway(slug)

    def reference(self, kind: str, slug: str) -> dict | None:
        """How API answers name a stored course or pathway: type, slug and title; None once it left the catalog."""
        entry = self.entry(kind, slug)
        return None if entry is None else {"type": kind, "slug": slug, "title": entry.title}

    def pathways_containing(self, course_slug: str) -> tuple[Pathway, ...]:
        return self._pathways_by_course.get(course_slug, ())

    def courses_containing(self, module_slug: str) -> tuple[Course, ...]:
        """The courses that list the module, in the catalog's course order."""
        return self._courses_by_module.get(module_slug, ())


@dataclass(frozen=True)
class Option:
    id: str
    text: str


@dataclass(frozen=True)
class Question:
    id: str
    stem: str
    options: tuple[Option, ...]
    correct_option_id: str
    points: int = 1

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)


@dataclass(frozen=True)
class Quiz:
    """A module's quiz with its answer key: for grading only, never for an answer."""

    quiz_ref: str
    passing_score: int
    questions: tuple[Question, ...]


def _title(entry: dict, where: str, problems: list[str]) -> str:
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{where} has no title")
        return ""
    return title


def _slugs(values: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(values, list) or not values:
        problems.append(f"{where} must be a non-empty list of slugs")
        return ()
    bad = [v for v in values if not is_slug(v)]
    if bad:
        problems.append(f"{where} has malformed slugs {bad!r}")
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        problems.append(f"{where} lists {duplicates!r} more than once")
    return tuple(v for v in values if is_slug(v))


def _entries(data: dict, key: str, problems: list[str]) -> list[dict]:
    entries = data.get(key)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(f"'{key}' must be a list of objects")
        return []
    slugs = [e.get("slug") for e in entries]
    for slug in slugs:
        if not is_slug(slug):
            problems.append(f"{key}: malformed slug {slug!r}")
    duplicates = sorted({s for s in slugs if is_slug(s) and slugs.count(s) > 1})
    if duplicates:
        problems.append(f"{key}: duplicate slugs {duplicates!r}")
    return [e for e in entries if is_slug(e.get("slug"))]


def _flag(entry: dict, key: str, default: bool, where: str, problems: list[str]) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        problems.append(f"{where} {key} must be true or false")
        return default
    return value


def _whole_number(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _task(entry: object, where: str, problems: list[str]) -> Task | None:
    if not isinstance(entry, dict) or not is_slug(entry.get("slug")):
        problems.append(f"{where}: a task must be an object with a slug")
        return None
    where = f"{where} task {entry['slug']!r}"
    kind = entry.get("type")
    if kind not in TASK_TYPES:
        problems.append(f"{where} type must be one of {list(TASK_TYPES)}, not {kind!r}")
    passing_score = entry.get("passing_score", DEFAULT_PASSING_SCORE)
    if not _whole_number(passing_score, 0, 100):
        problems.append(f"{where} passing_score must be a whole number from 0 to 100")
    quiz_ref = entry.get("quiz_ref")
    if kind == QUIZ and not (isinstance(quiz_ref, str) and quiz_ref):
        problems.append(f"{where} is a quiz without a quiz_ref")
    label = entry.get("label", "")
    if not isinstance(label, str):
        problems.append(f"{where} label must be text")
    return Task(
        entry["slug"],
        kind,
        _flag(entry, "required", DEFAULT_REQUIRED, where, problems),
        label if isinstance(label, str) else "",
        passing_score if _whole_number(passing_score, 0, 100) else DEFAULT_PASSING_SCORE,
        quiz_ref if kind == QUIZ else None,
    )


def _module(entry: dict, problems: list[str]) -> Module:
    where = f"module {entry['slug']!r}"
    order = entry.get("order")
    if not _whole_number(order, 0, 1_000_000):
        problems.append(f"{where} order must be a whole number")
    minutes = entry.get("estimated_minutes")
    if minutes is not None and not _whole_number(minutes, 1, 100_000):
        problems.append(f"{where} estimated_minutes must be a positive whole number")
    raw_tasks = entry.get("tasks", [])
    if not isinstance(raw_tasks, list):
        problems.append(f"{where} tasks must be a list")
        raw_tasks = []
    tasks = tuple(t for t in (_task(raw, where, problems) for raw in raw_tasks) if t is not None)
    slugs = [t.slug for t in tasks]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        problems.append(f"{where} lists tasks {duplicates!r} more than once")
    return Module(
        entry["slug"],
        _title(entry, where, problems),
        order if _whole_number(order, 0, 1_000_000) else 0,
        minutes if _whole_number(minutes, 1, 100_000) else None,
        tasks,
        _flag(entry, "awards_certificate", False, where, problems),
    )


def _modules_named_by_courses(courses: Mapping[str, Course]) -> dict[str, Module]:
    """A catalog without a "modules" list (one compiled from course and pathway files alone): every module
    a course lists, titled from its slug, ordered by its place in the first course listing it, with no tasks."""
    modules: dict[str, Module] = {}
    for course in courses.values():
        for position, slug in enumerate(course.modules, 1):
            modules.setdefault(slug, Module(slug, title_from_slug(slug), position))
    return modules


def parse_catalog(data: object) -> Catalog:
    """Build the catalog, or raise CatalogError naming every defect (not just the first)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise CatalogError(["the catalog must be a JSON object"])
    courses: dict[str, Course] = {}
    for entry in _entries(data, "courses", problems):
        where = f"course {entry['slug']!r}"
        courses[entry["slug"]] = Course(
            entry["slug"],
            _title(entry, where, problems),
            _slugs(entry.get("modules"), f"{where} modules", problems),
            _flag(entry, "awards_certificate", True, where, problems),
        )
    if "modules" in data:
        modules = {entry["slug"]: _module(entry, problems) for entry in _entries(data, "modules", problems)}
        for course in courses.values():
            missing = [m for m in course.modules if m not in modules]
            if missing:
                problems.append(f"course {course.slug!r} lists unknown modules {missing!r}")
    else:
        modules = _modules_named_by_courses(courses)
    pathways: dict[str, Pathway] = {}
    by_course: dict[str, list[Pathway]] = {}
    for entry in _entries(data, "pathways", problems):
        where = f"pathway {entry['slug']!r}"
        course_slugs = _slugs(entry.get("courses"), f"{where} courses", problems)
        missing = [c for c in course_slugs if c not in courses]
        if missing:
            problems.append(f"{where} lists unknown courses {missing!r}")
        awards = _flag(entry, "awards_certificate", True, where, problems)
        pathway = Pathway(entry["slug"], _title(entry, where, problems), course_slugs, awards)
        pathways[pathway.slug] = pathway
        for course_slug in course_slugs:
            by_course.setdefault(course_slug, []).append(pathway)
    if problems:
        raise CatalogError(problems)
    by_module: dict[str, list[Course]] = {}
    for course in courses.values():
        for module_slug in course.modules:
            by_module.setdefault(module_slug, []).append(course)
    return Catalog(
        courses,
        pathways,
        modules,
        {slug: tuple(p) for slug, p in by_course.items()},
        {slug: tuple(c) for slug, c in by_module.items()},
    )


def _text(entry: dict, key: str, where: str, problems: list[str]) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where} has no {key}")
        return ""
    return value


def _question(entry: object, where: str, problems: list[str]) -> Question | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
        problems.append(f"{where}: a question must be an object with an id")
        return None
    where = f"{where} question {entry['id']!r}"
    raw_options = entry.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        problems.append(f"{where} must have at least two options")
        raw_options = []
    options = []
    for raw in raw_options:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("text"), str):
            problems.append(f"{where}: an option must have an id and a text")
            continue
        options.append(Option(raw["id"], raw["text"]))
    ids = [o.id for o in options]
    if len(ids) != len(set(ids)):
        problems.append(f"{where} has duplicate option ids")
    correct = entry.get("correct_option_id")
    if correct not in ids:
        problems.append(f"{where} correct_option_id is not one of its options")
    points = entry.get("points", 1)
    if not _whole_number(points, 1, 1000):
        problems.append(f"{where} points must be a positive whole number")
    return Question(
        entry["id"],
        _text(entry, "stem", where, problems),
        tuple(options),
        correct if isinstance(correct, str) else "",
        points if _whole_number(points, 1, 1000) else 1,
    )


def parse_answer_keys(data: object) -> dict[str, Quiz]:
    """Every module's quiz with its answer key, by module slug; CatalogError names every defect."""
    problems: list[str] = []
    quizzes = data.get("quizzes") if isinstance(data, dict) else None
    if not isinstance(quizzes, dict):
        raise CatalogError(["the answer keys must be a JSON object with a 'quizzes' object"])
    parsed: dict[str, Quiz] = {}
    for module_slug, entry in quizzes.items():
        where = f"quiz of module {module_slug!r}"
        if not is_slug(module_slug) or not isinstance(entry, dict):
            problems.append(f"{where} must be an object under a module slug")
            continue
        raw_questions = entry.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            problems.append(f"{where} must have questions")
            raw_questions = []
        questions = tuple(q for q in (_question(raw, where, problems) for raw in raw_questions) if q is not None)
        ids = [q.id for q in questions]
        if len(ids) != len(set(ids)):
            problems.append(f"{where} has duplicate question ids")
        passing_score = entry.get("passing_score", DEFAULT_PASSING_SCORE)
        if not _whole_number(passing_score, 0, 100):
            problems.append(f"{where} passing_score must be a whole number from 0 to 100")
        parsed[module_slug] = Quiz(_text(entry, "quiz_ref", where, problems), passing_score, questions)
    if problems:
        raise CatalogError(problems)
    return parsed


def catalog_dir() -> Path:
    """Where the compiled catalog is read from: the layer's copy, or HHL_CATALOG_DIR in the local stack."""
    override = os.environ.get(CATALOG_DIR_VARIABLE, "").strip()
    if not override:
        return SHIPPED_DIR
    if os.environ.get("APP_STAGE") != LOCAL_STAGE:
        raise CatalogError([f"{CATALOG_DIR_VARIABLE} is honoured only at APP_STAGE=local"])
    return Path(override)


catalog_dir()  # at import, so a deployed function given HHL_CATALOG_DIR fails its init, not a request


@functools.cache
def catalog() -> Catalog:
    """The container's catalog, read on first use. Never reads the answer keys."""
    return parse_catalog(json.loads((catalog_dir() / CATALOG_FILE).read_text(encoding="utf-8")))


@functools.cache
def answer_keys() -> Mapping[str, Quiz]:
    return parse_answer_keys(json.loads((catalog_dir() / ANSWER_KEYS_FILE).read_text(encoding="utf-8")))


def quiz(module_slug: str) -> Quiz | None:
    """The module's quiz with its answer key (read on the first call in a container), or None without one."""
    return answer_keys().get(module_slug)


@dataclass(frozen=True)
class PublishedCatalog:
    """The public catalog as GET /catalog serves it: the JSON body and its strong ETag."""

    body: str
    etag: str


def public_view(loaded: Catalog) -> dict:
    """Pathways -> courses -> modules, each list in the site's order (`order` counts from 1).

    Every course is also listed at the top level, so courses outside any pathway are reachable. A module
    carries its title and, when the content gives one, its estimated minutes; never a task's answer key.
    """

    def module_view(slug: str, order: int) -> dict:
        module = loaded.modules[slug]
        view = {"slug": slug, "title": module.title, "order": order}
        if module.estimated_minutes is not None:
            view["estimatedMinutes"] = module.estimated_minutes
        return view

    def course_view(slug: str, order: int) -> dict:
        course = loaded.courses[slug]
        modules = [module_view(m, i) for i, m in enumerate(course.modules, 1)]
        return {"slug": course.slug, "title": course.title, "order": order, "modules": modules}

    return {
        "pathways": [
            {
                "slug": pathway.slug,
                "title": pathway.title,
                "order": p,
                "courses": [course_view(c, i) for i, c in enumerate(pathway.courses, 1)],
            }
            for p, pathway in enumerate(loaded.pathways.values(), 1)
        ],
        "courses": [course_view(slug, i) for i, slug in enumerate(loaded.courses, 1)],
    }


@functools.cache
def published_catalog() -> PublishedCatalog:
    """Serialised and hashed once per container: the ETag changes exactly when the body does."""
    body = json.dumps(public_view(catalog()), separators=(",", ":"), ensure_ascii=False)
    return PublishedCatalog(body, '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"')
