"""Powertools logger and metrics, one of each per container.

Metrics are flushed by `http.endpoint` (or the CRM sync handler) after each invocation.
Never pass a token, cookie, authorization code, PKCE verifier or secret to the logger.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics

# Most requests record no business metric (a profile read, a 401); Powertools warns on every such
# flush, which would put a stray stderr line beside the JSON logs. An empty flush is normal here.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

logger = Logger(service="hedgehog-learn")
metrics = Metrics(namespace="HedgehogLearn", service="hedgehog-learn")
