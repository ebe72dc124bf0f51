"""The awards stream consumer as Lambda runs it: its handler, and the KEYS_ONLY progress-table stream record
Lambda delivers for one stored module event."""

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
