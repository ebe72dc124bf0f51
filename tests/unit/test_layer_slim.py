"""The layer build drops the parts of Powertools this service never imports (layers/shared/Makefile
`slim`). These tests slim a copy of the pinned Powertools with that very target, then run every
function's handler against it in a fresh interpreter: a handler needing something the slimming
removed fails here, not in Lambda."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import aws_lambda_powertools
import pytest

from kit.template import ROOT, resources
from tests.support.child_process import report_of_child
from tests.support.unit_env import UNIT_ENV

FUNCTIONS = {name: res["Properties"] for name, res in resources("AWS::Serverless::Function").items()}

# In a child interpreter: import the handler as Lambda does, serve one sample event, report what loaded.
CHILD = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
from local.lambda_context import LambdaContext
app = importlib.import_module("app")
response = app.handler(json.load(open(sys.argv[2])), LambdaContext())
import aws_lambda_powertools
print(json.dumps({"powertools": aws_lambda_powertools.__file__, "response": response}))
"""


@pytest.fixture(scope="module")
def slim_layer(tmp_path_factory) -> Path:
    layer = tmp_path_factory.mktemp("layer")
    shutil.copytree(Path(aws_lambda_powertools.__file__).parent, layer / "aws_lambda_powertools")
    subprocess.run(
        ["make", "-C", str(ROOT / "layers/shared"), "--no-print-directory", "slim", f"LAYER={layer}", "STRIP=true"],
        check=True,
        capture_output=True,
    )
    return layer


def test_slimming_removes_what_no_handler_imports(slim_layer):
    powertools = slim_layer / "aws_lambda_powertools"
    assert not (powertools / "event_handler").exists()
    assert sorted(p.name for p in (powertools / "utilities").iterdir() if p.name != "__pycache__") == [
        "__init__.py",
        "jmespath_utils",
        "typing",
    ]


SAMPLES = {
    "LoginFunction": "login.json",
    "MeFunction": "me.json",  # no token: the 401 path, through the logger and metrics decorators
    "LogoutFunction": "logout-get.json",
    "EnrollFunction": "enrollments-list.json",
    "ProgressFunction": "badges-list.json",
    "TasksFunction": "tasks-status.json",
    "AccountFunction": "me-export.json",
    "CrmSyncFunction": "crm-sync-stream.json",  # CRM sync off: acknowledged without a call
    "CallbackFunction": "callback.json",
    "RefreshFunction": "refresh.json",
    "ThemeFunction": "theme-course-status.json",
    "CatalogFunction": "catalog.json",  # public: answers in full from the layer's catalog, no AWS call
    "CertificatesFunction": "certificates-list.json",
    "AwardsFunction": "awards-stream.json",  # DynamoDB refuses the connection: every record handed back
    "ErasureFunction": "erasure-stream.json",  # likewise: the request handed back, pending
}
PUBLIC = {"CatalogFunction"}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_handler_runs_on_the_slimmed_layer(function, slim_layer, secrets_extension, tmp_path):
    event = json.loads((ROOT / "events" / SAMPLES[function]).read_text())
    # Samples carry no valid credentials: each stops at its 4xx (or no-op) before any AWS call.
    event.pop("cookies", None)
    event.get("headers", {}).pop("authorization", None)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    code_dir = ROOT / FUNCTIONS[function]["CodeUri"]
    env = {
        **os.environ,  # with the secrets extension stand-in's port and session token (served from this process)
        **UNIT_ENV,
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",  # nothing listens: no call leaves the machine
        "PYTHONPATH": os.pathsep.join(
            [str(code_dir), str(slim_layer), str(ROOT / "layers/shared"), str(ROOT / "layers/catalog"), str(ROOT)]
        ),
    }
    report = report_of_child(CHILD, str(code_dir), str(event_file), env=env)
    assert report["powertools"].startswith(str(slim_layer))
    status = report["response"].get("statusCode")
    if status is not None:
        expected = range(200, 300) if function in PUBLIC else range(300, 500)
        assert status in expected, report["response"]
