"""The Lambda context object handlers receive, for the local stack, tests and benchmarks."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field


@dataclass
class LambdaContext:
    function_name: str = "hedgehog-learn-local"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:hedgehog-learn-local"
    log_group_name: str = "/aws/lambda/hedgehog-learn-local"
    log_stream_name: str = "local"
    timeout_seconds: float = 30.0  # the invocation's time limit, counted from the context's creation
    started_at: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started_at + self.timeout_seconds - time.monotonic()) * 1000))
