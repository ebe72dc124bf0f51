"""learner_summary(user_id): what the CRM sync pushes, recomputed from the three tables."""

from __future__ import annotations

from hhl.learning.summary import learner_summary

from tests.support.in_process_api import USER_A, USER_B

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]
FOUNDATIONS = "network-like-hyperscaler-foundations"


def test_a_learner_with_nothing(learning_env):
    summary = learner_summary(USER_A)
    assert summary.courses == ()
    assert summary.enrolled_courses == summary.completed_courses == ()
    assert summary.total_progress_percent == 0
    assert summary.last_activity is None


def test_enrolled_completed_and_progress_percent(api_as):
    api = api_as(USER_A)
    api.post("/enrollments", {"pathwaySlug": "network-like-hyperscaler"})
    for module in LAB_MODULES:  # LAB completed without enrolling first: enrolled by the module events
        api.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"})
    last = api.post(
        "/progress", {"courseSlug": FOUNDATIONS, "moduleSlug": "fabric-operations-welcome", "event": "completed"}
    )
    api_as(USER_B).post("/enrollments", {"courseSlug": "network-like-hyperscaler-observability"})

    summary = learner_summary(USER_A)

    assert summary.enrolled_courses == (
        LAB,
        FOUNDATIONS,
        "network-like-hyperscaler-observability",
        "network-like-hyperscaler-provisioning",
        "network-like-hyperscaler-troubleshooting",
    )
    assert summary.completed_courses == (LAB,)
    assert summary.enrolled_pathways == ("network-like-hyperscaler",)
    assert summary.badges == (f"course:{LAB}",)
    # 3 + 1 completed modules of 3 + 4*4 modules
    assert summary.total_progress_percent == 4 * 100 // 19
    foundations = next(c for c in summary.courses if c.slug == FOUNDATIONS)
    assert (foundations.completed_modules, foundations.total_modules, foundations.completed) == (1, 4, False)
    assert summary.last_activity == last.body["modules"]["fabric-operations-welcome"]["completedAt"]


def test_unenrolled_course_with_progress_still_counts(api):
    api.post("/progress", {"courseSlug": LAB, "moduleSlug": LAB_MODULES[0], "event": "started"})
    api.delete(f"/enrollments/{LAB}")
    summary = learner_summary(USER_A)
    assert summary.enrolled_courses == ()
    assert [(c.slug, c.enrolled, c.completed_modules) for c in summary.courses] == [(LAB, False, 0)]
