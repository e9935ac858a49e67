"""Every error area of the library has its own exception class under
PracticetextError, and each raises with the core's code."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import practicetext as pt
from conftest import ORG

BAD_ALERT: dict[str, Any] = {
    "request": {
        "organization": ORG,
        "sender": "bob",
        "range": {"preset": "rest_of_today"},
        "message": "x",
    }
}


def _raising_clock() -> Any:
    raise RuntimeError("clock down")


def _cases() -> list[tuple[str, type[pt.PracticetextError], str, Callable[[pt.Practice], Any]]]:
    return [
        ("phone", pt.PhoneError, "too_short", lambda p: pt.parse_phone("911")),
        ("text", pt.TextError, "invalid_policy", lambda p: pt.Checker({"cannabis_terms": ["!"]})),
        ("store", pt.StoreError, "invalid_store_spec", lambda p: pt.Practice("mysql://x")),
        ("input", pt.InputError, "invalid_argument", lambda p: pt.parse_phone(None)),  # type: ignore[arg-type]
        ("directory", pt.DirectoryError, "duplicate_user", lambda p: p.put_directory(_duplicate_user())),
        (
            "engine",
            pt.EngineError,
            "unknown_number",
            lambda p: p.handle_inbound({"from": "+14162530000", "to": "+16502539999", "body": "hi"}),
        ),
        (
            "inbox",
            pt.InboxError,
            "conversation_not_found",
            lambda p: p.messages({"organization": ORG, "conversation": "nope"}),
        ),
        ("scenario", pt.ScenarioError, "invalid_scenario", lambda p: pt.replay_scenario({"name": "x", "directory": "nowhere", "events": []})),
        ("broadcast", pt.BroadcastError, "broadcast_refused", lambda p: p.broadcast_preflight(BAD_ALERT)),
        (
            "broadcast",
            pt.BroadcastError,
            "broadcast_not_found",
            lambda p: p.broadcast_report({"organization": ORG, "broadcast": "nope"}),
        ),
        ("host", pt.HostError, "host_clock_failed", lambda p: _clocked().login({"organization": ORG, "user": "bob"})),
    ]


def _duplicate_user() -> Any:
    d = pt.sample_directory()
    d["users"][1]["username"] = "alice"
    return d


def _clocked() -> pt.Practice:
    p = pt.Practice("memory", clock=_raising_clock)
    p.put_directory(pt.sample_directory())
    return p


@pytest.mark.parametrize("area,cls,code,call", _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_area_raises_its_class_with_the_core_code(
    practice: pt.Practice, area: str, cls: type[pt.PracticetextError], code: str, call: Callable[[pt.Practice], Any]
) -> None:
    with pytest.raises(cls) as e:
        call(practice)
    assert type(e.value) is cls, area
    assert isinstance(e.value, pt.PracticetextError)
    assert e.value.code == code


def test_every_area_class_is_exported_under_the_base() -> None:
    names = [
        "PhoneError", "EmailError", "DirectoryError", "HoursError", "EngineError", "ScenarioError",
        "StoreError", "WebhookError", "SecureError", "TextError", "InboxError", "BroadcastError",
        "InputError", "HostError",
    ]
    for name in names:
        cls = getattr(pt, name)
        assert issubclass(cls, pt.PracticetextError), name
        assert name in pt.__all__
    assert pt.BroadcastError("confirmation_mismatch", "m").code == "confirmation_mismatch"
