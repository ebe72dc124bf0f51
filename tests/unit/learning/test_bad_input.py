"""Bad input on every write route: a 4xx JSON error that says what was wrong, and nothing written.

Each case runs against empty tables and asserts they are still empty afterwards; hostile values
must not be echoed back in the error.
"""

from __future__ import annotations

import json

import pytest

from tests.support.bad_input_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=[f"{c.method} {c.path.split('/')[1]}: {c.name}" for c in CASES])
def test_bad_input_is_a_clear_4xx_and_changes_nothing(case, api, stored):
    if case.raw:
        response = api.request(case.method, case.path, body=case.body, headers=case.headers)
    elif case.body is None:
        response = api.request(case.method, case.path, headers=case.headers)
    else:
        response = api.request(case.method, case.path, body=json.dumps(case.body), headers=case.headers)

    assert response.status == case.status, response.body
    assert response.headers["content-type"] == "application/json"
    assert response.body["error"] in ((case.error,) if isinstance(case.error, str) else case.error)
    assert set(response.body) <= {"error", "details"}
    for field_name, problem in (case.details or {}).items():
        assert problem in response.body["details"][field_name], response.body["details"]
    for hostile in ("<script>", "DROP TABLE", "<img", "\u0000", "someone-else"):
        assert hostile not in response.raw.decode("utf-8", "replace")
    assert stored("enrollments") == stored("progress") == stored("badges") == []


def test_the_table_is_at_least_25_cases():
    assert len(CASES) >= 25
