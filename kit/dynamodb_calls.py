"""Count the DynamoDB API calls a piece of code makes, to assert (and benchmark) cost per request.

The thin client (hhl.storage.dynamodb_client) tells its observers of every API call with its request (so
the table), one per page of a paginated Query, once per call however often it retries; nothing is
patched or stubbed. Each request is kept as it was sent, so the bench can replay it as a floor.

    with DynamoDBCallCounter(hhl.storage.dynamodb.client()) as calls:
        handler(event, context)
    assert calls.total <= 3, calls.operations
"""

from __future__ import annotations

import copy
from collections import Counter


class DynamoDBCallCounter:
    def __init__(self, client):
        self.client = client
        self.requests: list[tuple[str, dict]] = []  # (operation, a copy of its request) in call order

    def _count(self, operation: str, request: dict) -> None:
        self.requests.append((operation, copy.deepcopy(request)))

    def __enter__(self) -> DynamoDBCallCounter:
        self.client.observers.append(self._count)
        return self

    def __exit__(self, *exc) -> None:
        self.client.observers.remove(self._count)

    @property
    def calls(self) -> list[tuple[str, str | None]]:
        """(operation, TableName) in call order."""
        return [(operation, request.get("TableName")) for operation, request in self.requests]

    @property
    def table_calls(self) -> set[tuple[str, str]]:
        """(operation, table) for every table each call reads or writes: a BatchGetItem names one per table it asks
        of, a transaction one per item (a ConditionCheck as the ConditionCheckItem it needs IAM to allow)."""
        pairs = set()
        for operation, request in self.requests:
            if "TableName" in request:
                pairs.add((operation, request["TableName"]))
            pairs.update((operation, table) for table in request.get("RequestItems", {}))
            for item in request.get("TransactItems", []):
                ((kind, body),) = item.items()
                action = "ConditionCheckItem" if kind == "ConditionCheck" else f"{kind}Item"
                pairs.add((action, body["TableName"]))
        return pairs

    @property
    def operations(self) -> list[str]:
        """Operation names in call order, e.g. ["PutItem", "UpdateItem", "Query"]."""
        return [operation for operation, _ in self.requests]

    @property
    def total(self) -> int:
        return len(self.requests)

    @property
    def by_operation(self) -> Counter:
        return Counter(self.operations)

    def reset(self) -> None:
        self.requests.clear()
