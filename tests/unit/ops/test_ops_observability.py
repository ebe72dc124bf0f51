"""What an endpoint writes to CloudWatch: JSON log lines carrying the API request id as correlation id
and the cold-start flag, and EMF metrics in the namespace and dimension the dashboard reads.
Tracing is the platform's (`Tracing: Active`), not Powertools Tracer: its X-Ray SDK import would cost
about a third of the cold-start floor the performance issue measures."""

from __future__ import annotations

import io
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from aws_lambda_powertools.metrics import MetricUnit
from hhl.http import BadRequest, endpoint
from hhl.observability import logger, metrics

from kit.template import ROOT, load_template
from local.lambda_context import LambdaContext


def api_event(request_id: str) -> dict:
    return {
        "version": "2.0",
        "routeKey": "POST /progress",
        "rawPath": "/progress",
        "headers": {},
        "requestContext": {"requestId": request_id, "http": {"method": "POST", "path": "/progress"}},
    }


@endpoint
def recording_handler(event, context):
    metrics.add_metric(name="ModulesCompleted", unit=MetricUnit.Count, value=1)
    raise BadRequest("moduleSlug is required")


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def invoke(service_env, lambda_context, capsys):
    """Run the handler; (response, JSON lines it logged and printed). The logger's stream was bound at
    import, so it is pointed at a buffer here; metrics are print()ed, which capsys sees."""
    handler = logger.registered_handler
    buffer = io.StringIO()
    original = handler.setStream(buffer)

    def run(request_id: str) -> tuple[dict, list[dict]]:
        start = buffer.tell()
        response = recording_handler(api_event(request_id), lambda_context)
        return response, json_lines(buffer.getvalue()[start:]) + json_lines(capsys.readouterr().out)

    yield run
    handler.setStream(original)


def test_log_lines_are_json_with_the_request_id_as_correlation_id_and_the_cold_start_flag(invoke):
    invoke("warm-up")
    response, lines = invoke("req-7f3a")
    assert response["statusCode"] == 400
    (log,) = [line for line in lines if line.get("message") == "request rejected"]
    assert log["correlation_id"] == "req-7f3a"
    assert log["cold_start"] is False  # the second invocation of a container is never cold
    assert log["service"] == "hedgehog-learn"
    assert log["function_request_id"]  # the Lambda request id, next to the API one


def test_concurrent_invocations_in_one_process_each_log_under_their_own_function_and_request(service_env):
    """The local stack serves requests on threads of one process, all sharing this logger: two handlers that
    log while the other is mid-invocation must still each name their own function and request id."""
    both_started = threading.Barrier(2, timeout=5)

    @endpoint
    def interleaving_handler(event, context):
        logger.info("before the other logs", extra={"logged_by": context.function_name})
        both_started.wait()
        logger.info("after the other logged", extra={"logged_by": context.function_name})
        both_started.wait()
        raise BadRequest(f"done by {context.function_name}")

    handler = logger.registered_handler
    buffer = io.StringIO()
    original = handler.setStream(buffer)
    try:
        contexts = {name: LambdaContext(function_name=f"hedgehog-learn-local-{name}") for name in ("me", "enroll")}
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(
                pool.map(lambda name: interleaving_handler(api_event(f"req-{name}"), contexts[name]), contexts)
            )
    finally:
        handler.setStream(original)
    assert [answer["statusCode"] for answer in answers] == [400, 400]
    lines = json_lines(buffer.getvalue())
    assert len(lines) == 6  # two log lines and a rejection each
    for line in lines:
        logged_by = line.get("logged_by") or line["reason"].removeprefix("done by ")
        name = logged_by.removeprefix("hedgehog-learn-local-")
        assert line["function_name"] == logged_by, line
        assert line["correlation_id"] == f"req-{name}", line
        assert line["function_request_id"] == contexts[name].aws_request_id, line


def test_metrics_are_emf_in_the_namespace_and_dimension_the_dashboard_reads(invoke):
    _, lines = invoke("req-metrics")
    (emf,) = [line for line in lines if "_aws" in line]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "HedgehogLearn"
    # `stage` keeps dev's and prod's numbers apart when they share an account (and the namespace).
    assert [set(dimensions) for dimensions in directive["Dimensions"]] == [{"service", "stage"}]
    assert emf["service"] == "hedgehog-learn"
    assert emf["stage"] == os.environ["APP_STAGE"]
    assert emf["ModulesCompleted"] == [1.0] or emf["ModulesCompleted"] == 1.0
    dashboard = load_template()["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert '["HedgehogLearn","ModulesCompleted","service","hedgehog-learn","stage","${Stage}"]' in dashboard


def test_tracing_is_active_on_the_platform_and_powertools_tracer_is_not_imported():
    assert load_template()["Globals"]["Function"]["Tracing"] == "Active"
    sources = [*ROOT.glob("layers/shared/hhl/**/*.py"), *ROOT.glob("functions/*/*.py")]
    assert sources
    for source in sources:
        text = source.read_text()
        assert "aws_xray_sdk" not in text and "import Tracer" not in text, source
