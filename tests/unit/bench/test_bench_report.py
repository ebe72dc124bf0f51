"""`make bench` verdicts: the PASS/FAIL rows the issue's targets define, from a run's measurements."""

from __future__ import annotations

from bench import report
from bench.report import targets
from bench.subjects import FLOOR, REFERENCE


def _stat(median: float) -> dict:
    return {"median": median, "min": median, "max": median, "n": 1}


def _init(median_ms: float, **extra) -> dict:
    return {"init_ms": _stat(median_ms), "peak_rss_mb": _stat(40.0), **extra}


def _run(**cold) -> dict:
    return {
        "cold_init": {FLOOR: _init(100.0), REFERENCE: _init(200.0), **cold},
        "warm": {},
        "jwt": {
            "verify_us": _stat(60.0),
            "floor_us": _stat(35.0),
            "ratio": 60 / 35,
            "jwks_fetches": 1,
            "verifications": 1000,
        },
        "sizes": {"function_zip_bytes": {"me": 500}, "layer_unzipped_bytes": 1024},
        "progress_calls": {"1": {"status": 200, "dynamodb_calls": 1}, "100": {"status": 200, "dynamodb_calls": 1}},
    }


def _verdicts(results: dict) -> dict[str, str]:
    return {t.name: t.verdict for t in targets(results)}


def test_dynamodb_function_passes_at_1_3_floor_and_fails_above():
    assert _verdicts(_run(me=_init(130.0, uses_dynamodb=True)))["me: cold init / floor (a)"] == "PASS"
    assert _verdicts(_run(me=_init(131.0, uses_dynamodb=True)))["me: cold init / floor (a)"] == "FAIL"


def test_every_function_is_held_to_0_75_of_the_reference():
    assert _verdicts(_run(refresh=_init(150.0)))["refresh: cold init / reference (b)"] == "PASS"
    assert _verdicts(_run(refresh=_init(151.0)))["refresh: cold init / reference (b)"] == "FAIL"


def test_login_fails_when_it_loads_the_sdk_even_if_fast():
    fast_but_sdk = _init(40.0, sdk_loaded_at_init=[], sdk_loaded_serving=["boto3"])
    verdicts = _verdicts(_run(login=fast_but_sdk))
    assert verdicts["login: never imports boto3 (init and first requests)"] == "FAIL"
    assert verdicts["login: cold init / floor (a)"] == "PASS"


def test_login_must_stay_under_half_the_floor():
    slow = _init(51.0, sdk_loaded_at_init=[], sdk_loaded_serving=[])
    assert _verdicts(_run(login=slow))["login: cold init / floor (a)"] == "FAIL"


def test_a_function_that_failed_to_start_is_a_failure_not_a_pass():
    verdicts = _verdicts(_run(me={"error": "ConfigError: Missing required environment variable X"}))
    assert verdicts["me: cold init / reference (b)"] == "FAIL (not measured)"


def test_more_than_one_jwks_fetch_fails():
    results = _run()
    results["jwt"]["jwks_fetches"] = 2
    assert _verdicts(results)["JWKS fetches over 1000 verifications"] == "FAIL"


def test_a_full_jwt_verification_is_held_to_a_twentieth_of_a_warm_requests_floor():
    """A token is verified in full once per container, then remembered: what the full check may cost is judged
    against the warm request it delays, whose floor a slow machine slows alike."""
    row = "JWT verification in full (a token's first request) / warm GET /auth/me's floor"
    results = _run()
    results["warm"] = {"GET /auth/me": _warm(9.5, 9.0)}
    results["jwt"].update(verify_us=_stat(450.0))
    assert _verdicts(results)[row] == "PASS"
    results["jwt"].update(verify_us=_stat(460.0))
    assert _verdicts(results)[row] == "FAIL"
    del results["warm"]["GET /auth/me"]
    assert _verdicts(results)[row] == "FAIL (not measured)"


def test_progress_calls_must_not_grow_with_courses():
    results = _run()
    results["progress_calls"]["100"]["dynamodb_calls"] = 2
    assert _verdicts(results)["GET /progress DynamoDB calls with 1 / 10 / 100 courses"] == "FAIL"


def test_the_site_client_size_is_reported_as_the_browser_downloads_it():
    from bench.report import _site_client_line
    from bench.sizes import SITE_CLIENT, site_client

    size = site_client()
    assert size["bytes"] == len(SITE_CLIENT.read_bytes())
    assert 0 < size["gzip_bytes"] < size["bytes"]
    assert _site_client_line({"bytes": 25_600, "gzip_bytes": 7_168}) == (
        "- Site client (site/hhl.js): 25.0 KiB, 7.0 KiB gzipped"
    )
    assert _site_client_line({}) == "- Site client (site/hhl.js): n/a"


def _click(init_ms: float, first_click_ms: float, **extra) -> dict:
    return _init(init_ms, init_and_first_request_ms=_stat(first_click_ms), **extra)


def _with_floor_click(results: dict, floor_click_ms: float = 200.0) -> dict:
    results["cold_init"][FLOOR]["init_and_first_request_ms"] = _stat(floor_click_ms)
    return results


def test_first_click_of_a_dynamodb_function_must_be_at_most_0_8_of_the_floors():
    name = "me: first click (init + first request) / floor's"
    fast = _with_floor_click(_run(me=_click(60.0, 160.0, uses_dynamodb=True)))
    slow = _with_floor_click(_run(me=_click(60.0, 161.0, uses_dynamodb=True)))
    assert _verdicts(fast)[name] == "PASS"
    assert _verdicts(slow)[name] == "FAIL"


def test_me_enroll_and_progress_fail_when_serving_loads_the_sdk():
    for function in ("me", "enroll", "progress"):
        entry = _click(60.0, 100.0, uses_dynamodb=True, sdk_loaded_at_init=[], sdk_loaded_serving=["botocore.client"])
        verdicts = _verdicts(_with_floor_click(_run(**{function: entry})))
        assert verdicts[f"{function}: never imports boto3 (init and first requests)"] == "FAIL"


def _warm(handler_ms: float, floor_ms: float) -> dict:
    return {"handler_ms": _stat(handler_ms), "floor_ms": _stat(floor_ms), "ratio": handler_ms / floor_ms}


def test_warm_requests_are_held_to_1_1_of_their_floor():
    results = _run()
    results["warm"] = {"GET /auth/me": _warm(3.3, 3.0), "GET /badges": _warm(3.4, 3.0)}
    verdicts = _verdicts(results)
    assert verdicts["warm GET /auth/me / its floor"] == "PASS"
    assert verdicts["warm GET /badges / its floor"] == "FAIL"


def test_a_floor_under_half_a_getitem_passes_on_small_absolute_overhead_whatever_the_ratio():
    """Logout's revoke at the local hosted UI: 1.29x in one run and 2.12x in the next at load 3, for +0.15 /
    +0.56 ms. "Short" is against the same run's GetItem, not a fixed time: the machine's speed varies."""
    results = _run()
    results["warm"] = {
        "GET /auth/me": _warm(3.3, 3.1),
        "POST /auth/logout": _warm(2.0, 1.5),
        "GET /auth/logout": _warm(2.1, 1.5),
        "POST /enrollments": _warm(3.0, 2.6),  # shorter than the GetItem, but a DynamoDB call: the ratio holds
    }
    verdicts = _verdicts(results)
    assert verdicts["warm POST /auth/logout / its floor"] == "PASS"  # 1.33x but +0.5 ms
    assert verdicts["warm GET /auth/logout / its floor"] == "FAIL"  # +0.6 ms
    assert verdicts["warm POST /enrollments / its floor"] == "FAIL"  # 1.15x, +0.4 ms
    results["warm"]["GET /auth/me"] = _warm(2.9, 2.8)  # the revoke is more than half a GetItem: no allowance
    assert _verdicts(results)["warm POST /auth/logout / its floor"] == "FAIL"


def test_site_client_size_is_a_row_and_an_absent_file_is_not_a_pass():
    results = _run()
    assert _verdicts(results)["site client (site/hhl.js), as served"] == "FAIL (not measured)"
    results["sizes"]["site_client"] = {"bytes": 25 * 1024, "gzip_bytes": 8 * 1024}
    assert _verdicts(results)["site client (site/hhl.js), as served"] == "PASS"
    results["sizes"]["site_client"] = {"bytes": 40 * 1024, "gzip_bytes": 17 * 1024}
    assert _verdicts(results)["site client (site/hhl.js), as served"] == "FAIL"


def _all_pass_run() -> dict:
    results = _with_floor_click(_run())
    results["sizes"]["site_client"] = {"bytes": 1024, "gzip_bytes": 512}
    results["warm"] = {"GET /auth/me": {**_warm(3.1, 3.0), "dynamodb_calls": 1, "must_make": ["GetItem"]}}
    results["machine"] = {"cpu": "x", "nproc": 2, "load_average_start": "0.1", "python_cold": "3.13"}
    results["machine"]["python_warm"] = "3.11"
    results.update(date="2026-12-02 00:00 UTC", rounds=15)
    return results


def test_a_failed_row_never_rewrites_the_tracked_docs(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "UNTRUSTED_DIR", tmp_path / "local")
    doc, json_doc = tmp_path / "performance.md", tmp_path / "performance.json"
    doc.write_text("# Performance\n\nhand-written\n")
    good = _all_pass_run()
    assert all(t.passed for t in targets(good))
    assert report.write(good, targets(good), doc, json_doc) == (doc, json_doc)
    tracked = doc.read_text()

    bad = _all_pass_run()
    bad["jwt"]["jwks_fetches"] = 2
    written = report.write(bad, targets(bad), doc, json_doc)
    assert written == (tmp_path / "local" / "performance.md", tmp_path / "local" / "performance.json")
    assert doc.read_text() == tracked
    assert "hand-written" in written[0].read_text() and "FAIL" in written[0].read_text()


def test_a_run_on_a_busy_machine_never_rewrites_the_tracked_docs(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "UNTRUSTED_DIR", tmp_path / "local")
    busy = _all_pass_run()
    busy["machine"]["busy"] = "load average 6.00 on 2 cores"
    doc, _ = report.write(busy, targets(busy), tmp_path / "performance.md", tmp_path / "performance.json")
    assert doc.parent == tmp_path / "local"


def test_callback_without_a_replayable_first_request_is_judged_on_its_init():
    row = "callback: never imports boto3 (init and first requests)"
    clean = _verdicts(_run(callback=_init(60.0, uses_dynamodb=True, sdk_loaded_at_init=[])))
    assert clean[row] == "PASS"
    dirty = _verdicts(_run(callback=_init(60.0, uses_dynamodb=True, sdk_loaded_at_init=["boto3"])))
    assert dirty[row] == "FAIL"


def test_task_route_calls_must_not_grow_with_the_modules_touched():
    results = _run()
    results["tasks_calls"] = {
        "GET /module/progress": {n: {"status": 200, "dynamodb_calls": 1} for n in ("1", "10", "100")},
        "POST /tasks/quiz/submit": {n: {"status": 200, "dynamodb_calls": 7} for n in ("1", "10", "100")},
    }
    rows = "DynamoDB calls with 1 / 10 / 100 other modules touched"
    assert _verdicts(results)[f"GET /module/progress {rows}"] == "PASS"
    results["tasks_calls"]["POST /tasks/quiz/submit"]["100"]["dynamodb_calls"] = 8
    assert _verdicts(results)[f"POST /tasks/quiz/submit {rows}"] == "FAIL"
    results["tasks_calls"]["GET /module/progress"]["10"]["status"] = 500
    assert _verdicts(results)[f"GET /module/progress {rows}"] == "FAIL"


def test_status_route_calls_must_not_grow_with_the_modules_in_the_course():
    results = _run()
    results["theme_calls"] = {
        "GET /course/status": {n: {"status": 200, "dynamodb_calls": 2} for n in ("3", "30", "300")},
        "GET /pathway/status": {n: {"status": 200, "dynamodb_calls": 2} for n in ("3", "30", "300")},
    }
    rows = "DynamoDB calls with 3 / 30 / 300 modules in the course"
    assert _verdicts(results)[f"GET /course/status {rows}"] == "PASS"
    assert _verdicts(results)[f"GET /pathway/status {rows}"] == "PASS"
    results["theme_calls"]["GET /course/status"]["300"]["dynamodb_calls"] = 3
    assert _verdicts(results)[f"GET /course/status {rows}"] == "FAIL"
    results["theme_calls"]["GET /pathway/status"]["30"]["status"] = 400
    assert _verdicts(results)[f"GET /pathway/status {rows}"] == "FAIL"
