"""A completion DynamoDB stored is awarded even when the request that stored it failed, with no retry.

The stack's handlers reach DynamoDB through the fault proxy (local/fault_proxy.py): the completing lab
attestation's progress write reaches DynamoDB, then every following call fails, so the learner gets a 5xx.
The progress stream still carries the stored completion; the stack's stream poller (Lambda's event source
mapping) hands it to the awards function, which issues the module and course certificates once the fault
clears, while the learner does nothing more than look at their certificates.
"""

from __future__ import annotations

import json
import secrets
import time

import pytest
import requests
from boto3.dynamodb.types import TypeDeserializer
from joserfc import jwt
from joserfc.jwk import KeySet

from kit.sign_in import TIMEOUT, sign_in
from local.launcher import free_ports, launch_stack
from tests.catalog_dirs import FIXTURE_CONTENT

pytestmark = pytest.mark.integration

COURSE = "garden-basics"  # soil-and-compost (quiz), planting-lab (lab), garden-tools-tour (no tasks)
SOIL_QUIZ = json.loads((FIXTURE_CONTENT / "modules" / "soil-and-compost" / "quiz.json").read_text())
RIGHT_ANSWERS = [{"id": q["id"], "value": q["correct_answer"]} for q in SOIL_QUIZ["questions"]]
AWARD_DEADLINE_SECONDS = 20


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack of its own with the fault proxy in place from its start (the shared stacks have none), serving
    the test content tree."""
    (proxy_port,) = free_ports(1)
    with launch_stack(
        tmp_path_factory.mktemp("fault-stack"),
        HHL_CONTENT_DIR=str(FIXTURE_CONTENT),
        HHL_FAULT_PROXY_PORT=str(proxy_port),
    ) as launched:
        yield launched


class Learner:
    """A signed-in learner calling the API as the site's pages do (session cookie, the site's Origin)."""

    def __init__(self, stack, create_user):
        email, password = f"fault-{secrets.token_hex(4)}@example.com", f"Pw-{secrets.token_urlsafe(18)}1a"
        self.user_id = create_user(stack, email, password, "Fay", "Fault")
        self.signed = sign_in(stack, email, password)
        self.base = stack["api_url"]

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, cookies=self.signed.cookies, timeout=TIMEOUT)

    def post(self, path: str, body: dict) -> requests.Response:
        headers = {"origin": self.signed.origin}
        return requests.post(self.base + path, json=body, cookies=self.signed.cookies, headers=headers, timeout=TIMEOUT)


def stored_progress(stack, user_id: str) -> dict[str, dict]:
    """The learner's progress rows as DynamoDB holds them (read from the emulator, past the proxy)."""
    table = stack["handler_env"]["DYNAMODB_PROGRESS_TABLE"]
    items = stack.dynamodb().query(
        TableName=table, KeyConditionExpression="userId = :u", ExpressionAttributeValues={":u": {"S": user_id}}
    )["Items"]
    plain = [{k: TypeDeserializer().deserialize(v) for k, v in item.items()} for item in items]
    return {row["moduleKey"]: row for row in plain}


def certificates_arriving(learner: Learner, wanted: set[tuple[str, str]]) -> list[dict]:
    """GET /certificates, polled until it lists every (entityType, entitySlug) wanted, or the deadline passes."""
    deadline = time.monotonic() + AWARD_DEADLINE_SECONDS
    listed: list[dict] = []
    while time.monotonic() < deadline:
        listed = learner.get("/certificates").json()["certificates"]
        if wanted <= {(c["entityType"], c["entitySlug"]) for c in listed}:
            return listed
        time.sleep(0.25)
    raise AssertionError(f"within {AWARD_DEADLINE_SECONDS}s only {listed}")


def test_a_completion_stored_before_a_failure_is_awarded_without_any_retry(stack, create_user):
    learner = Learner(stack, create_user)
    passed = learner.post(
        "/tasks/quiz/submit", {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": RIGHT_ANSWERS}
    )
    assert passed.json()["module_complete"] is True, passed.text
    toured = {"courseSlug": COURSE, "moduleSlug": "garden-tools-tour", "event": "completed"}
    assert learner.post("/progress", toured).status_code == 200

    proxy = stack["fault_proxy_url"]
    progress_table = stack["handler_env"]["DYNAMODB_PROGRESS_TABLE"]
    armed = requests.post(f"{proxy}/fault", json={"afterWriteTo": progress_table, "kind": "fail"}, timeout=TIMEOUT)
    assert armed.status_code == 200, armed.text
    try:
        failed = learner.post("/tasks/lab/attest", {"module_slug": "planting-lab", "task_slug": "lab-main"})
    finally:
        report = requests.delete(f"{proxy}/fault", timeout=TIMEOUT).json()

    # The learner saw the service's own 5xx: a JSON error, nothing of the failure's insides.
    assert failed.status_code in (500, 503), failed.text
    assert list(failed.json()) == ["error"], failed.text
    assert "Traceback" not in failed.text and "injected" not in failed.text
    # ...after the completion had reached DynamoDB: the fault began at the progress write and failed what followed.
    assert report["triggeredAt"] is not None and report["faultedCalls"] >= 1, report
    assert stored_progress(stack, learner.user_id).get(f"{COURSE}#planting-lab", {}).get("completedAt")

    # No retry, no further write: the learner only looks, and the certificates arrive from the stream.
    listed = certificates_arriving(learner, {("module", "planting-lab"), ("course", COURSE)})
    # The module page reads complete with its certificate, from the one attestation the learner made.
    status = learner.get("/tasks/status?module_slug=planting-lab").json()
    assert status["module_status"] == "complete" and status["cert_id"] in {c["certId"] for c in listed}
    history = learner.get("/module/progress?module_slug=planting-lab").json()["attempts"]
    assert [attempt["outcome"] for attempt in history] == ["attested"]

    keyset = KeySet.import_key_set(requests.get(f"{stack['api_url']}/.well-known/jwks.json", timeout=TIMEOUT).json())
    for listed_certificate in listed:
        if listed_certificate["entitySlug"] not in ("planting-lab", COURSE):
            continue
        public = requests.get(f"{stack['api_url']}/certificate/{listed_certificate['certId']}", timeout=TIMEOUT)
        assert public.status_code == 200, public.text
        claims = jwt.decode(public.json()["credential"], keyset, algorithms=["ES256"]).claims
        assert claims["credentialSubject"]["achievement"]["name"] == listed_certificate["entityTitle"]
