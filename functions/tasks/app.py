"""Completion tasks: GET /tasks/status, POST /tasks/quiz/submit, POST /tasks/lab/attest, GET /module/progress."""

from __future__ import annotations

from hhl.auth.request_auth import authenticate
from hhl.config import settings
from hhl.http import json_body, json_response, query_params, routed_endpoint
from hhl.learning import PRIVATE_RESPONSE_HEADERS, tasks
from hhl.learning.errors import InvalidInput, NotFoundError
from hhl.timestamps import utc_now

settings()  # fail the container's init, not a request, when configuration is missing


def task_status(event: dict) -> dict:
    identity = authenticate(event)
    module = tasks.module_from_query(query_params(event))
    return json_response(200, tasks.task_status(identity.user_id, module), headers=PRIVATE_RESPONSE_HEADERS)


def submit_quiz(event: dict) -> dict:
    identity = authenticate(event)
    submission = tasks.parse_quiz_submission(json_body(event))
    result = tasks.submit_quiz(identity.user_id, submission, utc_now())
    return json_response(200, result, headers=PRIVATE_RESPONSE_HEADERS)


def attest_lab(event: dict) -> dict:
    identity = authenticate(event)
    attestation = tasks.parse_lab_attestation(json_body(event))
    result = tasks.attest_lab(identity.user_id, attestation, utc_now())
    return json_response(200, result, headers=PRIVATE_RESPONSE_HEADERS)


def module_progress(event: dict) -> dict:
    identity = authenticate(event)
    query = query_params(event)
    try:
        module = tasks.module_from_query(query)
    except NotFoundError as exc:  # this route answers an unknown module as a bad query (400)
        raise InvalidInput(exc.message) from None
    body = tasks.module_progress(identity.user_id, module, tasks.attempts_shown(query))
    return json_response(200, body, headers=PRIVATE_RESPONSE_HEADERS)


ROUTES = {
    "GET /tasks/status": task_status,
    "POST /tasks/quiz/submit": submit_quiz,
    "POST /tasks/lab/attest": attest_lab,
    "GET /module/progress": module_progress,
}

handler = routed_endpoint(ROUTES)
