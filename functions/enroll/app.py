"""Enrollments API: POST /enrollments, GET /enrollments, DELETE /enrollments/{courseSlug}."""

from __future__ import annotations

from hhl.auth.request_auth import authenticate
from hhl.config import settings
from hhl.http import empty_response, json_body, json_response, path_param, routed_endpoint
from hhl.learning import PRIVATE_RESPONSE_HEADERS, enrollments
from hhl.learning.validation import course_from_path, parse_enrollment_request
from hhl.timestamps import utc_now, utc_timestamp

settings()  # fail the container's init, not a request, when configuration is missing


def create_enrollment(event: dict) -> dict:
    identity = authenticate(event)
    request = parse_enrollment_request(json_body(event))
    outcome = enrollments.enroll(identity.user_id, request, utc_timestamp(utc_now()))
    return json_response(201 if outcome.created else 200, outcome.body, headers=PRIVATE_RESPONSE_HEADERS)


def list_enrollments(event: dict) -> dict:
    identity = authenticate(event)
    return json_response(
        200, {"enrollments": enrollments.list_enrollment_views(identity.user_id)}, headers=PRIVATE_RESPONSE_HEADERS
    )


def delete_enrollment(event: dict) -> dict:
    identity = authenticate(event)
    enrollments.unenroll_course(identity.user_id, course_from_path(path_param(event, "courseSlug")))
    return empty_response(204, headers=PRIVATE_RESPONSE_HEADERS)


ROUTES = {
    "POST /enrollments": create_enrollment,
    "GET /enrollments": list_enrollments,
    "DELETE /enrollments/{courseSlug}": delete_enrollment,
}

handler = routed_endpoint(ROUTES)
