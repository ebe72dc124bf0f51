"""Floor (a) of `make bench`, never deployed: the least init a DynamoDB-backed Python Lambda can have."""

import boto3

client = boto3.client("dynamodb")


def handler(event, context):
    return {"statusCode": 204, "body": ""}
