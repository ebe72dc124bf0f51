"""A stand-in for Lambda's DynamoDB Streams event source mappings (dev only).

Reads the emulator's `dynamodbstreams` API for every table a stream-consuming function (crm_sync, awards)
subscribes to in template.yaml, and invokes the handler with Lambda-shaped stream events, the way Lambda does:
batches of up to BatchSize records per shard after a batching window, ReportBatchItemFailures
honoured (the batch is retried from the lowest failed sequence number), and at most
MaximumRetryAttempts retries before the records are given up and, as Lambda does, a message describing
the batch (DDBStreamBatchInfo: shard, first and last sequence numbers) is sent to the on-failure
destination queue (the emulator's SQS). Not reproduced: BisectBatchOnFunctionError (a raising
handler retries the whole batch), parallelization factor, shard splits. The batching window is
capped at LOCAL_MAX_BATCHING_WINDOW so local runs and tests see changes within about a second.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kit.template import ROOT, Route, function_handler, load_template, queue_names, resources, table_specs
from local.lambda_context import LambdaContext

SYNC_FUNCTION = "CrmSyncFunction"
AWARDS_FUNCTION = "AwardsFunction"
ERASURE_FUNCTION = "ErasureFunction"
LOCAL_MAX_BATCHING_WINDOW = 1.0
POLL_INTERVAL_SECONDS = 0.2
RETRY_DELAY_SECONDS = 0.5

log = logging.getLogger("hhl.local.streams")


@dataclass(frozen=True)
class StreamSource:
    table_name: str
    batch_size: int
    batching_window: float
    max_retries: int
    on_failure_queue: str | None = None  # the DestinationConfig OnFailure queue's name


def stream_sources(stage: str, function: str = SYNC_FUNCTION, template: dict | None = None) -> list[StreamSource]:
    """The function's DynamoDB events in template.yaml, with their tables' names for `stage`."""
    template = template or load_template()
    names = {spec.logical_id: spec.name for spec in table_specs(stage, template)}
    queues = queue_names(stage, template)
    sources = []
    for event in resources("AWS::Serverless::Function", template)[function]["Properties"]["Events"].values():
        if event["Type"] != "DynamoDB":
            continue
        props = event["Properties"]
        table_logical_id = props["Stream"]["Fn::GetAtt"][0]
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination") or {}
        sources.append(
            StreamSource(
                table_name=names[table_logical_id],
                batch_size=int(props.get("BatchSize", 100)),
                batching_window=min(float(props.get("MaximumBatchingWindowInSeconds", 0)), LOCAL_MAX_BATCHING_WINDOW),
                max_retries=int(props.get("MaximumRetryAttempts", -1)),
                on_failure_queue=queues.get((destination.get("Fn::GetAtt") or [None])[0]),
            )
        )
    return sources


def sync_handler(function: str = SYNC_FUNCTION, template: dict | None = None) -> Callable:
    """The function's handler, imported the way the local API imports the HTTP functions."""
    from local.api_gateway import import_handler

    template = template or load_template()
    props = resources("AWS::Serverless::Function", template)[function]["Properties"]
    return import_handler(Route("", "", function, ROOT / props["CodeUri"], function_handler(props, template)))


@dataclass
class _Shard:
    source: StreamSource
    stream_arn: str
    iterator: str | None
    buffer: list[dict] = field(default_factory=list)
    first_buffered_at: float = 0.0
    retries: int = 0
    next_attempt_at: float = 0.0
    shard_id: str = ""
    last_sequence_number: str | None = None  # of the newest record read into the buffer


def _lambda_record(record: dict, stream_arn: str) -> dict:
    """A stream record as Lambda delivers it: eventSourceARN added, the creation time in epoch seconds."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "eventVersion": "1.1", "dynamodb": dynamodb, "eventSourceARN": stream_arn}


class StreamPoller:
    def __init__(
        self,
        handler: Callable,
        sources: list[StreamSource],
        dynamodb,
        streams,
        function_name: str = "crm-sync",
        sqs=None,
    ):
        self.handler = handler
        self.sqs = sqs
        self.function_name = function_name
        self.sources = sources
        self.dynamodb = dynamodb
        self.streams = streams
        self.invocations = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _open_shards(self) -> list[_Shard]:
        """Every shard of every source, read from its oldest record (the tables were created moments ago)."""
        shards = []
        for source in self.sources:
            arn = self.dynamodb.describe_table(TableName=source.table_name)["Table"]["LatestStreamArn"]
            for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                iterator = self.streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
                shards.append(_Shard(source, arn, iterator, shard_id=shard["ShardId"]))
        return shards

    def _fetch(self, shard: _Shard) -> None:
        room = shard.source.batch_size - len(shard.buffer)
        if shard.iterator is None or room <= 0:
            return
        if shard.last_sequence_number is not None:
            # A fresh iterator every poll, not NextShardIterator: a cancelled TransactWriteItems makes the emulator
            # put back a copy of each table it named, and an old iterator keeps reading the discarded copy's
            # stream, where no record arrives again (the erasures stream went deaf after a refused refresh).
            shard.iterator = self.streams.get_shard_iterator(
                StreamArn=shard.stream_arn,
                ShardId=shard.shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=shard.last_sequence_number,
            )["ShardIterator"]
        response = self.streams.get_records(ShardIterator=shard.iterator, Limit=room)
        shard.iterator = response.get("NextShardIterator")
        if response["Records"]:
            shard.last_sequence_number = response["Records"][-1]["dynamodb"]["SequenceNumber"]
        if response["Records"] and not shard.buffer:
            shard.first_buffered_at = time.monotonic()
        shard.buffer.extend(_lambda_record(r, shard.stream_arn) for r in response["Records"])

    def _due(self, shard: _Shard, now: float) -> bool:
        if not shard.buffer or now < shard.next_attempt_at:
            return False
        full = len(shard.buffer) >= shard.source.batch_size
        return full or shard.retries > 0 or now - shard.first_buffered_at >= shard.source.batching_window

    def _invoke(self, shard: _Shard) -> None:
        batch = shard.buffer[: shard.source.batch_size]
        self.invocations += 1
        try:
            context = LambdaContext(function_name=f"hedgehog-learn-local-{self.function_name}")
            response = self.handler({"Records": batch}, context)
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures") or []}
        except Exception:
            log.exception("%s handler raised; the whole batch will be retried", self.function_name)
            failed = {batch[0]["dynamodb"]["SequenceNumber"]}
        first_failed = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed), None)
        if first_failed is None:
            del shard.buffer[: len(batch)]
            shard.retries = 0
            return
        # Like Lambda: the records before the lowest failed one are checkpointed, the rest retried.
        del shard.buffer[:first_failed]
        shard.retries += 1
        max_retries = shard.source.max_retries
        if 0 <= max_retries < shard.retries:
            given_up = len(batch) - first_failed
            log.error("stream records given up after %d retries (on-failure destination): %d", max_retries, given_up)
            self._send_to_destination(shard, shard.buffer[:given_up])
            del shard.buffer[:given_up]
            shard.retries = 0
            return
        shard.next_attempt_at = time.monotonic() + RETRY_DELAY_SECONDS

    def _send_to_destination(self, shard: _Shard, records: list[dict]) -> None:
        """Lambda's on-failure message for a stream batch: where the records are, not the records."""
        if self.sqs is None or shard.source.on_failure_queue is None or not records:
            return
        message = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": shard.retries},
            "responseContext": {"statusCode": 200, "functionError": None},
            "DDBStreamBatchInfo": {
                "shardId": shard.shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": shard.stream_arn,
            },
        }
        queue_url = self.sqs.get_queue_url(QueueName=shard.source.on_failure_queue)["QueueUrl"]
        self.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))

    def run(self) -> None:
        shards = self._open_shards()
        while not self._stop.is_set():
            for shard in shards:
                try:
                    self._fetch(shard)
                    if self._due(shard, time.monotonic()):
                        self._invoke(shard)
                except Exception:
                    log.exception("stream poll failed for %s", shard.source.table_name)
            self._stop.wait(POLL_INTERVAL_SECONDS)

    def start(self) -> StreamPoller:
        self._thread = threading.Thread(target=self.run, name=f"stream-poller-{self.function_name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)


def start(stage: str, region: str, emulator_url: str, function: str = SYNC_FUNCTION) -> StreamPoller:
    """Poll the function's streams at the emulator in a background thread."""
    import boto3

    template = load_template()
    name = resources("AWS::Serverless::Function", template)[function]["Properties"]["FunctionName"]["Fn::Sub"]
    return StreamPoller(
        sync_handler(function, template),
        stream_sources(stage, function, template),
        boto3.client("dynamodb", region_name=region, endpoint_url=emulator_url),
        boto3.client("dynamodbstreams", region_name=region, endpoint_url=emulator_url),
        function_name=name.removeprefix("hedgehog-learn-${Stage}-"),
        sqs=boto3.client("sqs", region_name=region, endpoint_url=emulator_url),
    ).start()
