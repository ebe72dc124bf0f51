"""The awards stream consumer as Lambda runs it: its handler, and the KEYS_ONLY records Lambda delivers from
its two streams: the progress table's for one stored module event, the users table's for one sign-in."""

from __future__ import annotations

from hhl.storage.progress import module_key

from kit.template import ROOT, Route
from local.api_gateway import import_handler


def awards_handler():
    return import_handler(Route("", "", "AwardsFunction", ROOT / "functions" / "awards", "app.handler"))


def stream_record(user_id: str, course: str, module: str, sequence_number: str) -> dict:
    return {
        "eventID": sequence_number,
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "eventVersion": "1.1",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"userId": {"S": user_id}, "moduleKey": {"S": module_key(course, module)}},
            "SequenceNumber": sequence_number,
            "SizeBytes": 120,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/hedgehog-learn-local-progress/stream/x",
    }


def users_stream_record(user_id: str, sequence_number: str) -> dict:
    """The KEYS_ONLY users-table record of a sign-in that stored the learner's profile."""
    return {
        "eventID": sequence_number,
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "eventVersion": "1.1",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"userId": {"S": user_id}},
            "SequenceNumber": sequence_number,
            "SizeBytes": 45,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/hedgehog-learn-local-users/stream/x",
    }
