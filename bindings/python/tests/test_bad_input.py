"""Bad input from Python never crashes: it raises InputError (also a
TypeError and ValueError) with a code, or the area's error."""

from __future__ import annotations

from typing import Any

import pytest

import practicetext as pt


@pytest.mark.parametrize("value", [None, 6502530000, b"6502530000", ["650"], object()])
@pytest.mark.parametrize(
    "call",
    [pt.parse_phone, pt.count_segments, pt.check_text, pt.classify_keyword],
    ids=lambda f: f.__name__,
)
def test_wrong_types_raise_input_error_with_a_code(call: Any, value: Any) -> None:
    with pytest.raises(pt.InputError) as e:
        call(value)
    assert e.value.code == "invalid_argument"
    assert isinstance(e.value, TypeError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    "call",
    [pt.parse_phone, pt.count_segments, pt.check_text, pt.classify_keyword],
    ids=lambda f: f.__name__,
)
def test_lone_surrogates_are_invalid_unicode(call: Any) -> None:
    with pytest.raises(pt.InputError) as e:
        call("650\ud800253")
    assert e.value.code == "invalid_unicode"


def test_batches_name_the_bad_item() -> None:
    with pytest.raises(pt.InputError) as e:
        pt.parse_phones(["6502530000", None])  # type: ignore[list-item]
    assert e.value.code == "invalid_argument" and "numbers[1]" in e.value.message
    with pytest.raises(pt.InputError) as s:
        pt.count_segments_batch(["ok", "\udfff"])
    assert s.value.code == "invalid_unicode" and "texts[1]" in s.value.message
    with pytest.raises(pt.InputError):
        pt.parse_phones("6502530000")
    with pytest.raises(pt.InputError):
        pt.classify_keywords(None)  # type: ignore[arg-type]


def test_flags_and_modes_are_checked() -> None:
    with pytest.raises(pt.InputError) as e:
        pt.classify_keyword("YES", 1)  # type: ignore[arg-type]
    assert e.value.code == "invalid_argument"
    with pytest.raises(pt.InputError):
        pt.check_text("hi", "BROADCAST")  # type: ignore[arg-type]
    assert pt.check_text("hi", None).verdict == "ok"  # None means the default


def test_huge_strings_are_answered_not_crashed() -> None:
    huge = "a" * 10_000_000
    with pytest.raises(pt.PhoneError) as e:
        pt.parse_phone(huge)
    assert e.value.code == "too_long"
    assert pt.count_segments(huge).segments > 60_000
    assert pt.classify_keyword(huge).action == "none"
    assert pt.check_text("STOP " * 100_000).segments.segments > 1


def test_json_requests_refuse_bad_shapes_with_codes(practice: pt.Practice) -> None:
    cases: list[tuple[Any, str]] = [
        (None, "invalid_argument"),
        (object(), "invalid_argument"),
        ({"x": float("nan")}, "bad_input"),
        ("{not json", "bad_input"),
        ([], "bad_input"),
        ({"from": "+14162530000", "to": "+16502530001"}, "bad_input"),
        ({"from": "+14162530000", "to": "+16502530001", "body": "x", "media_count": -1}, "bad_input"),
        ({"from": None, "to": "+16502530001", "body": "x"}, "bad_input"),
    ]
    for request, code in cases:
        with pytest.raises(pt.InputError) as e:
            practice.handle_inbound(request)
        assert e.value.code == code, request


def test_bad_input_messages_do_not_echo_patient_data(practice: pt.Practice) -> None:
    with pytest.raises(pt.InputError) as e:
        practice.handle_inbound({"from": "+14162530000", "to": "+44 20 7946 0958", "body": "x"})
    assert e.value.code == "bad_input"
    assert "7946" not in e.value.message and "not_north_american" in e.value.message


def test_store_spec_errors() -> None:
    with pytest.raises(pt.StoreError) as e:
        pt.Practice("mysql://x")
    assert e.value.code == "invalid_store_spec"
    with pytest.raises(pt.InputError):
        pt.Practice(42)  # type: ignore[arg-type]
    with pytest.raises(pt.StoreError) as o:
        pt.Practice("sqlite:/nonexistent-dir/x/y.db")
    assert o.value.code == "store_open_failed"


def test_broadcast_requests_refuse_negative_numbers_and_wrong_types(practice: pt.Practice) -> None:
    base: dict[str, Any] = {
        "request": {
            "organization": "happy-paws",
            "sender": "alice",
            "range": {"preset": "whole_days", "first_day": "2026-11-24", "days": 1},
            "message": "x",
        }
    }
    cases: list[Any] = [
        {**base, "request": {**base["request"], "pace": -5}},
        {**base, "request": {**base["request"], "range": {"preset": "whole_days", "first_day": "2026-11-24", "days": -1}}},
        {**base, "clients": "everyone"},
        {**base, "appointments": [{"id": "a", "client": "c", "starts_at": 5}]},
    ]
    for request in cases:
        with pytest.raises(pt.InputError) as e:
            practice.broadcast_preflight(request)
        assert e.value.code == "bad_input", request
    runs: list[dict[str, Any]] = [
        {"organization": "happy-paws", "broadcast": "b", "max_steps": -1},
        {"organization": "happy-paws", "broadcast": "b", "conversations_waiting": -1},
        {"organization": "happy-paws", "broadcast": None},
    ]
    for run in runs:
        with pytest.raises(pt.InputError) as r:
            practice.broadcast_run(run)
        assert r.value.code == "bad_input", run
    with pytest.raises(pt.InputError) as n:
        practice.broadcast_start(None)  # type: ignore[arg-type]
    assert n.value.code == "invalid_argument"


def test_lone_surrogates_inside_json_requests_are_refused(practice: pt.Practice) -> None:
    with pytest.raises(pt.InputError) as e:
        practice.handle_inbound({"from": "+14162530000", "to": "+16502530001", "body": "hi \ud800"})
    assert e.value.code == "bad_input"
    with pytest.raises(pt.InputError) as s:
        practice.handle_inbound('{"from": "+14162530000", "to": "+16502530001", "body": "\ud800"}')
    assert s.value.code == "invalid_unicode"
    with pytest.raises(pt.InputError) as c:
        pt.check_recipient({"kind": "patient", "first_name": "\udc00"})
    assert c.value.code == "bad_input"


def test_a_huge_json_request_is_answered(practice: pt.Practice) -> None:
    out = practice.handle_inbound({"from": "+14162530000", "to": "+16502530001", "body": "a" * 10_000_000})
    assert out["outcome"] == "handled"
    with pytest.raises(pt.InputError) as e:
        practice.handle_inbound("[" * 10_000_000)
    assert e.value.code == "bad_input"
