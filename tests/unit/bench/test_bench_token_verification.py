"""The light verification measurement: a full check and a remembered one, of a token this layer accepts."""

from __future__ import annotations

from bench.token_verification import LAYER, measure


def test_a_remembered_token_is_measured_cheaper_than_a_full_verification():
    result = measure(LAYER, rounds=20)
    assert result["in_full_us"]["n"] == result["remembered_us"]["n"] == 20
    assert result["remembered_us"]["median"] * 10 < result["in_full_us"]["median"]
