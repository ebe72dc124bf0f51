"""Powertools logger and metrics, one of each per container.

Metrics are flushed by `http.endpoint` (or the CRM sync handler) after each invocation.
Never pass a token, cookie, authorization code, PKCE verifier or secret to the logger.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="hedgehog-learn")
metrics = Metrics(namespace="HedgehogLearn", service="hedgehog-learn")
