"""One cold start, run as `python3.13 -I -S bench/init_child.py <request.json> <result.json>`.

Standard library only: `-I -S` leaves sys.path = the standard library, and this script adds exactly the
directories Lambda would (function, layer, runtime), in Lambda's order. It then does what the runtime
does at init, `importlib.import_module("app")`, which runs the module-level setup, and reports how long
that took, the peak RSS after it, and which AWS SDK modules were loaded. Given events, it then invokes the handler
with each (as the first requests of that container) and reports the SDK modules loaded by then.
"""

import importlib
import json
import resource
import sys
import time


def main(request_path: str, result_path: str) -> None:
    with open(request_path) as f:
        request = json.load(f)
    sys.path[:0] = request["sys_path"]
    started = time.perf_counter()
    module = importlib.import_module(request.get("module", "app"))
    init_seconds = time.perf_counter() - started
    peak_rss_kb = _peak_rss_kb()
    result = {
        "init_seconds": init_seconds,
        "peak_rss_kb": peak_rss_kb,
        "sdk_after_init": _sdk_modules(),
    }
    events = request.get("events") or []
    if events:
        handler = getattr(module, request.get("handler", "handler"))
        context = _Context(request.get("function_name", "bench"))
        statuses, durations = [], []
        for event in events:
            started = time.perf_counter()
            statuses.append(handler(event, context).get("statusCode"))
            durations.append(time.perf_counter() - started)
        result["statuses"], result["request_seconds"] = statuses, durations
        result["sdk_after_requests"] = _sdk_modules()
    with open(result_path, "w") as f:
        json.dump(result, f)


def _sdk_modules() -> list[str]:
    """The AWS SDK modules loaded. Powertools imports the bare `botocore` package (its user-agent hook,
    under a millisecond); the SDK proper is boto3, botocore.session and botocore.client."""
    return sorted(name for name in ("boto3", "botocore.session", "botocore.client") if name in sys.modules)


def _peak_rss_kb() -> int:
    """This process's peak resident set, in KiB.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across execve, so a child forked from a
    large parent reports the parent's peak; VmHWM belongs to the new address space alone.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _Context:
    """The attributes Powertools reads from Lambda's context object."""

    memory_limit_in_mb = 256
    aws_request_id = "bench-request"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
