"""Floor (a) of `make bench`, never deployed: the least a DynamoDB-backed Python Lambda can do.

Init is exactly `import boto3; boto3.client("dynamodb")`; a request is one GetItem (what /auth/me must do).
"""

import os

import boto3

client = boto3.client("dynamodb")


def handler(event, context):
    client.get_item(TableName=os.environ["DYNAMODB_USERS_TABLE"], Key={"userId": {"S": event["userId"]}})
    return {"statusCode": 200, "body": ""}
