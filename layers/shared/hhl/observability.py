"""Powertools logger and metrics, one of each per container.

Metrics are flushed by `log_metrics` (through `http.endpoint`, or on the CRM sync handler) after each invocation.
Never pass a token, cookie, authorization code, PKCE verifier or secret to the logger.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from hhl.config import SERVICE, settings

# Most requests record no business metric (a profile read, a 401); Powertools warns on every such
# flush, which would put a stray stderr line beside the JSON logs. An empty flush is normal here.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="HedgehogLearn", service=SERVICE)


def log_metrics(handler: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """Powertools' metrics flush after each invocation, with a `stage` dimension beside `service`: dev and prod
    publish to the same HedgehogLearn namespace when they share an account, and must not add up."""

    @functools.wraps(handler)
    @metrics.log_metrics
    def wrapper(event: dict, context: Any) -> dict:
        metrics.set_default_dimensions(stage=settings().stage)
        return handler(event, context)

    return wrapper
