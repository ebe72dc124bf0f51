"""A learner's HubSpot contact properties, from the learning summary (hhl.learning.summary).

Pure and deterministic (no clock): the same table state always gives the same properties, which is
what makes a replayed sync harmless and lets the sync notice that the state moved on while it was
talking to HubSpot.
"""

from __future__ import annotations

from hhl.crm import properties as p
from hhl.learning.summary import LearnerSummary

LIST_SEPARATOR = ";"


def contact_properties(summary: LearnerSummary) -> dict[str, str]:
    lines = []
    for course in summary.courses:
        state = "completed" if course.completed else ("enrolled" if course.enrolled else "not enrolled")
        lines.append(f"{course.slug}: {course.completed_modules}/{course.total_modules} modules ({state})")
    if summary.enrolled_pathways:
        lines.append("pathways: " + ", ".join(summary.enrolled_pathways))
    if summary.badges:
        lines.append("badges: " + ", ".join(summary.badges))
    return {
        p.ENROLLED_COURSES: LIST_SEPARATOR.join(summary.enrolled_courses),
        p.COMPLETED_COURSES: LIST_SEPARATOR.join(summary.completed_courses),
        p.TOTAL_PROGRESS: str(summary.total_progress_percent),
        p.PROGRESS_SUMMARY: "\n".join(lines),
        # "" clears a property: a learner who left every course must not keep stale values in HubSpot.
        p.LAST_ACTIVITY: summary.last_activity or "",
        p.CERTIFICATES: str(summary.certificates),
        p.LATEST_CERTIFICATE: summary.latest_certificate_at or "",
    }
