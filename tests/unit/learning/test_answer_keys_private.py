"""Answer keys stay on the server's side of every door: the catalog function, which answers anyone, never
even opens answer_keys.json (it is read only when a quiz is graded), and what it serves holds no key."""

from __future__ import annotations

import os

from kit.template import ROOT
from tests.catalog_dirs import FIXTURE_CONTENT
from tests.support.child_process import report_of_child
from tests.support.unit_env import UNIT_ENV
from tools.content_catalog import compile_tree, write_compiled

# In a fresh interpreter, as Lambda runs the catalog function: init, one GET /catalog, then (the control
# that proves the audit hook sees the file) the first quiz() call of a grading function. Reports every
# file opened in each phase.
CHILD = """
import json, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
sys.path.insert(0, sys.argv[1])
from local.lambda_context import LambdaContext
import app
response = app.handler(json.load(open(sys.argv[2])), LambdaContext())
serving = list(opened)
from hhl.learning.catalog import quiz
quiz("soil-and-compost")
print(json.dumps({"serving": serving, "grading": opened[len(serving):], "response": response}))
"""


def test_the_catalog_function_never_opens_the_answer_keys(tmp_path):
    compiled = tmp_path / "catalog"
    write_compiled(compile_tree(FIXTURE_CONTENT), compiled)
    env = {
        **os.environ,
        **UNIT_ENV,
        "HHL_CATALOG_DIR": str(compiled),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/shared"), str(ROOT / "layers/catalog"), str(ROOT)]),
    }
    report = report_of_child(CHILD, str(ROOT / "functions/catalog"), str(ROOT / "events/catalog.json"), env=env)
    assert report["response"]["statusCode"] == 200
    assert str(compiled / "catalog.json") in report["serving"]
    assert not [path for path in report["serving"] if path.endswith("answer_keys.json")]
    assert str(compiled / "answer_keys.json") in report["grading"]  # the hook does see it when it is read
    body = report["response"]["body"]
    assert "correct" not in body and "Vegetable peelings" not in body
