"""A practice-management system's texting hooks, in Python.

Two hooks a PMS would call: when an appointment is created, ask
practicetext whether the reminder may go out (``can_send``) and send it or
show the staff why not; when the provider posts an inbound text, let
practicetext handle it and act on the decision (an opt-out marks the client
"no texts", a possible cancellation opens a task for the front desk).

Run: ``make python-test`` (it runs this after the suite), or after
``maturin develop -m bindings/python/Cargo.toml``:
``python examples/python_practice_hook.py``. Exits 1 if the library
answers differently from what the hooks expect.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import practicetext as pt

ORG = "happy-paws"


class Provider:
    """The host's SMS provider; a real one calls Twilio, Bandwidth, ..."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_sms(self, sms: dict[str, Any]) -> str:
        self.sent.append(sms)
        return f"SM{len(self.sent):04}"

    def send_email(self, email: dict[str, Any]) -> None:
        pass


@dataclass
class Pms:
    """The slice of a practice-management system the hooks touch."""

    practice: pt.Practice
    no_texts: set[str] = field(default_factory=set)
    tasks: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def on_appointment_created(self, client_phone: str, pet: str, when: str, body: str | None = None) -> bool:
        """Queues the reminder if practicetext allows it; True when it went out."""
        text = body or f"Happy Paws: {pet}'s visit is {when}. Reply STOP to opt out."
        request = {"organization": ORG, "user": "bob", "to": [{"typed": client_phone}], "body": text}
        (check,) = self.practice.can_send(request)
        if not check["allowed"]:
            # Every reason, each with a stable code and a sentence for staff.
            reasons = "; ".join(f"{r['code']}: {r['message']}" for r in check["refusals"])
            self.log.append(f"reminder for {pet} not sent: {reasons}")
            return False
        (outcome,) = self.practice.send(request)
        self.log.append(f"reminder for {pet} sent as {outcome['delivered']['provider_id']}")
        return outcome["delivered"]["error"] is None

    def on_inbound_webhook(self, form: dict[str, str]) -> dict[str, Any]:
        """The provider's inbound webhook, already verified by the web layer."""
        out = self.practice.handle_inbound(
            {"from": form["From"], "to": form["To"], "body": form["Body"], "provider_id": form["MessageSid"]}
        )
        if out["outcome"] == "duplicate":
            return out  # a retried delivery: already handled (V10)
        decision = out["decision"]
        change = decision.get("consent_change")
        if change and change["action"] == "opt_out":
            self.no_texts.add(change["number"])
        if change and change["action"] == "opt_in":
            self.no_texts.discard(change["number"])
        if "possible_cancellation" in decision["classification"]["flags"]:
            self.tasks.append(f"call {form['From']}: they may want to cancel")
        return out


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    provider = Provider()
    # Tuesday 10:00 in New York: inside business hours, a fixed clock.
    now = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
    # "memory" here; "sqlite:/path/practice.db" or "postgresql://..." in
    # production once the bindings' SQL stores carry every port (today
    # they keep the directory only, and can_send says so with a
    # StoreError, code "store_not_supported").
    practice = pt.Practice("memory", transport=provider, clock=lambda: now)
    practice.put_directory(pt.sample_directory())
    pms = Pms(practice)

    check(pms.on_appointment_created("(416) 253-0000", "Rex", "tomorrow at 9:30"), "a reminder goes out")
    check(provider.sent[-1]["to"] == "+14162530000", "sent to the client's number in E.164")

    check(
        not pms.on_appointment_created("416-253-0000", "Rex", "soon", body="Book now: bit.ly/rex"),
        "a shortened link is refused",
    )
    check("content_blocked" in pms.log[-1], "the refusal names its code")

    form = {"From": "+14162530000", "To": "+16502530002", "Body": "Stop.", "MessageSid": "SM1"}
    out = pms.on_inbound_webhook(form)
    check(out["decision"]["consent_change"]["action"] == "opt_out", "Stop. opts out (C1)")
    check("+14162530000" in pms.no_texts, "the PMS marks the client no-texts")
    check(pms.on_inbound_webhook(form)["outcome"] == "duplicate", "a retried webhook is handled once")

    check(not pms.on_appointment_created("416 253 0000", "Rex", "Friday"), "no reminder after STOP")
    check("recipient_opted_out" in pms.log[-1], "refused as opted out (C4)")

    pms.on_inbound_webhook({"From": "+12125550123", "To": "+16502530002", "Body": "CANCEL", "MessageSid": "SM2"})
    check(len(pms.tasks) == 1, "CANCEL opens a task for the front desk (C2)")

    # A refusal is an answer (allowed: false with reasons), not an exception.
    check(not pms.on_appointment_created("+44 20 7946 0958", "Bella", "Monday"), "a UK number is refused")
    check("not_north_american" in pms.log[-1], pms.log[-1])

    for line in pms.log + pms.tasks:
        print(line)
    print("python example: ok")


if __name__ == "__main__":
    main()
