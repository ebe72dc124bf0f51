"""Tasks table: per learner, one record per completion task and the append-only log of attempts.

Key: userId (partition), taskKey (sort), two kinds of item under one module prefix:
- "<module>#task#<task>": the task's record: status (passed | failed | attested), bestScore,
  attemptCount, lastAttemptAt, and the attempt window (windowStart, windowCount) that limits how
  often a quiz can be tried.
- "<module>#attempt#<attemptedAt>#<task>#<attempt number>": one item per attempt, never changed after it
  is written: the submitted answers, the score and the outcome. The task's attempt number makes two
  attempts in the same millisecond two items.
"task" sorts after "attempt", so one Query of "<module>#" newest first reads the module's task
records and then its attempts newest first: /module/progress is one request, /tasks/status one Query
of "<module>#task#".
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hhl.config import settings
from hhl.storage.dynamodb import client, dynamodb_call, is_conditional_check_failure, query_learner_items
from hhl.storage.dynamodb_client import DynamoDBError

TASK_PREFIX = "task"
ATTEMPT_PREFIX = "attempt"
PASSED = "passed"
FAILED = "failed"
ATTESTED = "attested"


class AttemptLimitReached(Exception):
    """The learner has used every attempt of the current window; `window_start` is when it opened."""

    def __init__(self, window_start: str | None):
        super().__init__("attempt limit reached")
        self.window_start = window_start


@dataclass(frozen=True)
class TaskRecord:
    module_slug: str
    task_slug: str
    task_type: str
    status: str  # PASSED, FAILED or ATTESTED
    best_score: int | None
    attempt_count: int
    last_attempt_at: str | None


@dataclass(frozen=True)
class AttemptRecord:
    attempt_id: str  # the item's sort key: unique per learner, stable
    module_slug: str
    task_slug: str
    task_type: str
    attempted_at: str
    outcome: str  # PASSED, FAILED or ATTESTED
    score: int | None
    answers: tuple[tuple[str, str], ...]  # (question id, submitted option id), as submitted


def task_key(module_slug: str, task_slug: str) -> str:
    return f"{module_slug}#{TASK_PREFIX}#{task_slug}"


def attempt_key(module_slug: str, attempted_at: str, task_slug: str, number: int) -> str:
    return f"{module_slug}#{ATTEMPT_PREFIX}#{attempted_at}#{task_slug}#{number}"


def _number(item: dict, name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None


def _string(item: dict, name: str) -> str | None:
    return item[name]["S"] if name in item else None


def _task_record(item: dict) -> TaskRecord:
    module_slug, _, task_slug = item["taskKey"]["S"].split("#", 2)
    return TaskRecord(
        module_slug,
        task_slug,
        item["taskType"]["S"],
        item["status"]["S"],
        _number(item, "bestScore"),
        _number(item, "attemptCount") or 0,
        _string(item, "lastAttemptAt"),
    )


def _attempt_record(item: dict) -> AttemptRecord:
    key = item["taskKey"]["S"]
    module_slug = key.split("#", 1)[0]
    answers = tuple((a["id"], a["value"]) for a in json.loads(item["answers"]["S"])) if "answers" in item else ()
    return AttemptRecord(
        key,
        module_slug,
        item["taskSlug"]["S"],
        item["taskType"]["S"],
        item["attemptedAt"]["S"],
        item["outcome"]["S"],
        _number(item, "score"),
        answers,
    )


def _key(user_id: str, sort_key: str) -> dict:
    return {"userId": {"S": user_id}, "taskKey": {"S": sort_key}}


def _update(request: dict) -> dict:
    with dynamodb_call("UpdateItem tasks"):
        return client().update_item(TableName=settings().tables.tasks, **request)


def count_quiz_attempt(
    user_id: str, module_slug: str, task_slug: str, now: str, window_opened_after: str, limit: int
) -> TaskRecord:
    """Count one attempt of a quiz against its window, or raise AttemptLimitReached; the record as it now is.

    A window opens with the first attempt after the previous one closed, and holds `limit` attempts.
    Inside an open window one conditional UpdateItem counts the attempt, or (a failed condition returns
    the item) finds the window full; a closed or missing window takes a second UpdateItem that opens a
    new one, and a third only when a racing request opened it first. DynamoDB serialises writes to the
    item, so racing submissions never exceed the limit.
    """
    key = _key(user_id, task_key(module_slug, task_slug))
    common = "SET taskType = :type, lastAttemptAt = :now, updatedAt = :now, #status = if_not_exists(#status, :failed)"
    values = {
        ":type": {"S": "quiz"},
        ":now": {"S": now},
        ":one": {"N": "1"},
        ":failed": {"S": FAILED},
        ":opened_after": {"S": window_opened_after},
    }
    in_window = {
        "Key": key,
        "UpdateExpression": common + " ADD attemptCount :one, windowCount :one",
        "ConditionExpression": "windowStart > :opened_after AND windowCount < :limit",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {**values, ":limit": {"N": str(limit)}},
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    new_window = {
        "Key": key,
        "UpdateExpression": common + ", windowStart = :now, windowCount = :one ADD attemptCount :one",
        "ConditionExpression": "attribute_not_exists(windowStart) OR windowStart <= :opened_after",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": values,
        "ReturnValues": "ALL_NEW",
    }
    for request in (in_window, new_window, in_window):
        counted, before = _conditional_update(request)
        if counted is not None:
            return _task_record(counted)
        window_start = _string(before, "windowStart")
        if request is in_window and window_start is not None and window_start > window_opened_after:
            raise AttemptLimitReached(window_start)  # the window is open and full
    raise AttemptLimitReached(None)  # only if the window closed between two of these writes


def _conditional_update(request: dict) -> tuple[dict | None, dict]:
    """(the item after the update, {}), or (None, the item as it was when the condition failed)."""
    try:
        return _update(request)["Attributes"], {}
    except DynamoDBError as exc:
        if not is_conditional_check_failure(exc):
            raise
        return None, exc.response.get("Item", {})


def record_quiz_result(user_id: str, module_slug: str, task_slug: str, score: int, passed: bool, now: str) -> None:
    """Keep the best score: one conditional UpdateItem that only ever raises it (and passes the task once passed)."""
    expression = "SET bestScore = :score, updatedAt = :now"
    if passed:
        expression += ", #status = :passed, passedAt = if_not_exists(passedAt, :now)"
    try:
        _update(
            {
                "Key": _key(user_id, task_key(module_slug, task_slug)),
                "UpdateExpression": expression,
                "ConditionExpression": "attribute_not_exists(bestScore) OR bestScore < :score",
                "ExpressionAttributeValues": {
                    ":score": {"N": str(score)},
                    ":now": {"S": now},
                    **({":passed": {"S": PASSED}} if passed else {}),
                },
                **({"ExpressionAttributeNames": {"#status": "status"}} if passed else {}),
            }
        )
    except DynamoDBError as exc:
        if not is_conditional_check_failure(exc):  # not better than the best score: nothing to change
            raise


def attest(user_id: str, module_slug: str, task_slug: str, now: str) -> TaskRecord:
    """Record a lab attestation; a repeated one changes nothing (the first attestedAt stays). One UpdateItem."""
    response = _update(
        {
            "Key": _key(user_id, task_key(module_slug, task_slug)),
            "UpdateExpression": (
                "SET taskType = :type, #status = :attested, attestedAt = if_not_exists(attestedAt, :now),"
                " lastAttemptAt = if_not_exists(lastAttemptAt, :now), attemptCount = if_not_exists(attemptCount, :one),"
                " updatedAt = if_not_exists(updatedAt, :now)"
            ),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":type": {"S": "lab_attestation"},
                ":attested": {"S": ATTESTED},
                ":now": {"S": now},
                ":one": {"N": "1"},
            },
            "ReturnValues": "ALL_NEW",
        }
    )
    return _task_record(response["Attributes"])


def append_attempt(
    user_id: str,
    module_slug: str,
    task_slug: str,
    task_type: str,
    attempted_at: str,
    number: int,
    outcome: str,
    score: int | None = None,
    answers: tuple[tuple[str, str], ...] = (),
) -> None:
    """One PutItem. The key is the attempt's time, task and number, so writing the same attempt again is a no-op."""
    item = {
        **_key(user_id, attempt_key(module_slug, attempted_at, task_slug, number)),
        "taskSlug": {"S": task_slug},
        "taskType": {"S": task_type},
        "attemptedAt": {"S": attempted_at},
        "outcome": {"S": outcome},
    }
    if score is not None:
        item["score"] = {"N": str(score)}
    if answers:
        item["answers"] = {"S": json.dumps([{"id": q, "value": v} for q, v in answers], separators=(",", ":"))}
    with dynamodb_call("PutItem tasks"):
        client().put_item(TableName=settings().tables.tasks, Item=item)


def module_task_records(user_id: str, module_slug: str) -> list[TaskRecord]:
    """The learner's task records of one module: one Query."""
    prefix = ("taskKey", f"{module_slug}#{TASK_PREFIX}#")
    return [_task_record(item) for item in query_learner_items(settings().tables.tasks, user_id, prefix)]


def module_history(
    user_id: str, module_slug: str, task_count: int, attempts_limit: int
) -> tuple[list[TaskRecord], list[AttemptRecord]]:
    """Task records and the newest `attempts_limit` attempts of one module: one Query, newest first.

    Records sort after attempts, so reading backwards yields at most `task_count` records, then attempts;
    the page limit stops DynamoDB reading the rest of a long history.
    """
    request = {
        "TableName": settings().tables.tasks,
        "KeyConditionExpression": "userId = :u AND begins_with(taskKey, :prefix)",
        "ExpressionAttributeValues": {":u": {"S": user_id}, ":prefix": {"S": f"{module_slug}#"}},
        "ConsistentRead": True,
        "ScanIndexForward": False,
    }
    records: list[TaskRecord] = []
    attempts: list[AttemptRecord] = []
    while len(attempts) < attempts_limit:
        request["Limit"] = task_count + attempts_limit
        with dynamodb_call("Query tasks"):
            page = client().query(**request)
        for item in page.get("Items", []):
            if item["taskKey"]["S"].split("#", 2)[1] == TASK_PREFIX:
                records.append(_task_record(item))
            elif len(attempts) < attempts_limit:
                attempts.append(_attempt_record(item))
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return records, attempts
