"""The bench rows' routes in-process: over the bench catalog (bench/tasks.py), their real handlers, each request's
DynamoDB calls counted on the container's client."""

from __future__ import annotations

import json

import pytest
from hhl.learning import catalog as catalog_module
from hhl.storage import dynamodb as dynamodb_module

from bench import tasks as bench_tasks
from kit.dynamodb_calls import DynamoDBCallCounter
from kit.template import http_routes
from local.api_gateway import import_handler
from local.lambda_context import LambdaContext


@pytest.fixture
def bench_catalog(tmp_path):
    """The catalog `make bench` serves, written from the shipped one into a directory of this test's."""
    shipped = json.loads(catalog_module.SHIPPED_CATALOG_PATH.read_text(encoding="utf-8"))
    return bench_tasks.bench_catalog(shipped, tmp_path / "bench-catalog")


@pytest.fixture
def counted_routes(learning_env):
    """counted_routes(route_keys) -> (handlers by route key, run): run(handler, event) -> (response, the DynamoDB
    operations it made, in order)."""

    def handlers_and_run(route_keys: tuple[str, ...]):
        handlers = {route.route_key: import_handler(route) for route in http_routes() if route.route_key in route_keys}
        dynamodb = dynamodb_module.client()

        def run(handler, event):
            with DynamoDBCallCounter(dynamodb) as counter:
                return handler(event, LambdaContext()), counter.operations

        return handlers, run

    return handlers_and_run
