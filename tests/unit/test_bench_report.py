"""`make bench` verdicts: the PASS/FAIL rows the issue's targets define, from a run's measurements."""

from __future__ import annotations

from bench.report import targets
from bench.subjects import FLOOR, REFERENCE


def _init(median_ms: float, **extra) -> dict:
    return {"init_ms": {"median": median_ms}, "peak_rss_mb": {"median": 40.0}, **extra}


def _run(**cold) -> dict:
    return {
        "cold_init": {FLOOR: _init(100.0), REFERENCE: _init(200.0), **cold},
        "warm": {},
        "jwt": {"verify_us": {"median": 60.0}, "jwks_fetches": 1, "verifications": 1000},
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
