"""What the learning tables' storage modules share: error mapping and the per-learner Query.

Each storage call is wrapped in `dynamodb_call`: a conditional-check failure is an expected answer
that callers handle themselves (it is re-raised untouched); anything else becomes a storage error
(StorageUnavailable when retrying shortly should help, else StorageFailed), never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hhl.deadline import DeadlineExceeded
from hhl.observability import logger
from hhl.storage.dynamo_json import DynamoDBError, DynamoDBUnreachable
from hhl.storage.dynamodb import client
from hhl.storage.errors import StorageFailed, StorageUnavailable

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


def is_conditional_check_failure(exc: DynamoDBError) -> bool:
    return exc.code == CONDITIONAL_CHECK_FAILED


@contextmanager
def dynamodb_call(operation: str) -> Iterator[None]:
    try:
        yield
    except DynamoDBError as exc:
        if is_conditional_check_failure(exc):
            raise
        code = exc.code
        logger.warning("dynamodb call failed", extra={"operation": operation, "code": code})
        if code in RETRYABLE_CODES or exc.status >= 500:
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
