"""Progress and badges API: POST /progress, GET /progress, GET /progress/{courseSlug}, GET /badges."""

from __future__ import annotations

from hhl.auth.request_auth import authenticate
from hhl.config import settings
from hhl.http import json_body, json_response, path_param, routed_endpoint
from hhl.learning import PRIVATE_RESPONSE_HEADERS, badges, progress
from hhl.learning.validation import course_from_path, parse_progress_event
from hhl.timestamps import utc_now, utc_timestamp

settings()  # fail the container's init, not a request, when configuration is missing


def record_progress(event: dict) -> dict:
    identity = authenticate(event)
    now = utc_now()
    progress_event = parse_progress_event(json_body(event), now)
    course = progress.record_progress(identity.user_id, progress_event, utc_timestamp(now))
    return json_response(200, course, headers=PRIVATE_RESPONSE_HEADERS)


def list_progress(event: dict) -> dict:
    identity = authenticate(event)
    return json_response(
        200, {"courses": progress.learner_progress(identity.user_id)}, headers=PRIVATE_RESPONSE_HEADERS
    )


def course_progress(event: dict) -> dict:
    identity = authenticate(event)
    course = course_from_path(path_param(event, "courseSlug"))
    return json_response(200, progress.course_progress(identity.user_id, course), headers=PRIVATE_RESPONSE_HEADERS)


def list_badges(event: dict) -> dict:
    identity = authenticate(event)
    return json_response(200, {"badges": badges.list_badge_views(identity.user_id)}, headers=PRIVATE_RESPONSE_HEADERS)


ROUTES = {
    "POST /progress": record_progress,
    "GET /progress": list_progress,
    "GET /progress/{courseSlug}": course_progress,
    "GET /badges": list_badges,
}

handler = routed_endpoint(ROUTES)
