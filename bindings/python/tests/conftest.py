"""Shared helpers: the scenario fixtures and a partial JSON match with the
same semantics as the Rust runner's ``scenario::partial_match``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import practicetext as pt

SCENARIOS = Path(__file__).resolve().parents[3] / "tests" / "scenarios"
ORG = "happy-paws"


def scenario_paths() -> list[Path]:
    return sorted(SCENARIOS.glob("*.json"))


def _same_scalar(expected: Any, actual: Any) -> bool:
    # JSON has no int/bool confusion: True is not 1.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual)


def partial_match(expected: Any, actual: Any, path: str = "$") -> str | None:
    """None when ``actual`` holds everything ``expected`` names, else the first
    path that differs. Objects match on the keys the expectation names (an
    expected null also matches a missing key); arrays need the same length
    and match element by element; scalars must be equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, ev in expected.items():
            p = f"{path}.{key}"
            if key in actual:
                found = partial_match(ev, actual[key], p)
                if found:
                    return found
            elif ev is not None:
                return f"{p}: missing (expected {json.dumps(ev)})"
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (ev, av) in enumerate(zip(expected, actual)):
            found = partial_match(ev, av, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, (dict, list)) or isinstance(actual, (dict, list)):
        return f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}"
    if not _same_scalar(expected, actual):
        return f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}"
    return None


@pytest.fixture
def practice() -> pt.Practice:
    p = pt.Practice("memory")
    p.put_directory(pt.sample_directory())
    return p


def postgres_url() -> str:
    url = os.environ.get("PRACTICETEXT_PG_URL")
    if not url:
        pytest.fail(
            "PRACTICETEXT_PG_URL is not set: run under scripts/with-postgres.sh "
            "(make python-test does)"
        )
    return url
