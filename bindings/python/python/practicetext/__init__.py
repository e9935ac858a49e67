"""practicetext: the rules engine of two-way business texting for medical,
dental, pharmacy and veterinary practices.

Fast typed calls (one item or a batch)::

    >>> import practicetext as pt
    >>> pt.parse_phone("(650) 253-0000").e164
    '+16502530000'
    >>> pt.count_segments("Your pet's vaccines are due.").segments
    1
    >>> pt.classify_keyword("Stop.").action
    'opt_out'

A practice over a store, with JSON-shaped requests and answers::

    >>> p = pt.Practice("memory")
    >>> _ = p.put_directory(pt.sample_directory())
    >>> out = p.handle_inbound({"from": "+14162530000", "to": "+16502530001", "body": "STOP"})
    >>> out["decision"]["classification"]["action"]
    'opt_out'

Every error is a :class:`PracticetextError` subclass with ``.code``.
"""

from ._practicetext import (
    Checker,
    Classification,
    ComplianceReport,
    Finding,
    ForcedChar,
    Keywords,
    Phone,
    Practice,
    Segments,
    SmartEncoding,
    __version__,
    check_recipient,
    check_text,
    check_texts,
    classify_keyword,
    classify_keywords,
    count_segments,
    count_segments_batch,
    parse_phone,
    parse_phones,
    replay_scenario,
    sample_directory,
)
from .errors import (
    BroadcastError,
    DirectoryError,
    EmailError,
    EngineError,
    HostError,
    HoursError,
    InboxError,
    InputError,
    PhoneError,
    PracticetextError,
    ScenarioError,
    SecureError,
    StoreError,
    TextError,
    TransportRejected,
    WebhookError,
)

__all__ = [
    "Checker",
    "Classification",
    "ComplianceReport",
    "Finding",
    "ForcedChar",
    "Keywords",
    "Phone",
    "Practice",
    "Segments",
    "SmartEncoding",
    "__version__",
    "check_recipient",
    "check_text",
    "check_texts",
    "classify_keyword",
    "classify_keywords",
    "count_segments",
    "count_segments_batch",
    "parse_phone",
    "parse_phones",
    "replay_scenario",
    "sample_directory",
    "BroadcastError",
    "DirectoryError",
    "EmailError",
    "EngineError",
    "HostError",
    "HoursError",
    "InboxError",
    "InputError",
    "PhoneError",
    "PracticetextError",
    "ScenarioError",
    "SecureError",
    "StoreError",
    "TextError",
    "TransportRejected",
    "WebhookError",
]
