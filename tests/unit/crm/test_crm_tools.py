"""`make crm-properties` and `make crm-resync` against the fake HubSpot (real HTTP) and moto's tables."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from hhl.crm import properties
from hhl.crm.hubspot import HubSpotClient, RetryPolicy
from hhl.crm.summary import contact_properties
from hhl.learning.summary import learner_summary
from hhl.storage import erasures

from kit.template import ROOT
from local.launcher import free_ports
from tools import crm_properties, crm_resync


def test_crm_properties_creates_the_group_and_properties_once(local_stack_state, fake_hubspot, capsys):
    assert crm_properties.main([]) == 0
    assert crm_properties.main([]) == 0

    first, second = capsys.readouterr().out.split("hedgehog_learn:")[1:]
    assert first.count("created") == 8 and "exists" not in first  # the group and its 7 properties
    assert second.count("exists") == 8 and "created" not in second
    assert set(fake_hubspot.groups) == {"hedgehog_learn"}
    assert set(fake_hubspot.properties) == set(properties.NAMES)
    assert {p["groupName"] for p in fake_hubspot.properties.values()} == {"hedgehog_learn"}
    assert fake_hubspot.properties["hhl_last_activity"]["type"] == "datetime"
    assert fake_hubspot.properties["hhl_total_progress"]["type"] == "number"


def test_crm_properties_reports_a_rejected_token(local_stack_state, fake_hubspot, secrets_extension, capsys):
    secrets_extension.store("HUBSPOT_PRIVATE_APP_TOKEN_PARAMETER", "not-the-token")

    assert crm_properties.main([]) == 1

    assert "401" in capsys.readouterr().err
    assert fake_hubspot.groups == {}


def test_crm_properties_refuses_plain_http_to_a_remote_host(local_stack_state, fake_hubspot):
    state = json.loads(local_stack_state.read_text())
    state["handler_env"]["HUBSPOT_API_BASE_URL"] = "http://api.hubapi.com"
    local_stack_state.write_text(json.dumps(state))

    with pytest.raises(Exception, match="HUBSPOT_API_BASE_URL must be an https URL"):
        crm_properties.main([])

    assert fake_hubspot.calls == []


def test_crm_properties_talks_to_the_hubspot_of_the_running_local_stack(
    local_stack_state, fake_hubspot, monkeypatch, capsys
):
    monkeypatch.setenv("HUBSPOT_API_BASE_URL", "https://api.hubapi.com")  # this shell's setting: not the stack's

    assert crm_properties.main([]) == 0, capsys.readouterr().err

    assert set(fake_hubspot.properties) == set(properties.NAMES)


def test_with_no_local_stack_crm_properties_uses_this_shells_token(fake_hubspot, monkeypatch, capsys):
    monkeypatch.setenv("HUBSPOT_PRIVATE_APP_TOKEN", fake_hubspot.token)

    assert crm_properties.main([]) == 0, capsys.readouterr().err

    assert set(fake_hubspot.properties) == set(properties.NAMES)


def test_make_fake_hubspot_serves_the_tools_and_prints_the_contacts_the_sync_writes(tmp_path):
    port = free_ports(1)[0]
    env = {**os.environ, "HHL_HUBSPOT_PORT": str(port), "HUBSPOT_PRIVATE_APP_TOKEN": "pat-local-fake"}
    fake = subprocess.Popen(
        [sys.executable, "-m", "local.fake_hubspot"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        banner = fake.stdout.readline()
        assert f"fake HubSpot on http://127.0.0.1:{port} (token pat-local-fake)" in banner
        assert f"HUBSPOT_API_BASE_URL=http://127.0.0.1:{port} HUBSPOT_PRIVATE_APP_TOKEN=pat-local-fake make dev" in (
            banner + fake.stdout.readline()
        )
        client = HubSpotClient("pat-local-fake", f"http://127.0.0.1:{port}", RetryPolicy.from_env())
        record = {"idProperty": "email", "id": "ada@example.com", "properties": {"hhl_total_progress": "40"}}
        upserted = client.request("POST", "/crm/v3/objects/contacts/batch/upsert", {"inputs": [record]})
        assert upserted.status in (200, 201)
        while "ada@example.com" not in (line := fake.stdout.readline()):
            assert line, "the fake exited"
        assert "hhl_total_progress=40" in line
    finally:
        fake.send_signal(signal.SIGTERM)
        assert fake.wait(timeout=10) == 0


@pytest.fixture
def local_stack_state(crm_env, tmp_path, monkeypatch):
    """A stack.json whose handler environment is this test's (moto in-process, the fake HubSpot)."""
    names = [*crm_env_names(), "ENABLE_CRM_PROGRESS", "HUBSPOT_API_BASE_URL"]
    (tmp_path / "stack.json").write_text(json.dumps({"handler_env": {n: os.environ[n] for n in names}}))
    monkeypatch.setenv("HHL_STATE_DIR", str(tmp_path))
    return tmp_path / "stack.json"


def crm_env_names() -> list[str]:
    from tests.support.unit_env import UNIT_ENV

    return list(UNIT_ENV)


def test_crm_resync_pushes_the_named_learners(local_stack_state, fake_hubspot, learner):
    ada, alan = learner("user-ada", "ada@example.com"), learner("user-alan", "alan@example.com")
    ada.complete("hedgehog-lab-foundations")
    alan.enroll("hedgehog-lab-foundations")

    assert crm_resync.main(["--user", "user-ada"]) == 0
    assert crm_resync.main(["--user", "user-ada"]) == 0  # a repeat changes nothing

    assert fake_hubspot.contact_properties() == {
        "ada@example.com": {"email": "ada@example.com", **contact_properties(learner_summary("user-ada"))}
    }
    assert ada.contact_id == fake_hubspot.contact("ada@example.com")["id"]


def test_crm_resync_all_pushes_every_learner_in_batches_of_100(local_stack_state, fake_hubspot, learner, capsys):
    for i in range(101):  # one more than HubSpot's batch limit: two batches (each learner costs moto time)
        learner(f"user-{i:03d}", f"learner{i}@example.com").enroll("hedgehog-lab-foundations")
    learner("user-ghost", None).enroll("hedgehog-lab-foundations")  # progress but no user row

    assert crm_resync.main(["--all"]) == 0

    assert len(fake_hubspot.contacts) == 101
    assert {c["hhl_enrolled_courses"] for c in fake_hubspot.contact_properties().values()} == {
        "hedgehog-lab-foundations"
    }
    assert sorted(len(batch) for batch in fake_hubspot.upsert_batches) == [1, 100]
    assert "101 synced, 0 failed, 0 skipped" in capsys.readouterr().out


def test_crm_resync_skips_a_learner_whose_erasure_was_requested(local_stack_state, fake_hubspot, learner, capsys):
    ada, alan = learner("user-ada", "ada@example.com"), learner("user-alan", "alan@example.com")
    ada.enroll("hedgehog-lab-foundations")
    alan.enroll("hedgehog-lab-foundations")
    erasures.record_request("user-ada", "2026-01-01T00:00:00Z", None)  # pending: the rows are still there

    assert crm_resync.main(["--all"]) == 0

    assert list(fake_hubspot.contacts) == ["alan@example.com"]
    assert "1 synced, 0 failed, 1 skipped" in capsys.readouterr().out


def test_crm_resync_reports_failures_with_a_nonzero_exit(local_stack_state, fake_hubspot, learner, capsys):
    learner("user-ada", "ada@example.com").enroll("hedgehog-lab-foundations")
    fake_hubspot.fail_next(50, status=500)

    assert crm_resync.main(["--user", "user-ada"]) == 1

    assert "failed user ids: user-ada" in capsys.readouterr().err


def test_crm_resync_refuses_when_crm_sync_is_off(local_stack_state, fake_hubspot, learner, capsys):
    learner("user-ada", "ada@example.com").enroll("hedgehog-lab-foundations")
    state = json.loads(local_stack_state.read_text())
    state["handler_env"]["ENABLE_CRM_PROGRESS"] = "false"
    local_stack_state.write_text(json.dumps(state))

    assert crm_resync.main(["--all"]) == 1

    assert "ENABLE_CRM_PROGRESS" in capsys.readouterr().err
    assert fake_hubspot.calls == []


def test_crm_resync_without_a_running_stack_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HHL_STATE_DIR", str(tmp_path))

    assert crm_resync.main(["--all"]) == 1

    assert "start the local stack first" in capsys.readouterr().err


def test_the_sync_writes_only_properties_crm_properties_defines(
    local_stack_state, crm_sync, streams, fake_hubspot, learner
):
    """Once the properties exist, the fake (like HubSpot) rejects any other property name."""
    assert crm_properties.main([]) == 0
    learner("user-ada", "ada@example.com").complete("hedgehog-lab-foundations")

    assert crm_sync(streams.event()) == {"batchItemFailures": []}
    assert set(fake_hubspot.contact("ada@example.com")["properties"]) == {"email", *properties.NAMES}
