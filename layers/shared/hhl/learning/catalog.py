"""The course catalog (pathways -> courses -> modules), shipped in the layer as catalog.json.

catalog.json is the public site's structure (slugs and titles only): a pathway lists its courses by
slug, a course lists its modules by slug. It is parsed and checked once per container, on first use,
so a broken catalog fails the first request's init loudly instead of answering wrong progress.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CATALOG_PATH = Path(__file__).with_name("catalog.json")
# The two kinds of things a learner enrolls in and earns badges for.
COURSE = "course"
PATHWAY = "pathway"

# Slugs become parts of DynamoDB sort keys ("<course>#<module>", "course:<slug>"), so they are
# restricted to lower-case words joined by single hyphens: no separator can ever appear inside one.
SLUG_MAX_LENGTH = 100
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_slug(value: object) -> bool:
    return isinstance(value, str) and len(value) <= SLUG_MAX_LENGTH and SLUG_RE.fullmatch(value) is not None


class CatalogError(ValueError):
    """catalog.json is inconsistent; `problems` lists every defect found."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid course catalog: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    modules: tuple[str, ...]

    def has_module(self, module_slug: str) -> bool:
        return module_slug in self.modules


@dataclass(frozen=True)
class Pathway:
    slug: str
    title: str
    courses: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    courses: Mapping[str, Course]
    pathways: Mapping[str, Pathway]
    _pathways_by_course: Mapping[str, tuple[Pathway, ...]] = field(repr=False)

    def course(self, slug: str) -> Course | None:
        return self.courses.get(slug)

    def pathway(self, slug: str) -> Pathway | None:
        return self.pathways.get(slug)

    def entry(self, kind: str, slug: str) -> Course | Pathway | None:
        """The course or pathway a stored `kind` (COURSE or PATHWAY) and slug name."""
        return self.course(slug) if kind == COURSE else self.pathway(slug)

    def pathways_containing(self, course_slug: str) -> tuple[Pathway, ...]:
        return self._pathways_by_course.get(course_slug, ())


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


def parse_catalog(data: object) -> Catalog:
    """Build the catalog, or raise CatalogError naming every defect (not just the first)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise CatalogError(["the catalog must be a JSON object"])
    courses: dict[str, Course] = {}
    for entry in _entries(data, "courses", problems):
        where = f"course {entry['slug']!r}"
        courses[entry["slug"]] = Course(
            entry["slug"], _title(entry, where, problems), _slugs(entry.get("modules"), f"{where} modules", problems)
        )
    pathways: dict[str, Pathway] = {}
    by_course: dict[str, list[Pathway]] = {}
    for entry in _entries(data, "pathways", problems):
        where = f"pathway {entry['slug']!r}"
        course_slugs = _slugs(entry.get("courses"), f"{where} courses", problems)
        missing = [c for c in course_slugs if c not in courses]
        if missing:
            problems.append(f"{where} lists unknown courses {missing!r}")
        pathway = Pathway(entry["slug"], _title(entry, where, problems), course_slugs)
        pathways[pathway.slug] = pathway
        for course_slug in course_slugs:
            by_course.setdefault(course_slug, []).append(pathway)
    if problems:
        raise CatalogError(problems)
    return Catalog(courses, pathways, {slug: tuple(p) for slug, p in by_course.items()})


@functools.cache
def catalog() -> Catalog:
    """The container's catalog, read from the layer on first use."""
    return parse_catalog(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class PublishedCatalog:
    """The public catalog as GET /catalog serves it: the JSON body and its strong ETag."""

    body: str
    etag: str


def public_view(loaded: Catalog) -> dict:
    """Pathways -> courses -> modules, each list in the site's order (`order` counts from 1).

    Every course is also listed at the top level, so courses outside any pathway are reachable. Modules
    carry no title: catalog.json has none (the module's HubSpot page is its title's source).
    """

    def course_view(slug: str, order: int) -> dict:
        course = loaded.courses[slug]
        modules = [{"slug": m, "order": i} for i, m in enumerate(course.modules, 1)]
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
