"""Racing requests: 20 identical completions at once give one completion timestamp and one badge.

The handlers run in 20 threads against moto in-process. DynamoDB applies each request to an item
atomically; moto does not promise that, so the `atomic_moto` fixture makes moto process one request
at a time (the handlers themselves still interleave freely between their calls). Without it a moto
check-and-set could interleave and fail the test for a reason that has nothing to do with our code.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.orchard_catalog import ALL_WRONG

LAB = "hedgehog-lab-foundations"
LAB_MODULES = [
    "accessing-the-hedgehog-virtual-lab-with-google-cloud",
    "accessing-the-hedgehog-virtual-lab-with-amazon-web-services",
    "accessing-the-hedgehog-virtual-lab-with-microsoft-azure",
]
# DynamoDB applies each request to an item atomically; moto is made to as well (tests/unit/conftest.py).
pytestmark = pytest.mark.usefixtures("atomic_moto")
PARALLEL = 20


def race(call, times: int = PARALLEL) -> list:
    start = threading.Barrier(times)

    def one(_):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


def test_parallel_identical_completions_record_one_completion_and_one_badge(api, stored, capsys):
    for module in LAB_MODULES[:-1]:
        api.post("/progress", {"courseSlug": LAB, "moduleSlug": module, "event": "completed"})
    last = {"courseSlug": LAB, "moduleSlug": LAB_MODULES[-1], "event": "completed"}

    responses = race(lambda: api.post("/progress", last))

    assert [r.status for r in responses] == [200] * PARALLEL
    completion_times = {r.body["modules"][LAB_MODULES[-1]]["completedAt"] for r in responses}
    assert len(completion_times) == 1
    awarded = [badge for r in responses for badge in r.body["badgesAwarded"]]
    assert [b["badgeId"] for b in awarded] == [f"course:{LAB}"]
    assert len(stored("badges")) == 1
    assert len(stored("enrollments")) == 1
    items = [i for i in stored("progress") if i["moduleKey"]["S"].endswith(LAB_MODULES[-1])]
    assert [i["completedAt"]["S"] for i in items] == list(completion_times)


def test_parallel_enrollments_create_one_row_and_one_201(api, stored):
    responses = race(lambda: api.post("/enrollments", {"courseSlug": LAB, "source": "catalog"}))
    assert sorted(r.status for r in responses) == [200] * (PARALLEL - 1) + [201]
    assert len({r.body["enrolledAt"] for r in responses}) == 1
    assert len(stored("enrollments")) == 1


@pytest.fixture
def atomic_moto_writes(monkeypatch):
    """The thin client reaches moto's server over HTTP, past the stubber: make each of its item writes
    atomic, as DynamoDB's are, so a check-and-set race is decided by our conditions alone."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    for name in ("put_item", "update_item"):
        write = getattr(DynamoDBBackend, name)

        def one_at_a_time(self, *args, _write=write, **kwargs):
            with lock:
                return _write(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, one_at_a_time)


def test_parallel_quiz_attempts_never_exceed_the_attempt_limit(api, stored, orchard, atomic_moto_writes):
    from hhl.learning.tasks import ATTEMPTS_PER_WINDOW

    body = {"module_slug": "pruning", "quiz_ref": "quiz-1", "answers": ALL_WRONG}
    statuses = [r.status for r in race(lambda: api.post("/tasks/quiz/submit", body), ATTEMPTS_PER_WINDOW + 3)]
    assert sorted(statuses) == [200] * ATTEMPTS_PER_WINDOW + [429] * 3
    attempts = [item for item in stored("tasks") if "#attempt#" in item["taskKey"]["S"]]
    assert len(attempts) == ATTEMPTS_PER_WINDOW
