"""Certificates: what a learner's stored completions earn, issued once each.

Earned from the progress table and the catalog only, never from the request that stored a completion,
so the same call serves the routes that complete a module (they report the new `cert_id`s at once) and
the awards stream consumer (which issues whatever a failed request left behind). Completion is the
roll-up every status route shows (hhl.learning.rollup), so a certificate exists exactly when its module,
course or pathway reads complete:

- a module certificate when the module is complete and the catalog says it awards one;
- a course certificate when the course is complete and awards one (the catalog's default);
- a pathway certificate when every course of the pathway is complete and it awards one (the default).

Titles are the catalog's at issuance and are kept with the certificate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_lambda_powertools.metrics import MetricUnit

from hhl.learning import rollup
from hhl.learning.catalog import Catalog, catalog
from hhl.observability import metrics
from hhl.storage import certificates as store
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


def earned_certificates(loaded: Catalog, times: Mapping) -> list[Earned]:
    """Every certificate the learner's module times (rollup.module_times) earn: modules, courses, pathways."""
    earned = []
    modules = getattr(loaded, "modules", None) or {}
    for slug in sorted(slug for slug, recorded in times.items() if recorded.completed_at is not None):
        module = modules.get(slug)
        if module is not None and module.awards_certificate:
            earned.append(Earned(MODULE, slug, module.title))
    complete_courses = {
        slug for slug, course in loaded.courses.items() if rollup.course_status_from(course, times).is_complete
    }
    earned.extend(
        Earned(COURSE, slug, loaded.courses[slug].title)
        for slug in sorted(complete_courses)
        if getattr(loaded.courses[slug], "awards_certificate", True)
    )
    earned.extend(
        Earned(PATHWAY, pathway.slug, pathway.title)
        for pathway in loaded.pathways.values()
        if pathway.awards_certificate
        and pathway.courses
        and all(course in complete_courses for course in pathway.courses)
    )
    return earned


# ------------------------------------------------------------------ issuing
def issue_earned(user_id: str, now: str) -> Issuance:
    """Issue every certificate the learner's stored completions earn and they do not hold yet.

    Two strongly consistent Queries (progress, certificates), then one conditional PutItem per missing
    certificate. Idempotent and race-safe: call it after any write that may complete a module, as often
    as convenient; racing callers issue one certificate, and each sees its id in `held`.
    """
    return issue_earned_from(user_id, rollup.learner_module_times(user_id), now)


def issue_earned_from(user_id: str, times: Mapping, now: str, standing_on: dict | None = None) -> Issuance:
    """issue_earned for module times already read (rollup.learner_module_times); `standing_on`: each certificate
    is written only while that row exists (hhl.storage.certificates.issue_certificate)."""
    held = {record.cert_key: record for record in store.list_certificates(user_id)}
    new = []
    for earned in earned_certificates(catalog(), times):
        if earned.cert_key in held:
            continue
        record, issued = store.issue_certificate(user_id, earned.kind, earned.slug, earned.title, now, standing_on)
        held[record.cert_key] = record
        if issued:
            new.append(record)
    if new:
        metrics.add_metric(name="CertificatesIssued", unit=MetricUnit.Count, value=len(new))
    return Issuance(held, tuple(new))


def held_certificates(user_id: str) -> Issuance:
    """The learner's certificates as they are, issuing nothing: one Query."""
    return Issuance({record.cert_key: record for record in store.list_certificates(user_id)})
