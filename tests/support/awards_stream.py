"""The awards stream consumer as Lambda runs it: its handler, and the KEYS_ONLY records Lambda delivers from
its two streams: the progress table's for one stored module event, the users table's for one sign-in."""

from __future__ import annotations

from hhl.storage.progress import module_key

from kit.template import ROOT, Route
from local.api_gateway import import_handler


def awards_handler():
    return import_handler(Route("", "", "AwardsFunction", ROOT / "functions" / "awards", "app.handler"))


def keys_only_record(table: str, keys: dict, sequence_number: str, size_bytes: int) -> dict:
    """A KEYS_ONLY DynamoDB stream record of a write to the local stage's `table`, as Lambda delivers it."""
    return {
        "eventID": sequence_number,
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "eventVersion": "1.1",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": keys,
            "SequenceNumber": sequence_number,
            "SizeBytes": size_bytes,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/hedgehog-learn-local-{table}/stream/x",
    }


def stream_record(user_id: str, course: str, module: str, sequence_number: str) -> dict:
    """The progress-table record of a module's completion."""
    keys = {"userId": {"S": user_id}, "moduleKey": {"S": module_key(course, module)}}
    return keys_only_record("progress", keys, sequence_number, 120)


def users_stream_record(user_id: str, sequence_number: str) -> dict:
    """The KEYS_ONLY users-table record of a sign-in that stored the learner's profile."""
    return keys_only_record("users", {"userId": {"S": user_id}}, sequence_number, 45)
