"""Every JSON scenario in tests/scenarios runs through the Python binding,
and this file checks each step's expectation itself (SPEC R1-R7, A1-A5,
C1-C7, X4, V10: the rules the fixtures name)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import practicetext as pt
from conftest import partial_match, scenario_paths

PATHS = scenario_paths()


def test_the_fixtures_are_all_there() -> None:
    assert len(PATHS) >= 51


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_scenario_matches_its_expectations(path: Path) -> None:
    scenario = json.loads(path.read_text())
    assert scenario["rules"], f"{path.name} names no SPEC rule"
    steps = pt.replay_scenario(scenario)
    assert len(steps) == len(scenario["events"])
    for event, step in zip(scenario["events"], steps):
        if "expect" not in event:
            continue
        mismatch = partial_match(event["expect"], step["actual"])
        assert mismatch is None, f"{scenario['name']} step {step['step']}: {mismatch}"
        # The Rust runner judged the same step the same way.
        assert step["mismatch"] is None


def test_a_broken_expectation_fails_here_too() -> None:
    scenario = json.loads((PATHS[0].parent / "c1_stop_with_punctuation_opts_out.json").read_text())
    steps = pt.replay_scenario(json.dumps(scenario))
    broken = copy.deepcopy(scenario["events"][0]["expect"])
    broken["sent"] = []
    assert partial_match(broken, steps[0]["actual"]) is not None
    broken = copy.deepcopy(scenario["events"][0]["expect"])
    broken["result"]["decision"]["classification"]["action"] = "none"
    assert "classification.action" in (partial_match(broken, steps[0]["actual"]) or "")


def test_partial_match_semantics() -> None:
    actual = {"a": 1, "b": {"c": [1, 2], "d": "x"}, "t": True}
    assert partial_match({"b": {"d": "x"}}, actual) is None
    assert partial_match({"b": {"c": [1]}}, actual) is not None
    assert partial_match({"z": None}, actual) is None
    assert partial_match({"z": 1}, actual) is not None
    assert partial_match({"t": 1}, actual) is not None
    assert partial_match({"a": None}, actual) is not None


def test_a_malformed_scenario_is_refused_with_a_code() -> None:
    with pytest.raises(pt.ScenarioError) as e:
        pt.replay_scenario({"name": "x", "directory": "nowhere", "events": []})
    assert e.value.code == "invalid_scenario"
    with pytest.raises(pt.InputError) as bad:
        pt.replay_scenario("{")
    assert bad.value.code == "bad_input"
