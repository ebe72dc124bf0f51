"""How the storage modules reach DynamoDB: the container's one client, and what every table module shares.

- `client()`: the thin client (hhl.storage.dynamodb_client), created on first use and reused by every
  request; boto3 is not on the request path (docs/performance.md says why).
- `dynamodb_call`: wraps each call; a conditional-check failure (or a transaction cancelled only by its
  conditions: `failed_conditions`) is an expected answer its caller handles (re-raised untouched); anything
  else becomes a storage error (hhl.storage.errors), never a traceback.
- `query_learner_items`: one learner's items, page by page.
- `batch_get`: one BatchGetItem, asking again for the keys DynamoDB leaves unprocessed; never reports a key it
  could not read as absent.

SnapStart: a restored sandbox must not reuse the snapshot's socket, whose peer is gone; the client
drops its connection in the after-restore hook registered through snapshot_restore_py.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

from hhl import retry
from hhl.deadline import DeadlineExceeded
from hhl.observability import logger
from hhl.storage.dynamodb_client import DynamoDB, DynamoDBError, DynamoDBUnreachable
from hhl.storage.errors import RowGone, StorageFailed, StorageUnavailable

# Lambda's AWS_LAMBDA_INITIALIZATION_TYPE for inits that run ahead of any request.
PREINITIALIZED = frozenset({"snap-start", "provisioned-concurrency"})


@functools.cache
def client() -> DynamoDB:
    return DynamoDB()


def after_restore() -> None:
    """A SnapStart restore: the snapshot's connection (if any) is dead; the next call opens a new one."""
    if client.cache_info().currsize:
        client().drop_connection()


try:  # present in Lambda's Python runtimes (SnapStart's runtime hooks), absent elsewhere
    from snapshot_restore_py import register_after_restore
except ImportError:
    pass
else:
    register_after_restore(after_restore)

# An init that runs ahead of every request (a SnapStart snapshot, provisioned concurrency) creates the
# client now, so the first request does not build its SSL context; it opens no connection.
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in PREINITIALIZED:
    client()

CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailedException"
# Worth retrying shortly: DynamoDB is throttling us or briefly unavailable.
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


TRANSACTION_CANCELED = "TransactionCanceledException"
# DynamoDB may leave keys unprocessed under load; each later attempt asks for those only.
UNPROCESSED_BACKOFF = retry.Backoff(max_attempts=3, base=0.05, cap=0.2, jitter=retry.EQUAL)


def is_conditional_check_failure(exc: DynamoDBError) -> bool:
    return exc.code == CONDITIONAL_CHECK_FAILED


def failed_conditions(exc: DynamoDBError) -> list[bool] | None:
    """For a transaction cancelled only by its conditions: per item, whether its condition failed; else None."""
    if exc.code != TRANSACTION_CANCELED:
        return None
    codes = [reason.get("Code", "None") for reason in exc.response.get("CancellationReasons", [])]
    if not codes or not set(codes) <= {"None", "ConditionalCheckFailed"}:
        return None  # a conflicting transaction or a throttle: worth retrying, not an answer
    return [code == "ConditionalCheckFailed" for code in codes]


@contextmanager
def dynamodb_call(operation: str) -> Iterator[None]:
    try:
        yield
    except DynamoDBError as exc:
        if is_conditional_check_failure(exc) or failed_conditions(exc) is not None:
            raise
        code = exc.code
        logger.warning("dynamodb call failed", extra={"operation": operation, "code": code})
        if code in RETRYABLE_CODES or code == TRANSACTION_CANCELED or exc.status >= 500:
            raise StorageUnavailable(operation, code) from None
        raise StorageFailed(operation, code) from None
    except (DynamoDBUnreachable, DeadlineExceeded) as exc:
        # Timeouts and connection errors: the retries the invocation's deadline allowed are spent.
        logger.warning(
            "dynamodb unreachable", extra={"operation": operation, "error": type(exc).__name__, "reason": str(exc)}
        )
        raise StorageUnavailable(operation, type(exc).__name__) from None


def query_learner_items(table: str, user_id: str, sort_key_prefix: tuple[str, str] | None = None) -> Iterator[dict]:
    """One learner's items, optionally only those whose sort key (name, prefix) begins with prefix.

    One strongly consistent Query per 1 MB page (the learner sees their own write at once, and
    concurrent writers always see each other's: see docs/data-model.md).
    """
    condition = "userId = :u"
    values = {":u": {"S": user_id}}
    names = {}
    if sort_key_prefix:
        condition += " AND begins_with(#sk, :prefix)"
        names["#sk"] = sort_key_prefix[0]
        values[":prefix"] = {"S": sort_key_prefix[1]}
    request = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ConsistentRead": True,
    }
    if names:
        request["ExpressionAttributeNames"] = names
    while True:
        with dynamodb_call(f"Query {table}"):
            page = client().query(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def batch_get(operation: str, request_items: dict[str, dict]) -> dict[str, list[dict]]:
    """BatchGetItem of `request_items` (table -> Keys and read options); the items found, by table.

    Keys DynamoDB leaves unprocessed are asked for again (with the same read options) through hhl.retry, within
    the invocation's deadline; still unprocessed after UNPROCESSED_BACKOFF.max_attempts, they raise
    StorageUnavailable: a key that could not be read is never reported absent.
    """
    found: dict[str, list[dict]] = {table: [] for table in request_items}
    pending = request_items

    def attempt(_number: int) -> retry.Failure | None:
        nonlocal pending
        with dynamodb_call(operation):
            response = client().batch_get_item(RequestItems=pending)
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        unprocessed = response.get("UnprocessedKeys") or {}
        pending = {
            table: {**request_items[table], "Keys": left["Keys"]}
            for table, left in unprocessed.items()
            if left.get("Keys")
        }
        return retry.Failure(sorted(pending), throttled=True) if pending else None

    try:
        retry.run(attempt, UNPROCESSED_BACKOFF)
    except retry.GaveUp as stop:
        raise StorageUnavailable(operation, f"keys left unprocessed ({stop.why})") from None
    return found


def put_item_standing_on(operation: str, put: dict, standing_on: dict | None) -> None:
    """PutItem `put`; with `standing_on` (a ConditionCheck), one TransactWriteItems of the two, so the item is
    written only while that other row still meets its condition.

    The put's own failed condition raises ConditionalCheckFailedException either way (with the old item when the
    put asks for ReturnValuesOnConditionCheckFailure); a failed `standing_on` raises RowGone.
    """
    if standing_on is None:
        with dynamodb_call(operation):
            client().put_item(**put)
        return
    try:
        with dynamodb_call(operation):
            client().call("TransactWriteItems", {"TransactItems": [{"Put": put}, {"ConditionCheck": standing_on}]})
    except DynamoDBError as exc:  # only a transaction cancelled by its conditions gets here
        _, gone = failed_conditions(exc)
        if gone:
            raise RowGone(operation) from None
        reason = exc.response["CancellationReasons"][0]
        old = {"Item": reason["Item"]} if "Item" in reason else {}
        raise DynamoDBError(CONDITIONAL_CHECK_FAILED, reason.get("Message", ""), exc.status, old) from None
