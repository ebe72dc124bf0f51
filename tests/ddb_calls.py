"""Count the DynamoDB API calls a piece of code makes, to assert (and benchmark) cost per request.

A botocore `before-parameter-build` hook on the client sees every API call with its parameters (so
the table), one per page of a paginated Query, once per call however often botocore retries it;
nothing is patched or stubbed.

    with DynamoDBCallCounter(hhl.storage.dynamodb.client()) as calls:
        handler(event, context)
    assert calls.total <= 3, calls.operations
"""

from __future__ import annotations

from collections import Counter


class DynamoDBCallCounter:
    def __init__(self, client):
        self.client = client
        self.calls: list[tuple[str, str | None]] = []  # (operation, TableName) in call order
        self._hook_id = f"ddb-call-counter-{id(self)}"

    def _count(self, model, params, **_):
        self.calls.append((model.name, params.get("TableName")))

    def __enter__(self) -> DynamoDBCallCounter:
        self.client.meta.events.register("before-parameter-build.dynamodb", self._count, unique_id=self._hook_id)
        return self

    def __exit__(self, *exc) -> None:
        self.client.meta.events.unregister("before-parameter-build.dynamodb", unique_id=self._hook_id)

    @property
    def operations(self) -> list[str]:
        """Operation names in call order, e.g. ["PutItem", "UpdateItem", "Query"]."""
        return [operation for operation, _ in self.calls]

    @property
    def total(self) -> int:
        return len(self.calls)

    @property
    def by_operation(self) -> Counter:
        return Counter(self.operations)

    def reset(self) -> None:
        self.calls.clear()
