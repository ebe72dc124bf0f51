"""template.yaml's alarms and dashboard, checked against the metrics AWS really publishes.

An alarm on a metric nobody publishes (REST's `5XXError` on an HTTP API, DynamoDB's SystemErrors
without its Operation dimension) sits in OK forever; these tests make that a failure, and make
every function, table, queue and the API need its alarms.
"""

from __future__ import annotations

import json
import re

import pytest

from kit.template import ROOT, load_template, resources

TEMPLATE = load_template()
FUNCTIONS = resources("AWS::Serverless::Function", TEMPLATE)
TABLES = resources("AWS::DynamoDB::Table", TEMPLATE)
QUEUES = resources("AWS::SQS::Queue", TEMPLATE)
HTTP_APIS = resources("AWS::Serverless::HttpApi", TEMPLATE)
ALARMS = resources("AWS::CloudWatch::Alarm", TEMPLATE)
COMPOSITES = resources("AWS::CloudWatch::CompositeAlarm", TEMPLATE)
DASHBOARDS = resources("AWS::CloudWatch::Dashboard", TEMPLATE)

LAMBDA_DIMENSIONS = [{"FunctionName"}, {"FunctionName", "Resource"}, {"FunctionName", "Resource", "ExecutedVersion"}]
HTTP_API_DIMENSIONS = [{"ApiId"}, {"ApiId", "Stage"}, {"ApiId", "Stage", "Method", "Resource"}]
TABLE_DIMENSIONS = [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}]
BUSINESS_METRICS = (
    "Logins",
    "LoginFailures",
    "Enrollments",
    "ModulesCompleted",
    "BadgesAwarded",
    "QuizAttempts",
    "CrmSyncFailures",
    "CrmSyncSuccesses",
)
# namespace -> metric -> the dimension sets it is published with. From the AWS docs:
#   lambda/latest/dg/monitoring-metrics-types.html, apigateway/latest/developerguide/http-api-metrics.html,
#   amazondynamodb/latest/developerguide/metrics-dimensions.html,
#   AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html;
# HedgehogLearn is ours: Powertools EMF with its `service` dimension and our `stage` (hhl/observability.py).
REAL_METRICS: dict[str, dict[str, list[set[str]]]] = {
    "AWS/Lambda": {
        name: LAMBDA_DIMENSIONS
        for name in ("Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions", "IteratorAge")
    },
    "AWS/ApiGateway": {
        name: HTTP_API_DIMENSIONS for name in ("4xx", "5xx", "Count", "Latency", "IntegrationLatency", "DataProcessed")
    },
    "AWS/DynamoDB": {
        **{
            name: TABLE_DIMENSIONS
            for name in (
                "ReadThrottleEvents",
                "WriteThrottleEvents",
                "ConsumedReadCapacityUnits",
                "ConsumedWriteCapacityUnits",
            )
        },
        "ThrottledRequests": [{"TableName", "Operation"}],
        "SystemErrors": [{"TableName", "Operation"}],
        "SuccessfulRequestLatency": [{"TableName", "Operation"}],
    },
    "AWS/SQS": {
        name: [{"QueueName"}]
        for name in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent")
    },
    "HedgehogLearn": {
        **{name: [{"service", "stage"}] for name in BUSINESS_METRICS},
        # Published by the template's own metric filter on the API access log (ApiThrottledRequestsMetricFilter).
        "ApiThrottledRequests": [{"Route"}],
    },
}
INSIGHTS_QUERY = re.compile(
    r'SELECT (?P<stat>\w+)\((?P<metric>\w+)\) FROM SCHEMA\("(?P<namespace>[^"]+)"(?P<dims>(?:, *\w+)*)\)'
)


# ==================================================================== helpers
def text(value) -> str:
    """The string of a plain value or of a `!Sub` expression."""
    return value["Fn::Sub"] if isinstance(value, dict) and "Fn::Sub" in value else value


def alarm_name(properties: dict) -> str:
    """The AlarmName up to ${Stage}: the alarm loops name an alarm after its resource (`${LoginFunction}-errors`),
    so a leading ${Resource} is that resource's own FunctionName or TableName."""
    name = text(properties["AlarmName"])
    match = re.match(r"\$\{(\w+)\}", name)
    if match and match.group(1) in TEMPLATE["Resources"]:
        own = TEMPLATE["Resources"][match.group(1)]["Properties"]
        name = text(own.get("FunctionName") or own.get("TableName")) + name[match.end() :]
    return name


def sub_ref(logical_id: str) -> str:
    return "${" + logical_id + "}"


def alarm_metrics(properties: dict) -> list[tuple[str, str, dict]]:
    """(namespace, metric name, {dimension: value}) for every metric an alarm reads."""
    if "MetricName" in properties:
        dims = {d["Name"]: d["Value"] for d in properties.get("Dimensions", [])}
        return [(properties["Namespace"], properties["MetricName"], dims)]
    found = []
    for query in properties["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append((metric["Namespace"], metric["MetricName"], dims))
        elif (match := INSIGHTS_QUERY.search(text(query["Expression"]))) is not None:
            dims = {name.strip(): text(query["Expression"]) for name in match["dims"].split(",") if name.strip()}
            found.append((match["namespace"], match["metric"], dims))
    return found


def alarms_on(metric: str, dimension: str, value) -> list[str]:
    """Alarms reading `metric` whose `dimension` is `value` (or whose Insights query names it)."""
    hits = []
    for name, alarm in ALARMS.items():
        for _, metric_name, dims in alarm_metrics(alarm["Properties"]):
            seen = dims.get(dimension)
            if metric_name == metric and (seen == value or (isinstance(seen, str) and str(value) in seen)):
                hits.append(name)
    return hits


def function_timeout(function: dict) -> int:
    return function["Properties"].get("Timeout", TEMPLATE["Globals"]["Function"]["Timeout"])


def dashboard_metrics() -> list[tuple[str, str, dict, dict]]:
    """(namespace, metric, {dimension: value}, options) for every metric line of the dashboard, with
    `${LogicalId}` placeholders left as the logical id they name."""
    (dashboard,) = DASHBOARDS.values()
    body = re.sub(r"\$\{([\w:.]+)\}", r"\1", text(dashboard["Properties"]["DashboardBody"]))
    found = []
    for widget in json.loads(body)["widgets"]:
        for line in widget["properties"].get("metrics", []):
            options = line[-1] if isinstance(line[-1], dict) else {}
            fields = line[:-1] if options else line
            namespace, metric, *pairs = fields
            found.append((namespace, metric, dict(zip(pairs[::2], pairs[1::2], strict=True)), options))
    return found


# ==================================================================== every metric is one AWS publishes
def is_real(namespace: str, metric: str, dimensions: set[str]) -> bool:
    return dimensions in REAL_METRICS.get(namespace, {}).get(metric, [])


@pytest.mark.parametrize("alarm", sorted(ALARMS))
def test_alarm_metrics_are_published_by_aws_with_those_dimensions(alarm):
    metrics = alarm_metrics(ALARMS[alarm]["Properties"])
    assert metrics, f"{alarm} reads no metric"
    for namespace, metric, dims in metrics:
        assert is_real(namespace, metric, set(dims)), (
            f"{alarm}: {namespace} {metric} by {sorted(dims)} is not published"
        )


def test_the_metric_table_rejects_rest_api_names_and_missing_dimensions():
    assert not is_real("AWS/ApiGateway", "5XXError", {"ApiId", "Stage"})  # REST only
    assert not is_real("AWS/ApiGateway", "5xx", {"ApiName", "Stage"})  # REST dimension
    assert not is_real("AWS/DynamoDB", "SystemErrors", {"TableName"})  # needs Operation


def test_dashboard_metrics_are_published_by_aws_with_those_dimensions():
    for namespace, metric, dims, _ in dashboard_metrics():
        assert is_real(namespace, metric, set(dims)), f"dashboard: {namespace} {metric} by {sorted(dims)}"


# ==================================================================== every resource is covered
def paging_errors_alarm(function: str) -> str:
    """The function's Errors alarm on its `live` alias, whatever version that is (not CodeDeploy's canary one)."""
    (alarm,) = [
        a
        for a in alarms_on("Errors", "FunctionName", {"Ref": function})
        if "ExecutedVersion" not in alarm_metrics(ALARMS[a]["Properties"])[0][2]
    ]
    return alarm


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
@pytest.mark.parametrize("metric", ["Throttles", "Duration"])
def test_every_function_has_throttles_and_duration_alarms(function, metric):
    assert len(alarms_on(metric, "FunctionName", {"Ref": function})) == 1


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_functions_paging_errors_alarm_watches_the_live_alias_not_one_version(function):
    """After a manual rollback `live` points to an older version; an alarm pinned to the deployed version
    (ExecutedVersion) would then watch nothing, so the alarm that pages watches the alias itself."""
    (_, _, dims) = alarm_metrics(ALARMS[paging_errors_alarm(function)]["Properties"])[0]
    assert dims == {"FunctionName": {"Ref": function}, "Resource": {"Fn::Sub": "${" + function + "}:live"}}
    assert paging_errors_alarm(function) not in FUNCTIONS[function]["Properties"]["DeploymentPreference"]["Alarms"]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_duration_alarms_fire_at_p90_near_the_function_timeout(function):
    (alarm,) = alarms_on("Duration", "FunctionName", {"Ref": function})
    properties = ALARMS[alarm]["Properties"]
    assert properties["ExtendedStatistic"] == "p90"
    assert properties["Threshold"] == 0.8 * function_timeout(FUNCTIONS[function]) * 1000


STREAM_CONSUMERS = sorted(
    name
    for name, f in FUNCTIONS.items()
    if any(e["Type"] == "DynamoDB" for e in f["Properties"].get("Events", {}).values())
)


@pytest.mark.parametrize("function", STREAM_CONSUMERS)
def test_every_stream_consumer_has_a_lag_alarm(function):
    (alarm,) = alarms_on("IteratorAge", "FunctionName", {"Ref": function})
    assert ALARMS[alarm]["Properties"]["Statistic"] == "Maximum"


@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("metric", ["ReadThrottleEvents", "WriteThrottleEvents"])
def test_every_table_has_throttle_alarms(table, metric):
    assert len(alarms_on(metric, "TableName", {"Ref": table})) == 1


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_has_a_system_errors_alarm_over_all_operations(table):
    (alarm,) = alarms_on("SystemErrors", "TableName", sub_ref(table))
    (query,) = ALARMS[alarm]["Properties"]["Metrics"]
    expression = text(query["Expression"])
    # Grouping by the schema's Operation dimension without filtering on it sums every operation.
    assert "Operation" in INSIGHTS_QUERY.search(expression)["dims"] and "Operation =" not in expression
    assert expression.endswith(f"WHERE TableName = '{sub_ref(table)}'")


@pytest.mark.parametrize("queue", sorted(QUEUES))
@pytest.mark.parametrize("metric", ["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"])
def test_every_queue_has_depth_and_age_alarms(queue, metric):
    assert len(alarms_on(metric, "QueueName", {"Fn::GetAtt": [queue, "QueueName"]})) == 1


@pytest.mark.parametrize("api", sorted(HTTP_APIS))
@pytest.mark.parametrize("metric", ["5xx", "4xx", "Latency"])
def test_the_http_api_has_5xx_4xx_and_latency_alarms_on_its_default_stage(api, metric):
    (alarm,) = alarms_on(metric, "ApiId", {"Ref": api})
    dims = alarm_metrics(ALARMS[alarm]["Properties"])[0][2]
    assert dims["Stage"] == HTTP_APIS[api]["Properties"]["StageName"] == "$default"


def test_api_error_alarms_are_rates_and_latency_is_p90():
    for metric in ("5xx", "4xx"):
        (alarm,) = alarms_on(metric, "ApiId", {"Ref": "HttpApi"})
        assert ALARMS[alarm]["Properties"]["Statistic"] == "Average"  # Average of 0/1 per request = rate
        assert 0 < ALARMS[alarm]["Properties"]["Threshold"] < 1
    (latency,) = alarms_on("Latency", "ApiId", {"Ref": "HttpApi"})
    assert ALARMS[latency]["Properties"]["ExtendedStatistic"] == "p90"


# ==================================================================== names, actions, missing data
ALL_ALARMS = {**ALARMS, **COMPOSITES}


@pytest.mark.parametrize("alarm", sorted(ALL_ALARMS))
def test_every_alarm_is_named_for_its_stage_and_notifies_the_topic_both_ways(alarm):
    properties = ALL_ALARMS[alarm]["Properties"]
    assert alarm_name(properties).startswith("hedgehog-learn-${Stage}-")
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert properties["OKActions"] == [{"Ref": "AlarmTopic"}]
    assert "docs/alarms.md#" in text(properties["AlarmDescription"])


@pytest.mark.parametrize("alarm", sorted(ALARMS))
def test_every_metric_alarm_decides_what_missing_data_means(alarm):
    assert ALARMS[alarm]["Properties"]["TreatMissingData"] in {"breaching", "notBreaching", "ignore", "missing"}


def test_alarm_names_are_unique():
    names = [alarm_name(a["Properties"]) for a in ALL_ALARMS.values()]
    assert len(names) == len(set(names))


def test_the_composite_alarm_covers_what_a_learner_would_notice():
    (composite,) = COMPOSITES.values()
    referenced = set(re.findall(r"ALARM\(\$\{(\w+)\}\)", text(composite["Properties"]["AlarmRule"])))
    assert referenced <= set(ALARMS), referenced - set(ALARMS)
    must = {alarms_on("5xx", "ApiId", {"Ref": "HttpApi"})[0], alarms_on("Latency", "ApiId", {"Ref": "HttpApi"})[0]}
    must |= {paging_errors_alarm(f) for f in FUNCTIONS}
    must |= {alarms_on("SystemErrors", "TableName", sub_ref(t))[0] for t in TABLES}
    assert must <= referenced, must - referenced


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use():
    topic = TEMPLATE["Resources"]["AlarmTopic"]["Properties"]
    # alias/aws/sns would silently drop every notification: its key policy cannot grant CloudWatch.
    key = TEMPLATE["Resources"][topic["KmsMasterKeyId"]["Ref"]]
    assert key["Type"] == "AWS::KMS::Key"
    grants = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert grants and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(grants[0]["Action"])


def test_the_email_subscription_exists_only_when_an_address_is_given():
    subscription = TEMPLATE["Resources"]["AlarmEmailSubscription"]
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert TEMPLATE["Conditions"][subscription["Condition"]] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""


# ==================================================================== dashboard
def test_the_dashboard_is_named_for_the_stage():
    (dashboard,) = DASHBOARDS.values()
    assert text(dashboard["Properties"]["DashboardName"]) == "hedgehog-learn-${Stage}"


def dashboard_lines(metric: str, dimension: str, value: str) -> list[dict]:
    return [
        options for _, name, dims, options in dashboard_metrics() if name == metric and dims.get(dimension) == value
    ]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_dashboard_shows_invocations_errors_and_duration_percentiles_per_function(function):
    assert dashboard_lines("Invocations", "FunctionName", function)
    assert dashboard_lines("Errors", "FunctionName", function)
    assert {o.get("stat") for o in dashboard_lines("Duration", "FunctionName", function)} >= {"p50", "p95", "p99"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_dashboard_shows_consumed_capacity_and_throttles_per_table(table):
    for metric in (
        "ConsumedReadCapacityUnits",
        "ConsumedWriteCapacityUnits",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
    ):
        assert dashboard_lines(metric, "TableName", table), metric


def test_dashboard_shows_the_api_and_the_crm_dead_letter_queue():
    for metric in ("4xx", "5xx", "Latency"):
        assert dashboard_lines(metric, "ApiId", "HttpApi"), metric
    assert dashboard_lines("ApproximateNumberOfMessagesVisible", "QueueName", "CrmSyncDeadLetterQueue.QueueName")


@pytest.mark.parametrize("metric", BUSINESS_METRICS)
def test_dashboard_shows_business_metrics_as_powertools_emits_them(metric):
    assert dashboard_lines(metric, "service", "hedgehog-learn"), metric


# ==================================================================== every alarm is documented
def heading_anchors(doc: str) -> set[str]:
    """GitHub's anchors for a markdown file's headings."""
    headings = re.findall(r"^#+ (.+)$", (ROOT / "docs" / doc).read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("alarm", sorted(ALL_ALARMS))
def test_every_alarm_links_to_its_section_of_docs_alarms(alarm):
    (anchor,) = re.findall(r"docs/alarms\.md#([\w-]+)", text(ALL_ALARMS[alarm]["Properties"]["AlarmDescription"]))
    assert anchor in heading_anchors("alarms.md")


def test_links_between_alarms_and_runbook_resolve():
    for doc, other in (("alarms.md", "runbook.md"), ("runbook.md", "alarms.md")):
        for anchor in re.findall(rf"\({re.escape(other)}#([\w-]+)\)", (ROOT / "docs" / doc).read_text()):
            assert anchor in heading_anchors(other), f"{doc} -> {other}#{anchor}"
