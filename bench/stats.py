"""Medians with their spread: the bench never quotes a lone number."""

from __future__ import annotations

import statistics


def summarize(values: list[float]) -> dict:
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def ratio(numerator: dict | None, denominator: dict | None) -> float | None:
    if not numerator or not denominator or not numerator.get("median") or not denominator.get("median"):
        return None
    return numerator["median"] / denominator["median"]
