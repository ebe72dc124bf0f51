"""Count the DynamoDB API calls a piece of code makes, to assert (and benchmark) cost per request.

A botocore `before-call` hook on the client sees every real API call, one per page of a paginated
Query, after parameter validation and before retries; nothing is patched or stubbed.

    with DynamoDBCallCounter(hhl.storage.dynamodb.client()) as calls:
        handler(event, context)
    assert calls.total <= 3, calls.operations
"""

from __future__ import annotations

from collections import Counter


class DynamoDBCallCounter:
    def __init__(self, client):
        self.client = client
        self.operations: list[str] = []  # in call order, e.g. ["UpdateItem", "PutItem", "Query"]
        self._hook_id = f"ddb-call-counter-{id(self)}"

    def _count(self, model, **_):
        self.operations.append(model.name)

    def __enter__(self) -> DynamoDBCallCounter:
        self.client.meta.events.register("before-call.dynamodb", self._count, unique_id=self._hook_id)
        return self

    def __exit__(self, *exc) -> None:
        self.client.meta.events.unregister("before-call.dynamodb", unique_id=self._hook_id)

    @property
    def total(self) -> int:
        return len(self.operations)

    @property
    def by_operation(self) -> Counter:
        return Counter(self.operations)

    def reset(self) -> None:
        self.operations.clear()
