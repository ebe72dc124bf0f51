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

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

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

    def __enter__(self) -> FakeLambdaQuota:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = urlsplit(self.path).path
                fake.requests.append(path)
                if path.rstrip("/") == "/2016-08-19/account-settings":
                    limit = {
                        "TotalCodeSize": 80530636800,
                        "CodeSizeUnzipped": 262144000,
                        "CodeSizeZipped": 52428800,
                        "ConcurrentExecutions": fake.concurrent_executions,
                        "UnreservedConcurrentExecutions": fake.unreserved,
                    }
                    return self.reply(200, {"AccountLimit": limit, "AccountUsage": {"FunctionCount": 0}})
                layer = LAYER_VERSION_PATH.match(path)
                if layer:
                    arn = f"{unquote(layer[1])}:{layer[2]}"
                    if arn in fake.published_layers:
                        body = {"LayerVersionArn": arn, "Version": int(layer[2])}
                        return self.reply(200, body | {"CompatibleArchitectures": fake.published_layers[arn]})
                    message = f"Layer version {arn} does not exist."
                    return self.reply(404, {"Message": message, "Type": "User"}, "ResourceNotFoundException")
                match = CONCURRENCY_PATH.match(path)
                if match and unquote(match[1]) in fake.reserved:
                    return self.reply(200, {"ReservedConcurrentExecutions": fake.reserved[unquote(match[1])]})
                if match:
                    message = f"Function not found: {unquote(match[1])}"
                    return self.reply(404, {"Message": message, "Type": "User"}, "ResourceNotFoundException")
                self.reply(404, {"Message": f"not faked: GET {path}"}, "ResourceNotFoundException")

            def reply(self, status: int, body: dict, error_type: str | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                if error_type:
                    self.send_header("x-amzn-errortype", error_type)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
