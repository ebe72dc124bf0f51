"""What the local stack, the tests, bench and the operator tools share; never deployed.

template        template.yaml as every reader sees it (Fn::ForEach expanded): tables, routes, secrets
dynamodb_calls  counts the DynamoDB calls the thin client makes (cost tests, bench)
sign_in         signs in to a local stack over HTTP the way a browser does (integration tests, bench)
certificates    self-signed TLS certificates (bench's TLS front, the preflight tests' ACM imports)
"""
