"""A practice over a store from Python: the engine on the memory store
(C1, C4, C6, C7, V1-V10), the engine on SQLite and PostgreSQL, mass
alerts (B1-B9), host transports and clocks, and the GIL released around
store calls."""

from __future__ import annotations

import threading
import time
import uuid
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


def test_c1_sqlite_runs_the_engine_and_keeps_everything(tmp_path: Path) -> None:
    spec = f"sqlite:{tmp_path / 'practice.db'}"
    first = pt.Practice(spec)
    assert first.store_kind == "sqlite"
    first.put_directory(pt.sample_directory())
    assert first.handle_inbound(STOP)["outcome"] == "handled"
    del first
    again = pt.Practice(spec)
    assert again.directory({"organization": ORG})["organization"]["name"] == "Happy Paws Veterinary"
    assert again.handle_inbound(STOP)["outcome"] == "duplicate"
    assert again.consent({"organization": ORG, "number": "+14162530000"})["opted_out"] is True
    (check,) = again.can_send({"organization": ORG, "user": "alice", "to": [{"typed": "416-253-0000"}], "body": "Hi"})
    assert [r["code"] for r in check["refusals"]] == ["recipient_opted_out"]


def test_c1_v1_postgres_runs_the_engine_and_the_inbox() -> None:
    p = pt.Practice(postgres_url())
    assert p.store_kind == "postgres"
    org = f"py-test-{uuid.uuid4().hex[:12]}"
    d = pt.sample_directory()
    d["organization"]["id"] = org
    for record in d["users"] + d["groups"] + d["numbers"]:
        record["organization"] = org
    for n in d["numbers"]:
        n["number"] = "+1416" + n["number"][5:]
    for u in d["users"]:
        u["outbound_number"] = "+1416" + u["outbound_number"][5:]
        u["assigned_numbers"] = ["+1416" + a[5:] for a in u["assigned_numbers"]]
    p.put_directory(d)
    assert p.directory({"organization": org})["users"][0]["username"] == "alice"
    stop = {"from": "+16042530000", "to": "+14162530001", "body": "STOP", "provider_id": f"SM-{org}"}
    assert p.handle_inbound(stop)["outcome"] == "handled"
    assert p.handle_inbound(stop)["outcome"] == "duplicate"
    (check,) = p.can_send({"organization": org, "user": "alice", "to": [{"typed": "604-253-0000"}], "body": "x"})
    assert [r["code"] for r in check["refusals"]] == ["recipient_opted_out"]
    (conversation,) = p.conversations({"organization": org})
    assert conversation["participants"]["outside_number"] == "+16042530000"
    assert len(p.messages({"organization": org, "conversation": conversation["id"]})) >= 1


def _alert(clients: list[dict[str, Any]], appointments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "request": {
            "organization": ORG,
            "sender": "alice",
            "range": {"preset": "custom", "start": "2026-11-23T15:00:00Z", "end": "2026-11-24T15:00:00Z"},
            "message": "The power is out; we will call you to rebook.",
            "pace": 60,
        },
        "clients": clients,
        "appointments": appointments,
    }


@pytest.mark.parametrize("store", ["memory", "sqlite::memory:"])
def test_b3_b4_b5_b7_broadcast_preflight_start_run_and_report(store: str) -> None:
    now = [datetime(2026, 11, 23, 15, 0, 0, tzinfo=timezone.utc)]
    p = pt.Practice(store, clock=lambda: now[0])
    p.put_directory(pt.sample_directory())
    p.handle_inbound(STOP)
    p.take_sent()
    clients = [
        {"id": "c1", "first_name": "Ann", "last_name": "Lee", "cell_phone": "(416) 253-0001"},
        {"id": "c2", "first_name": "Cy", "last_name": "Opt", "cell_phone": "(416) 253-0000"},
    ]
    appts = [
        {"id": "a1", "client": "c1", "starts_at": "2026-11-23T18:00:00Z"},
        {"id": "a2", "client": "c2", "starts_at": "2026-11-23T19:00:00Z"},
    ]
    plan = p.broadcast_preflight(_alert(clients, appts))
    assert plan["counts"]["recipients"] == 1
    assert [x["reason"]["code"] for x in plan["excluded"]] == ["opted_out"]
    with pytest.raises(pt.BroadcastError) as e:
        p.broadcast_start({**_alert(clients, appts), "confirm": "not-the-token"})
    assert e.value.code == "confirmation_mismatch"
    assert isinstance(e.value, pt.PracticetextError)
    b = p.broadcast_start({**_alert(clients, appts), "confirm": plan["token"]})
    run = {"organization": ORG, "broadcast": b["id"]}
    first = p.broadcast_run(run)
    assert [s["step"] for s in first["steps"]] == ["sent", "wait"]
    assert first["summary"]["status"] == {"status": "all_sent"}
    now[0] = datetime.fromisoformat(first["wait_until"].replace("Z", "+00:00"))
    assert p.broadcast_run(run)["done"] is True
    assert [s["to"] for s in p.take_sent()["sms"]] == ["+14162530001"]
    report = p.broadcast_report(run)
    assert len(report["rows"]) == 2 and report["csv"].startswith("Client Full Name")
    assert len(p.broadcast_activity({"organization": ORG})) == 1


def test_b1_broadcast_refusals_are_broadcast_errors(practice: pt.Practice) -> None:
    req = _alert([], [])
    req["request"]["sender"] = "bob"
    with pytest.raises(pt.BroadcastError) as e:
        practice.broadcast_preflight(req)
    assert e.value.code == "broadcast_refused"
    assert "not_admin" in [r["code"] for r in e.value.reasons]
    assert all(r["message"] for r in e.value.reasons)
    with pytest.raises(pt.BroadcastError) as n:
        practice.broadcast_run({"organization": ORG, "broadcast": "nope"})
    assert n.value.code == "broadcast_not_found"
    assert n.value.reasons == []


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
