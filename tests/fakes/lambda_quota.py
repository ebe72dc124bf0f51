"""A fake of Lambda's account-quota and layer API on 127.0.0.1, for `make preflight`'s concurrency and
extension layer checks.

moto implements functions but not GetAccountSettings, and the check needs an account whose quota the test
chooses (a new account's 10, an account already reserved to its limit); nor can it hold layers AWS publishes
from its own accounts. boto3 is pointed here with AWS_ENDPOINT_URL_LAMBDA. It answers the calls the checks
make, as Lambda's REST API does: GET /2016-08-19/account-settings, GET /2019-09-30/functions/<name>/concurrency
(404 ResourceNotFoundException for a function it does not know, as for a first deploy) and
GET /2018-10-31/layers/<name or ARN>/versions/<n> for the layer versions in `published_layers`.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from kit.fake_http import Answer, Request, fake_http_server, json_answer

CONCURRENCY_PATH = re.compile(r"^/2019-09-30/functions/([^/]+)/concurrency$")
LAYER_VERSION_PATH = re.compile(r"^/2018-10-31/layers/([^/]+)/versions/(\d+)$")


@dataclass
class FakeLambdaQuota:
    concurrent_executions: int = 1000
    reserved: dict[str, int] = field(default_factory=dict)  # function name -> its reserved concurrency
    requests: list[str] = field(default_factory=list)
    # layer version ARN -> its CompatibleArchitectures, as AWS publishes them
    published_layers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def unreserved(self) -> int:
        return self.concurrent_executions - sum(self.reserved.values())

    def answer(self, request: Request) -> Answer:
        path = urlsplit(request.path).path
        self.requests.append(path)
        if path.rstrip("/") == "/2016-08-19/account-settings":
            limit = {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": self.concurrent_executions,
                "UnreservedConcurrentExecutions": self.unreserved,
            }
            return json_answer(200, {"AccountLimit": limit, "AccountUsage": {"FunctionCount": 0}})
        layer = LAYER_VERSION_PATH.match(path)
        if layer:
            arn = f"{unquote(layer[1])}:{layer[2]}"
            if arn in self.published_layers:
                body = {"LayerVersionArn": arn, "Version": int(layer[2])}
                return json_answer(200, body | {"CompatibleArchitectures": self.published_layers[arn]})
            return _not_found(f"Layer version {arn} does not exist.")
        match = CONCURRENCY_PATH.match(path)
        if match and unquote(match[1]) in self.reserved:
            return json_answer(200, {"ReservedConcurrentExecutions": self.reserved[unquote(match[1])]})
        if match:
            return _not_found(f"Function not found: {unquote(match[1])}")
        return _not_found(f"not faked: {request.method} {path}", error_type=None)

    def __enter__(self) -> FakeLambdaQuota:
        self._serving = ExitStack()
        self.url = self._serving.enter_context(fake_http_server(self.answer))
        return self

    def __exit__(self, *exc):
        self._serving.close()


def _not_found(message: str, error_type: str | None = "User") -> Answer:
    """Lambda's 404: ResourceNotFoundException in x-amzn-errortype, the message (and its Type) in the body."""
    body = {"Message": message} | ({"Type": error_type} if error_type else {})
    status, headers, data = json_answer(404, body)
    return status, headers | {"x-amzn-errortype": "ResourceNotFoundException"}, data
