"""The HubSpot contact properties the sync writes, and the group they live in.

One definition serves both `make crm-properties` (which creates them) and the summary (which fills
them), so a property cannot be written under a name HubSpot was never told about.
"""

from __future__ import annotations

GROUP = {"name": "hedgehog_learn", "label": "Hedgehog Learn", "displayOrder": -1}

ENROLLED_COURSES = "hhl_enrolled_courses"
COMPLETED_COURSES = "hhl_completed_courses"
TOTAL_PROGRESS = "hhl_total_progress"
PROGRESS_SUMMARY = "hhl_progress_summary"
LAST_ACTIVITY = "hhl_last_activity"
CERTIFICATES = "hhl_certificates"
LATEST_CERTIFICATE = "hhl_latest_certificate_date"

PROPERTIES = [
    {
        "name": ENROLLED_COURSES,
        "label": "Learn: enrolled courses",
        "description": "Slugs of the courses the learner is enrolled in, separated by semicolons.",
        "type": "string",
        "fieldType": "textarea",
    },
    {
        "name": COMPLETED_COURSES,
        "label": "Learn: completed courses",
        "description": "Slugs of the courses whose every module the learner completed, separated by semicolons.",
        "type": "string",
        "fieldType": "textarea",
    },
    {
        "name": TOTAL_PROGRESS,
        "label": "Learn: total progress (%)",
        "description": "Completed modules of the enrolled courses as a percentage of their modules (0-100).",
        "type": "number",
        "fieldType": "number",
    },
    {
        "name": PROGRESS_SUMMARY,
        "label": "Learn: progress summary",
        "description": "Per course: completed modules of all modules, and the badges earned.",
        "type": "string",
        "fieldType": "textarea",
    },
    {
        "name": LAST_ACTIVITY,
        "label": "Learn: last activity",
        "description": "When the learner last enrolled, started or completed a module, or earned a badge.",
        "type": "datetime",
        "fieldType": "date",
    },
    {
        "name": CERTIFICATES,
        "label": "Learn: certificates",
        "description": "How many Hedgehog Learn certificates the learner holds (revoked ones excluded).",
        "type": "number",
        "fieldType": "number",
    },
    {
        "name": LATEST_CERTIFICATE,
        "label": "Learn: latest certificate",
        "description": "When the newest certificate the learner holds was issued.",
        "type": "datetime",
        "fieldType": "date",
    },
]

NAMES = tuple(p["name"] for p in PROPERTIES)


def definitions() -> list[dict]:
    """Property create requests, each placed in the Hedgehog Learn group."""
    return [{**p, "groupName": GROUP["name"]} for p in PROPERTIES]
