"""A practice over a store from Python: the engine on the memory store
(C1, C4, C6, C7, V1-V10), host transports and clocks, the SQL stores'
directory, and the GIL released around store calls."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import practicetext as pt
from conftest import ORG, postgres_url

STOP = {"from": "+14162530000", "to": "+16502530001", "body": "STOP", "provider_id": "SM1"}


def test_c1_c4_v10_stop_opts_out_confirms_once_and_a_repeat_changes_nothing(
    practice: pt.Practice,
) -> None:
    out = practice.handle_inbound(STOP)
    assert out["outcome"] == "handled"
    assert out["decision"]["consent_change"]["action"] == "opt_out"
    sent = practice.take_sent()
    assert [s["to"] for s in sent["sms"]] == ["+14162530000"]
    assert practice.handle_inbound(STOP)["outcome"] == "duplicate"
    assert practice.take_sent()["sms"] == []
    state = practice.consent({"organization": ORG, "number": "416-253-0000"})
    assert state["opted_out"] is True
    assert len(practice.consent_history({"organization": ORG})) == 1


def test_c4_send_to_an_opted_out_number_is_refused(practice: pt.Practice) -> None:
    practice.handle_inbound(STOP)
    req = {"organization": ORG, "user": "alice", "to": [{"typed": "416-253-0000"}], "body": "Hi"}
    (check,) = practice.can_send(req)
    assert check["allowed"] is False
    assert [r["code"] for r in check["refusals"]] == ["recipient_opted_out"]


def test_c6_c7_block_is_recorded_with_the_staff_member(practice: pt.Practice) -> None:
    t = practice.set_blocked({"organization": ORG, "number": "+14162530000", "blocked": True, "by": "alice"})
    assert t["after"]["blocked"] is True
    (change,) = practice.consent_history({"organization": ORG, "number": "+14162530000"})
    assert change["source"] == {"kind": "staff", "username": "alice"}


def test_r2_send_goes_out_through_a_python_transport() -> None:
    sent: list[dict[str, Any]] = []

    class Provider:
        def send_sms(self, sms: dict[str, Any]) -> str:
            sent.append(sms)
            return f"SM{len(sent)}"

        def send_email(self, email: dict[str, Any]) -> None:
            pass

    p = pt.Practice("memory", transport=Provider())
    p.put_directory(pt.sample_directory())
    (out,) = p.send({"organization": ORG, "user": "bob", "to": [{"typed": "416-253-0000"}], "body": "Hi"})
    assert out["delivered"]["provider_id"] == "SM1"
    assert sent == [{"organization": ORG, "from": "+16502530002", "to": "+14162530000", "body": "Hi"}]
    assert p.take_sent() == {"sms": [], "emails": []}


def test_transport_refusals_and_outages_are_reported_per_recipient() -> None:
    class Refusing:
        def send_sms(self, sms: dict[str, Any]) -> str:
            raise pt.TransportRejected("unsubscribed recipient", provider_code=21610)

        def send_email(self, email: dict[str, Any]) -> None:
            pass

    class Down(Refusing):
        def send_sms(self, sms: dict[str, Any]) -> str:
            raise ConnectionError("provider unreachable")

    for transport, expect in [(Refusing(), "refused"), (Down(), "could not be reached")]:
        p = pt.Practice("memory", transport=transport)
        p.put_directory(pt.sample_directory())
        (out,) = p.send({"organization": ORG, "user": "bob", "to": [{"typed": "416-253-0000"}], "body": "Hi"})
        assert expect in out["delivered"]["error"]
        assert out["delivered"]["provider_id"] is None


def test_a_host_clock_sets_the_time_and_a_failing_one_raises_host_error() -> None:
    fixed = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    now: list[Any] = [fixed]
    p = pt.Practice("memory", clock=lambda: now[0])
    p.put_directory(pt.sample_directory())
    c = p.start_conversation(
        {"organization": ORG, "our_number": "+16502530001", "outside_number": "+14162530000", "started_by": "alice"}
    )
    assert c["started_at"] == "2026-03-04T05:06:07Z"
    now[0] = datetime(2026, 3, 4, 5, 6, 7)  # naive: refused
    with pytest.raises(pt.HostError) as e:
        p.login({"organization": ORG, "user": "alice"})
    assert e.value.code == "host_clock_failed"


def test_v1_v3_v5_conversations_from_python(practice: pt.Practice) -> None:
    out = practice.handle_inbound({"from": "+14162530000", "to": "+16502530001", "body": "Hello"})
    conv = out["conversation"]
    (c,) = practice.conversations({"organization": ORG, "status": "active"})
    assert c["id"] == conv
    (m,) = practice.messages({"organization": ORG, "conversation": conv})
    assert m["body"] == "Hello"
    practice.mark_read({"organization": ORG, "user": "alice", "conversation": conv})
    assert practice.login({"organization": ORG, "user": "alice"})["total"] == 0
    entry = practice.close_conversation({"organization": ORG, "conversation": conv, "by": "alice"})
    assert entry["conversation"]["status"] == "closed"
    with pytest.raises(pt.InboxError) as e:
        practice.close_conversation({"organization": ORG, "conversation": conv, "by": "alice"})
    assert e.value.code == "conversation_closed"
    assert practice.delete_conversation({"organization": ORG, "conversation": conv})["messages"] == 1


def test_v4_assign_to_a_new_client(practice: pt.Practice) -> None:
    c = practice.start_conversation(
        {"organization": ORG, "our_number": "+16502530001", "outside_number": "+14162530000", "started_by": "alice"}
    )
    a = practice.assign_conversation(
        {
            "organization": ORG,
            "conversation": c["id"],
            "assign": {"to": "new", "client": {"id": "c1", "organization": ORG, "kind": "patient"}},
        }
    )
    assert a["cell_phone"] == "set"
    assert practice.client({"organization": ORG, "client": "c1"})["cell_phone"] == "+14162530000"
    assert practice.client({"organization": ORG, "client": "nobody"}) is None


def test_engine_errors_keep_their_area(practice: pt.Practice) -> None:
    with pytest.raises(pt.EngineError) as e:
        practice.handle_inbound({"from": "+14162530000", "to": "+16502539999", "body": "hi"})
    assert e.value.code == "unknown_number"
    bad = pt.sample_directory()
    bad["users"][1]["username"] = "alice"
    with pytest.raises(pt.DirectoryError) as d:
        practice.put_directory(bad)
    assert d.value.code == "duplicate_user"


def test_sqlite_keeps_the_directory_and_refuses_engine_calls_for_now(tmp_path: Path) -> None:
    spec = f"sqlite:{tmp_path / 'practice.db'}"
    first = pt.Practice(spec)
    assert first.store_kind == "sqlite"
    first.put_directory(pt.sample_directory())
    del first
    again = pt.Practice(spec)
    assert again.directory({"organization": ORG})["organization"]["name"] == "Happy Paws Veterinary"
    with pytest.raises(pt.StoreError) as e:
        again.handle_inbound(STOP)
    assert e.value.code == "store_not_supported"


def test_postgres_keeps_the_directory_and_refuses_engine_calls_for_now() -> None:
    p = pt.Practice(postgres_url())
    assert p.store_kind == "postgres"
    d = pt.sample_directory()
    d["organization"]["id"] = "py-test-org"
    for record in d["users"] + d["groups"] + d["numbers"]:
        record["organization"] = "py-test-org"
    for n in d["numbers"]:
        n["number"] = "+1416" + n["number"][5:]
    p.put_directory(d)
    assert p.directory({"organization": "py-test-org"})["users"][0]["username"] == "alice"
    with pytest.raises(pt.StoreError) as e:
        p.can_send({"organization": "py-test-org", "user": "alice", "to": [], "body": "x"})
    assert e.value.code == "store_not_supported"


def test_calls_run_without_the_gil() -> None:
    """While a long call runs in a thread, this thread keeps running."""
    texts = ["a" * 20_000] * 300
    gaps: list[float] = []
    worker = threading.Thread(target=lambda: pt.count_segments_batch(texts))
    start = time.perf_counter()
    worker.start()
    last = time.perf_counter()
    while worker.is_alive():
        t = time.perf_counter()
        gaps.append(t - last)
        last = t
    took = time.perf_counter() - start
    assert took > 0.02, "the call was too short to tell"
    assert max(gaps) < took / 2, (max(gaps), took)
