"""One learner's state in a few numbers, recomputed from the tables (what the CRM sync pushes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hhl.learning.catalog import COURSE, PATHWAY, catalog
from hhl.storage.badges import BadgeRecord, list_badges
from hhl.storage.certificates import CertificateRecord, list_certificates
from hhl.storage.enrollments import EnrollmentRecord, list_enrollments
from hhl.storage.progress import ModuleProgressRecord, list_progress


@dataclass(frozen=True)
class CourseSummary:
    slug: str
    title: str
    enrolled: bool
    completed_modules: int
    total_modules: int

    @property
    def completed(self) -> bool:
        return self.completed_modules == self.total_modules


@dataclass(frozen=True)
class LearnerSummary:
    courses: tuple[CourseSummary, ...]  # enrolled or touched, catalog courses only, by slug
    enrolled_pathways: tuple[str, ...]
    badges: tuple[str, ...]  # badge ids, e.g. "course:<slug>"
    last_activity: str | None  # latest enrolledAt / progress updatedAt / awardedAt (ISO-8601 UTC)
    certificates: int = 0  # certificates held (revoked ones are not held)
    latest_certificate_at: str | None = None  # issuedAt of the newest one held

    @property
    def enrolled_courses(self) -> tuple[str, ...]:
        return tuple(course.slug for course in self.courses if course.enrolled)

    @property
    def completed_courses(self) -> tuple[str, ...]:
        return tuple(course.slug for course in self.courses if course.completed)

    @property
    def total_progress_percent(self) -> int:
        """Completed modules over all modules of the courses listed, rounded down (0 with no course)."""
        total = sum(course.total_modules for course in self.courses)
        done = sum(course.completed_modules for course in self.courses)
        return done * 100 // total if total else 0


def summarize_learner(
    enrollments: Iterable[EnrollmentRecord],
    progress: Iterable[ModuleProgressRecord],
    badges: Iterable[BadgeRecord],
    certificates: Iterable[CertificateRecord] = (),
) -> LearnerSummary:
    enrollments, progress, badges = list(enrollments), list(progress), list(badges)
    held = [c for c in certificates if not c.revoked]
    enrolled = {e.slug for e in enrollments if e.kind == COURSE}
    completed_modules: dict[str, set[str]] = {}
    for record in progress:
        modules = completed_modules.setdefault(record.course_slug, set())
        if record.completed:
            modules.add(record.module_slug)
    courses = []
    for slug in sorted(enrolled | completed_modules.keys()):
        course = catalog().course(slug)
        if course is not None:
            done = len(completed_modules.get(slug, set()) & set(course.modules))
            courses.append(CourseSummary(slug, course.title, slug in enrolled, done, len(course.modules)))
    moments = [e.enrolled_at for e in enrollments] + [p.updated_at for p in progress] + [b.awarded_at for b in badges]
    return LearnerSummary(
        courses=tuple(courses),
        enrolled_pathways=tuple(sorted(e.slug for e in enrollments if e.kind == PATHWAY)),
        badges=tuple(sorted(b.badge_id for b in badges)),
        last_activity=max(moments, default=None),
        certificates=len(held),
        latest_certificate_at=max((c.issued_at for c in held), default=None),
    )


def learner_summary(user_id: str) -> LearnerSummary:
    """Four Queries (enrollments, progress, badges, certificates), one per 1 MB page each."""
    return summarize_learner(
        list_enrollments(user_id), list_progress(user_id), list_badges(user_id), list_certificates(user_id)
    )
