"""Powertools logger and metrics, one of each per container, and what each invocation adds to them.

`log_context` gives every log line of an invocation its function, request id, cold-start flag and
correlation id; `log_metrics` flushes its metrics (both through `http.endpoint`, or on the CRM sync handler).
Never pass a token, cookie, authorization code, PKCE verifier or secret to the logger.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model

from hhl.config import SERVICE, settings

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="HedgehogLearn", service=SERVICE)
_cold_start = True


def log_context(handler: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """The invocation's log keys: the context's function name, ARN, memory and request id, the cold-start
    flag, and API Gateway's request id as correlation id (None for other events).

    Kept in a context variable (Powertools' thread-safe keys), not in the logger's shared keys: the local
    stack serves concurrent invocations on threads of one process, and each must log under its own names,
    as each Lambda container does."""

    @functools.wraps(handler)
    def wrapper(event: dict, context: Any) -> dict:
        global _cold_start
        cold_start, _cold_start = _cold_start, False
        request_context = event.get("requestContext") if isinstance(event, dict) else None
        correlation_id = request_context.get("requestId") if isinstance(request_context, dict) else None
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(
            cold_start=cold_start, correlation_id=correlation_id, **build_lambda_context_model(context).__dict__
        )
        try:
            return handler(event, context)
        finally:
            logger.thread_safe_clear_keys()

    return wrapper


def log_metrics(handler: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """Powertools' metrics flush after each invocation, with a `stage` dimension beside `service`: dev and prod
    publish to the same HedgehogLearn namespace when they share an account, and must not add up."""

    @functools.wraps(handler)
    def wrapper(event: dict, context: Any) -> dict:
        metrics.set_default_dimensions(stage=settings().stage)
        try:
            return handler(event, context)
        finally:
            # Most invocations record no business metric (a profile read, a 401): nothing to publish, and
            # Powertools' flush would only warn "No application metrics to publish" beside the JSON logs.
            if metrics.metric_set:
                metrics.flush_metrics()

    return wrapper
