"""The site theme's routes: POST /events/track, GET /enrollments/list, /progress/read, /progress/aggregate,
/course/status and /pathway/status, over the same records as this service's own API (hhl.learning)."""

from __future__ import annotations

from hhl.auth.refusals import MissingAccessToken
from hhl.auth.request_auth import Identity, authenticate
from hhl.config import settings
from hhl.http import HttpError, json_body, json_response, query_params, raw_body, routed_endpoint
from hhl.learning import PRIVATE_RESPONSE_HEADERS, site_views, track_events
from hhl.timestamps import utc_now, utc_timestamp

settings()  # fail the container's init, not a request, when configuration is missing


def signed_in_learner(event: dict) -> Identity | None:
    """The session's learner, or None without any token (a bad token or Origin is still refused)."""
    try:
        return authenticate(event)
    except MissingAccessToken:
        return None


def answer(body: dict) -> dict:
    return json_response(200, body, headers=PRIVATE_RESPONSE_HEADERS)


def track_event(event: dict) -> dict:
    learner = signed_in_learner(event)
    if len(raw_body(event)) > track_events.MAX_BODY_BYTES:
        raise HttpError(f"Request body exceeds {track_events.MAX_BODY_BYTES} bytes", status=413)
    parsed = track_events.parse_track_event(json_body(event))
    if learner is None:
        return answer(track_events.ANONYMOUS)
    return answer(track_events.record_track_event(learner.user_id, parsed, utc_timestamp(utc_now())))


def list_enrollments(event: dict) -> dict:
    return answer(site_views.enrollments_list(authenticate(event).user_id))


def read_progress(event: dict) -> dict:
    learner = signed_in_learner(event)
    return answer(site_views.progress_read(learner.user_id) if learner else site_views.ANONYMOUS_READ)


def aggregate_progress(event: dict) -> dict:
    learner = signed_in_learner(event)
    site_views.check_aggregate_query(query_params(event))
    if learner is None:
        return answer(site_views.ANONYMOUS_READ)
    return answer(site_views.progress_aggregate(learner.user_id, query_params(event)))


def course_status(event: dict) -> dict:
    return answer(site_views.course_status(authenticate(event).user_id, query_params(event)))


def pathway_status(event: dict) -> dict:
    return answer(site_views.pathway_status(authenticate(event).user_id, query_params(event)))


ROUTES = {
    "POST /events/track": track_event,
    "GET /enrollments/list": list_enrollments,
    "GET /progress/read": read_progress,
    "GET /progress/aggregate": aggregate_progress,
    "GET /course/status": course_status,
    "GET /pathway/status": pathway_status,
}

handler = routed_endpoint(ROUTES)
