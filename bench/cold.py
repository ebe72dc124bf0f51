"""Cold init of every subject: a fresh python3.13 per sample, subjects interleaved round by round."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from bench.runtime import Runtime
from bench.stats import summarize
from bench.subjects import Subject

INIT_CHILD = Path(__file__).resolve().parent / "init_child.py"


def lambda_environment(subject: Subject, handler_env: Mapping[str, str]) -> dict[str, str]:
    """What the Lambda runtime sets, plus the function's configuration; nothing from this shell."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": f"hedgehog-learn-local-{subject.name.split()[0]}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "LAMBDA_TASK_ROOT": str(subject.code_dir),
        "_HANDLER": "app.handler",
        "AWS_LAMBDA_INITIALIZATION_TYPE": subject.initialization_type,
        # Lambda has no ~/.aws; neither does the bench's child.
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
    }
    env.update(handler_env)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    env.setdefault("AWS_REGION", region)
    env.setdefault("AWS_DEFAULT_REGION", region)
    return env


def start_once(
    runtime: Runtime,
    subject: Subject,
    handler_env: Mapping[str, str],
    events: list[dict] | None = None,
    extra_args: tuple[str, ...] = (),
) -> dict:
    """One fresh interpreter importing the subject's handler; returns init time, RSS, boto3 loaded."""
    with tempfile.TemporaryDirectory(prefix="hhl-bench-") as tmp:
        request_path, result_path = Path(tmp, "request.json"), Path(tmp, "result.json")
        request_path.write_text(
            json.dumps(
                {
                    "sys_path": [str(p) for p in subject.sys_path],
                    "events": events or [],
                    "function_name": subject.name,
                }
            )
        )
        completed = subprocess.run(
            [
                runtime.python,
                # -B: like Lambda's read-only code, nothing compiled at init is cached for the next one.
                *("-I", "-S", "-B", *extra_args),
                *(str(INIT_CHILD), str(request_path), str(result_path)),
            ],
            env=lambda_environment(subject, handler_env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=subject.code_dir,
        )
        if completed.returncode != 0 or not result_path.exists():
            return {"error": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "no result"}
        result = json.loads(result_path.read_text())
        if extra_args:
            result["stderr"] = completed.stderr
        return result


def measure(
    runtime: Runtime,
    subjects: list[Subject],
    handler_env: Mapping[str, str],
    rounds: int,
    first_events: Mapping[str, list[dict]],
) -> dict[str, dict]:
    """`rounds` interleaved rounds (a, b, f1, f2, ... then again) after one untimed warm-up round.

    The warm-up round only warms the OS file cache. Every sample imports the handler (init), compiling
    whatever was not shipped as bytecode, and serves its `first_events` (the container's first request:
    init + first request is the cold start a learner waits for).
    """
    present = [s for s in subjects if s.built]
    results: dict[str, dict] = {s.name: {"missing": True} for s in subjects if not s.built}
    samples: dict[str, list[dict]] = {s.name: [] for s in present}
    first: dict[str, dict] = {}
    for subject in present:
        first[subject.name] = start_once(runtime, subject, handler_env, _events(first_events.get(subject.name)))
    for index in range(rounds):
        for subject in present:
            if "error" in first[subject.name]:
                continue
            samples[subject.name].append(
                start_once(runtime, subject, handler_env, _events(first_events.get(subject.name)))
            )
        print(f"  cold-start round {index + 1}/{rounds}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    for subject in present:
        warmup = first[subject.name]
        if "error" in warmup:
            results[subject.name] = {"error": warmup["error"]}
            continue
        good = [s for s in samples[subject.name] if "error" not in s]
        served = [s for s in good if s.get("request_seconds")]
        results[subject.name] = {
            "uses_dynamodb": subject.uses_dynamodb,
            "init_ms": summarize([s["init_seconds"] * 1000 for s in good]),
            "peak_rss_mb": summarize([s["peak_rss_kb"] / 1024 for s in good]),
            "first_request_ms": summarize([s["request_seconds"][0] * 1000 for s in served]),
            "init_and_first_request_ms": summarize(
                [(s["init_seconds"] + s["request_seconds"][0]) * 1000 for s in served]
            ),
            "sdk_loaded_at_init": warmup["sdk_after_init"],
            "sdk_loaded_serving": warmup.get("sdk_after_requests"),
            "first_request_statuses": sorted({status for s in served for status in s["statuses"]}),
            "failed_samples": len(samples[subject.name]) - len(good),
        }
    return results


def _events(events):
    """A subject's first requests: a list, or a callable making new ones for each start (a refresh token
    rotates on use, so each refresh sample needs a sign-in of its own)."""
    return events() if callable(events) else events
