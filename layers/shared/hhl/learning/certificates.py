"""Certificates: what a learner's stored completions earn, issued once each.

Earned from the progress table and the catalog only, never from the request that stored a completion,
so the same call serves the routes that complete a module (they report the new `cert_id`s at once) and
the awards stream consumer (which issues whatever a failed request left behind):

- a module certificate when the module is complete and the catalog says it awards one;
- a course certificate when the course awards one and every task-bearing module of it is complete;
  a course with no task-bearing module is complete when every one of its modules is (so a course of
  reading-only modules still completes, and so can its pathway);
- a pathway certificate when every course of the pathway is complete (by the rule above).

A module counts as complete when any of its progress items (one per course it was recorded under) has
completedAt. Titles are the catalog's at issuance and are kept with the certificate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aws_lambda_powertools.metrics import MetricUnit

from hhl.learning.catalog import Catalog, Course, catalog
from hhl.observability import metrics
from hhl.storage import certificates as store
from hhl.storage import progress as progress_store
from hhl.storage.certificates import CertificateRecord, cert_key

MODULE = "module"
COURSE = "course"
PATHWAY = "pathway"
KINDS = (MODULE, COURSE, PATHWAY)


@dataclass(frozen=True)
class Earned:
    kind: str
    slug: str
    title: str

    @property
    def cert_key(self) -> str:
        return cert_key(self.kind, self.slug)


@dataclass(frozen=True)
class Issuance:
    """The learner's certificates after issue_earned: every one held (by cert key), and the ones this call issued."""

    held: Mapping[str, CertificateRecord]
    new: tuple[CertificateRecord, ...] = field(default=())

    def cert_id(self, kind: str, slug: str) -> str | None:
        """The certificate id for a module, course or pathway, when the learner holds one (revoked ones too)."""
        record = self.held.get(cert_key(kind, slug))
        return record.cert_id if record else None

    @property
    def new_cert_ids(self) -> list[str]:
        return [record.cert_id for record in self.new]


# ------------------------------------------------------------------ the catalog's module facts
def _module(loaded: Catalog, slug: str):
    """The catalog's module entry (title, tasks, awards_certificate), or None when the catalog has none."""
    modules = getattr(loaded, "modules", None)
    return modules.get(slug) if modules else None


def _is_task_bearing(loaded: Catalog, slug: str) -> bool:
    module = _module(loaded, slug)
    return bool(module is not None and getattr(module, "is_task_bearing", False))


def _course_awards_certificate(course: Course) -> bool:
    return bool(getattr(course, "awards_certificate", True))


def course_is_complete(loaded: Catalog, course: Course, completed_modules: set[str]) -> bool:
    """Every task-bearing module complete; a course with none of them: every module complete."""
    gating = [slug for slug in course.modules if _is_task_bearing(loaded, slug)] or list(course.modules)
    return bool(gating) and all(slug in completed_modules for slug in gating)


def earned_certificates(loaded: Catalog, completed_modules: set[str]) -> list[Earned]:
    """Every certificate the completed modules earn, modules first, then courses, then pathways."""
    earned = []
    for slug in sorted(completed_modules):
        module = _module(loaded, slug)
        if module is not None and getattr(module, "awards_certificate", False):
            earned.append(Earned(MODULE, slug, module.title))
    complete_courses = {
        slug for slug, course in loaded.courses.items() if course_is_complete(loaded, course, completed_modules)
    }
    earned.extend(
        Earned(COURSE, slug, loaded.courses[slug].title)
        for slug in sorted(complete_courses)
        if _course_awards_certificate(loaded.courses[slug])
    )
    earned.extend(
        Earned(PATHWAY, pathway.slug, pathway.title)
        for pathway in loaded.pathways.values()
        if pathway.courses and all(course in complete_courses for course in pathway.courses)
    )
    return earned


def completed_module_slugs(records: Iterable[progress_store.ModuleProgressRecord]) -> set[str]:
    return {record.module_slug for record in records if record.completed}


# ------------------------------------------------------------------ issuing
def issue_earned(user_id: str, now: str) -> Issuance:
    """Issue every certificate the learner's stored completions earn and they do not hold yet.

    Two strongly consistent Queries (progress, certificates), then one conditional PutItem per missing
    certificate. Idempotent and race-safe: call it after any write that may complete a module, as often
    as convenient; racing callers issue one certificate, and each sees its id in `held`.
    """
    completed = completed_module_slugs(progress_store.list_progress(user_id))
    held = {record.cert_key: record for record in store.list_certificates(user_id)}
    new = []
    for earned in earned_certificates(catalog(), completed):
        if earned.cert_key in held:
            continue
        record, issued = store.issue_certificate(user_id, earned.kind, earned.slug, earned.title, now)
        held[record.cert_key] = record
        if issued:
            new.append(record)
    if new:
        metrics.add_metric(name="CertificatesIssued", unit=MetricUnit.Count, value=len(new))
    return Issuance(held, tuple(new))


def held_certificates(user_id: str) -> Issuance:
    """The learner's certificates as they are, issuing nothing: one Query."""
    return Issuance({record.cert_key: record for record in store.list_certificates(user_id)})


# ------------------------------------------------------------------ views
def certificate_view(record: CertificateRecord) -> dict:
    """The contract's certificate object (GET /certificates, GET /certificate/{certId}): no learner data."""
    return {
        "certId": record.cert_id,
        "entityType": record.kind,
        "entitySlug": record.slug,
        "entityTitle": record.title or record.slug,
        "issuedAt": record.issued_at,
    }


def list_certificate_views(user_id: str) -> list[dict]:
    """The learner's certificates, newest first; revoked ones are no longer theirs to show."""
    records = [record for record in store.list_certificates(user_id) if not record.revoked]
    records.sort(key=lambda record: (record.issued_at, record.cert_key), reverse=True)
    return [certificate_view(record) for record in records]
