"""Informational subject of `make bench`, never deployed: floor (a) plus Powertools Tracer.

What the X-Ray SDK would add to every function's init if the code used Tracer (which patches botocore
for per-call subsegments) instead of relying on the template's platform-level `Tracing: Active`.
"""

import os

import boto3
from aws_lambda_powertools import Tracer

tracer = Tracer()
client = boto3.client("dynamodb")


@tracer.capture_lambda_handler
def handler(event, context):
    client.get_item(TableName=os.environ["DYNAMODB_USERS_TABLE"], Key={"userId": {"S": event["userId"]}})
    return {"statusCode": 200, "body": ""}
