"""CRM sync fixtures: moto's tables and streams in-process, the fake HubSpot on loopback, and the
crm_sync handler fed the stream records moto really produced, shaped as Lambda delivers them."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from hhl.config import settings
from hhl.learning import catalog as catalog_module
from hhl.learning.enrollments import enroll, unenroll_course
from hhl.learning.progress import record_progress
from hhl.learning.validation import parse_enrollment_request, parse_progress_event
from hhl.storage import dynamodb as dynamodb_module
from hhl.storage import users
from hhl.timestamps import utc_timestamp

from local.fake_hubspot import FakeHubSpot
from local.lambda_context import LambdaContext
from local.stream_poller import _lambda_record, stream_sources, sync_handler

FAST_RETRIES = {
    "HUBSPOT_MAX_ATTEMPTS": "3",
    "HUBSPOT_BACKOFF_BASE_SECONDS": "0.01",
    "HUBSPOT_BACKOFF_MAX_SECONDS": "0.05",
    "HUBSPOT_MAX_RETRY_AFTER_SECONDS": "1",
    "HUBSPOT_TIMEOUT_SECONDS": "0.3",
}


def _clear_container_caches() -> None:
    for cached in (settings, dynamodb_module.client, catalog_module.catalog):
        cached.cache_clear()


@pytest.fixture
def fake_hubspot(service_env, secrets_extension, monkeypatch, tmp_path):
    """The fake HubSpot on loopback; its token is in (moto's) SSM under the template's parameter name."""
    # No local stack here: the CRM tools must not find a `make dev` running in this checkout.
    monkeypatch.setenv("HHL_STATE_DIR", str(tmp_path / "no-stack"))
    with FakeHubSpot() as fake:
        secrets_extension.store("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER", fake.token)
        monkeypatch.setenv("HUBSPOT_API_BASE_URL", fake.base_url)
        for name, value in FAST_RETRIES.items():
            monkeypatch.setenv(name, value)
        yield fake


@pytest.fixture
def crm_env(dynamodb, fake_hubspot, monkeypatch):
    """CRM sync on, moto tables, the fake HubSpot; the container's caches start (and end) empty."""
    monkeypatch.setenv("ENABLE_CRM_PROGRESS", "true")
    _clear_container_caches()
    yield dynamodb
    _clear_container_caches()


class StreamReader:
    """The records moto's streams produced since the last read, as a Lambda DynamoDB event."""

    def __init__(self, region: str):
        self.dynamodb = boto3.client("dynamodb", region_name=region)
        # An explicit endpoint: botocore's account-based endpoint for DescribeStream would reach moto's DynamoDB mock.
        self.streams = boto3.client(
            "dynamodbstreams", region_name=region, endpoint_url=f"https://streams.dynamodb.{region}.amazonaws.com"
        )
        self.iterators: dict[str, str] = {}
        for source in stream_sources("local"):
            arn = self.dynamodb.describe_table(TableName=source.table_name)["Table"]["LatestStreamArn"]
            shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
            self.iterators[arn] = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]

    def event(self) -> dict:
        records = []
        for arn, iterator in self.iterators.items():
            response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            self.iterators[arn] = response["NextShardIterator"]
            records += [_lambda_record(r, arn) for r in response["Records"]]
        return {"Records": records}


@pytest.fixture
def streams(crm_env, service_env) -> StreamReader:
    return StreamReader(service_env["AWS_REGION"])


@pytest.fixture
def crm_sync(crm_env):
    """crm_sync(event, seconds_left=30) -> the handler's response."""
    handler = sync_handler()

    def invoke(event: dict, seconds_left: float = 30) -> dict:
        context = LambdaContext(function_name="hedgehog-learn-local-crm-sync")
        context.get_remaining_time_in_millis = lambda: int(seconds_left * 1000)
        return handler(event, context)

    return invoke


class Learner:
    """Writes a learner's state through the learning API's own logic (as the API handlers would)."""

    def __init__(self, user_id: str, email: str | None):
        self.user_id = user_id
        if email is not None:
            users.upsert_user(user_id, {"email": email, "givenName": "Test"})

    @staticmethod
    def _now() -> str:
        return utc_timestamp(datetime.now(UTC))

    def enroll(self, course_slug: str) -> None:
        enroll(self.user_id, parse_enrollment_request({"courseSlug": course_slug}), self._now())

    def enroll_pathway(self, pathway_slug: str) -> None:
        enroll(self.user_id, parse_enrollment_request({"pathwaySlug": pathway_slug}), self._now())

    def unenroll(self, course_slug: str) -> None:
        unenroll_course(self.user_id, catalog_module.catalog().course(course_slug))

    def complete(self, course_slug: str, *module_slugs: str, event: str = "completed") -> None:
        course = catalog_module.catalog().course(course_slug)
        for module_slug in module_slugs or course.modules:
            body = {"courseSlug": course_slug, "moduleSlug": module_slug, "event": event}
            record_progress(self.user_id, parse_progress_event(body, datetime.now(UTC)), self._now())

    def start(self, course_slug: str, *module_slugs: str) -> None:
        self.complete(course_slug, *module_slugs, event="started")

    @property
    def contact_id(self) -> str | None:
        return (users.get_user(self.user_id) or {}).get("hubspotContactId")


@pytest.fixture
def learner(crm_env):
    """learner(user_id, email) -> Learner with a users row (email=None: no row)."""
    return Learner
