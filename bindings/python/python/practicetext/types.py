"""Types for annotating code that uses practicetext."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol, TypeAlias

#: A JSON request: a JSON ``str``, or data ``json.dumps`` can write.
Request: TypeAlias = str | Mapping[str, Any]
#: A JSON answer as Python data (dicts, lists, str, int, float, bool, None).
Json: TypeAlias = Any
#: What kind of send a text is checked for (SPEC P5).
Mode: TypeAlias = Literal["conversation", "broadcast"]


class Transport(Protocol):
    """A host transport for :class:`practicetext.Practice`.

    ``send_sms`` gets the text as ``{"organization", "from", "to", "body"}``
    and returns the provider's message id; raising
    :class:`practicetext.TransportRejected` records a refusal, any other
    exception an unreachable provider. ``send_email`` gets an after-hours
    alert as ``{"to": [...], "subject", "body"}``.
    """

    def send_sms(self, sms: dict[str, Any], /) -> str: ...

    def send_email(self, email: dict[str, Any], /) -> None: ...


__all__ = ["Json", "Mode", "Request", "Transport"]
