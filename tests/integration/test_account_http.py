"""The learner's own data over real HTTP on the local stack serving the test content tree: the export holds
every kind of record the learner made and nothing of another learner; DELETE /auth/me leaves no row of the
learner in any table and no Cognito user, needs a recent sign-in and the site's Origin, and may be repeated.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time

import pytest
import requests

from kit.sign_in import TIMEOUT, sign_in
from kit.template import ROOT, table_specs
from local.launcher import launch_stack
from tests.support.content_quizzes import content_quiz, right_answers, wrong_answers
from tests.support.site_http import Site

pytestmark = pytest.mark.integration

SOIL = content_quiz("soil-and-compost")
RIGHT, WRONG = right_answers(SOIL), wrong_answers(SOIL)


class Learner(Site):
    """A learner's browser on the site (session cookies, the site's Origin on writes) who can erase their account."""

    def __init__(self, stack, create_user, given_name: str):
        # Upper, lower, digit and symbol whatever the random part holds: the pool's policy wants all four.
        self.email, password = f"{given_name.lower()}-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(18)
        password = f"Pw-{password}1a"
        self.user_id = create_user(stack, self.email, password, given_name, "Learner")
        super().__init__(stack, sign_in(stack, self.email, password))

    def delete_account(self, origin: str | None = None) -> requests.Response:
        headers = {"origin": origin or self.signed.origin}
        return requests.delete(self.base + "/auth/me", cookies=self.signed.cookies, headers=headers, timeout=TIMEOUT)

    def learn_everything(self) -> None:
        """One record of every kind: enrollment, progress, a failed and a passed quiz, a lab, badge, certificate."""
        assert self.post("/enrollments", {"courseSlug": "garden-basics"}).status_code == 201
        for answers in (WRONG, RIGHT):
            quiz = {"module_slug": "soil-and-compost", "quiz_ref": "quiz-1", "answers": answers}
            assert self.post("/tasks/quiz/submit", quiz).ok
        assert self.post("/tasks/lab/attest", {"module_slug": "planting-lab", "task_slug": "lab-main"}).ok
        done = {"courseSlug": "garden-basics", "moduleSlug": "garden-tools-tour", "event": "completed"}
        assert self.post("/progress", done).ok


def rows_of(stack, user_id: str) -> dict[str, list]:
    """Every item of the learner in every table of the template, read straight from the emulator."""
    dynamodb = stack.dynamodb()
    found = {}
    for spec in table_specs("local"):
        items = dynamodb.scan(TableName=spec.name)["Items"]
        found[spec.name] = [item for item in items if item.get("userId", {}).get("S") == user_id]
    return found


@pytest.fixture
def ada(content_stack, create_user) -> Learner:
    return Learner(content_stack, create_user, "Ada")


@pytest.fixture
def bob(content_stack, create_user) -> Learner:
    return Learner(content_stack, create_user, "Bob")


def test_the_export_holds_every_kind_of_record_and_nothing_of_another_learner(ada, bob):
    ada.learn_everything()
    bob.learn_everything()
    response = ada.get("/auth/me/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store, private"
    export = response.json()
    assert (export["format"], export["version"]) == ("hedgehog-learn.learner-export", 1)
    assert export["profile"]["email"] == ada.email
    assert [e["enrollmentKey"] for e in export["enrollments"]] == ["course#garden-basics"]
    assert {p["moduleKey"] for p in export["progress"]} >= {
        "garden-basics#soil-and-compost",
        "garden-basics#planting-lab",
        "garden-basics#garden-tools-tour",
    }
    assert [a["outcome"] for a in export["quizAttempts"]] == ["failed", "passed"]
    assert [a["answers"] for a in export["quizAttempts"]] == [WRONG, RIGHT]
    assert [a["taskSlug"] for a in export["labAttestations"]] == ["lab-main"]
    assert {t["status"] for t in export["tasks"]} == {"passed", "attested"}
    assert export["badges"] and export["certificates"]
    assert all(c["certId"] for c in export["certificates"])
    assert export["crm"] == {"syncEnabled": False, "hubspotContact": "none", "sends": []}
    text = response.text
    assert ada.user_id not in text and "userId" not in text  # no internal keys
    assert bob.user_id not in text and bob.email not in text
    bob_certs = {c["certId"] for c in bob.get("/auth/me/export").json()["certificates"]}
    assert bob_certs and not bob_certs & {c["certId"] for c in export["certificates"]}


def test_deleting_the_account_leaves_no_row_and_no_cognito_user_and_may_be_repeated(content_stack, ada, bob):
    ada.learn_everything()
    bob.learn_everything()
    assert any(rows_of(content_stack, ada.user_id).values())

    response = ada.delete_account()
    assert response.status_code == 200, response.text
    assert response.json()["erased"] is True and response.json()["cognitoUser"] == "deleted"
    assert response.json()["hubspotContact"] == "none" and response.json()["pending"] == []
    assert response.json()["rowsDeleted"]["users"] == 1 and response.json()["rowsDeleted"]["tasks"] >= 3
    cleared = [c for c in response.raw.headers.getlist("set-cookie") if "Max-Age=0" in c]
    assert {c.split("=", 1)[0] for c in cleared} == {"__Host-hhl_access_token", "__Host-hhl_refresh_token"}

    assert not any(rows_of(content_stack, ada.user_id).values())
    users = content_stack.cognito().list_users(UserPoolId=content_stack["user_pool_id"])["Users"]
    assert ada.email not in {a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email"}
    assert bob.email in {a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email"}
    assert rows_of(content_stack, bob.user_id)["hedgehog-learn-local-users"]  # the other learner keeps everything
    assert len(bob.get("/auth/me/export").json()["quizAttempts"]) == 2

    again = ada.delete_account()  # the access token still verifies until it expires: a repeat finishes nothing
    assert again.status_code == 200, again.text
    assert again.json()["cognitoUser"] == "already_gone"
    assert set(again.json()["rowsDeleted"].values()) == {0}


def test_deleting_needs_the_sites_origin_and_changes_nothing_without_it(content_stack, ada):
    ada.learn_everything()
    kept = ("hedgehog-learn-local-users", "hedgehog-learn-local-tasks")  # the awards consumer adds the others late
    before = rows_of(content_stack, ada.user_id)
    refused = ada.delete_account(origin="https://evil.example")
    assert refused.status_code == 403
    after = rows_of(content_stack, ada.user_id)
    assert [after[table] for table in kept] == [before[table] for table in kept]
    assert ada.get("/auth/me").status_code == 200


def test_a_stale_sign_in_is_refused_and_the_operator_tool_finishes_the_erasure(tmp_path, create_user):
    """A stack whose recent-sign-in window is one second (HHL_RECENT_SIGN_IN_SECONDS, honoured only locally)."""
    with launch_stack(tmp_path, HHL_RECENT_SIGN_IN_SECONDS="1") as stack:
        learner = Learner(stack, create_user, "Stale")
        time.sleep(2.1)
        response = learner.delete_account()
        assert response.status_code == 403
        assert response.json() == {"error": "reauthentication_required"}
        assert learner.get("/auth/me").status_code == 200
        assert rows_of(stack, learner.user_id)["hedgehog-learn-local-users"]

        # The learner asks by email instead: the operator checks, erases by user id, and checks again.
        def forget(*args: str) -> subprocess.CompletedProcess:
            command = [sys.executable, "-m", "tools.forget_learner", "--user", learner.user_id, *args]
            env = {**os.environ, "HHL_STATE_DIR": stack["state_dir"]}
            return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

        before = forget("--check")
        assert before.returncode == 1 and json.loads(before.stdout)["cognitoUser"] == "exists", before.stderr
        done = forget()
        assert done.returncode == 0, done.stderr
        erased, report = (json.loads(line) for line in done.stdout.splitlines()[-2:])  # after the log lines
        assert erased["cognitoUser"] == "deleted" and erased["rowsDeleted"]["users"] == 1
        assert erased["hubspotContact"] == "none"  # CRM sync off: no contact was ever linked
        assert report["erased"] is True and set(report["rows"].values()) == {0}
        assert report["erasure"] == "complete"
        assert not any(rows_of(stack, learner.user_id).values())
        assert forget("--check").returncode == 0
