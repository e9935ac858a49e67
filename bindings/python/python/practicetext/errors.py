"""Exceptions of practicetext: one class per area of the library.

Every exception has ``.code``, the library's stable machine-readable code
(``"invalid_area_code"``, ``"recipient_opted_out"``, ``"bad_input"``, ...),
``.message``, a sentence for people, and ``.reasons``: for a refusal with
several reasons (``broadcast_refused``), each one as ``{"code", "message"}``
(empty otherwise). Map errors by code, never by
message text. Messages never carry patient data.
"""

from __future__ import annotations


class PracticetextError(Exception):
    """Base class of every error practicetext raises."""

    code: str
    message: str
    reasons: list[dict[str, str]]

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reasons = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r})"


class PhoneError(PracticetextError):
    """A phone number was refused (SPEC N1, N2): ``not_north_american``, ..."""


class EmailError(PracticetextError):
    """An email address was refused."""


class DirectoryError(PracticetextError):
    """The directory is malformed (``duplicate_user``, ``foreign_record``, ...)."""


class HoursError(PracticetextError):
    """Business or quiet hours were refused (SPEC A4, X1)."""


class EngineError(PracticetextError):
    """The engine refused an operation (``unknown_number``)."""


class ScenarioError(PracticetextError):
    """A scenario file cannot be run (``invalid_scenario``)."""


class StoreError(PracticetextError):
    """A store failed or refused (``not_found``, ``conflict``, ``store_backend``,
    ``store_open_failed``, ``invalid_store_spec``, ``store_not_supported``, ...)."""


class WebhookError(PracticetextError):
    """A provider webhook was refused (SPEC X3)."""


class SecureError(PracticetextError):
    """A secure-text operation was refused (SPEC S1-S5, X7)."""


class TextError(PracticetextError):
    """A text or text policy was refused (``text_too_long``, ``invalid_policy``)."""


class InboxError(PracticetextError):
    """An inbox operation was refused (SPEC V1-V9)."""


class BroadcastError(PracticetextError):
    """A mass text alert was refused or cannot run (SPEC B1-B9):
    ``broadcast_refused`` (every reason in the message),
    ``confirmation_mismatch``, ``broadcast_not_found``, ``invalid_pace``,
    ``broadcast_exists``, ``transport_lookup_failed``."""


class InputError(PracticetextError, TypeError, ValueError):
    """A value from the caller is unusable: ``invalid_argument`` (wrong type,
    None, out of range), ``invalid_unicode`` (a lone surrogate) or
    ``bad_input`` (a request that is not the JSON the call reads). Also a
    ``TypeError`` and a ``ValueError``, so existing handlers catch it."""


class HostError(PracticetextError):
    """A host piece failed: ``random_unavailable``, ``host_clock_failed``."""


class TransportRejected(Exception):
    """Raise from a transport's ``send_sms`` when the provider refused the
    text: the engine records it as rejected (with ``provider_code``, e.g.
    21610), not as unreachable."""

    provider_code: int | None

    def __init__(self, message: str, provider_code: int | None = None) -> None:
        super().__init__(message)
        self.provider_code = provider_code


__all__ = [
    "PracticetextError",
    "PhoneError",
    "EmailError",
    "DirectoryError",
    "HoursError",
    "EngineError",
    "ScenarioError",
    "StoreError",
    "WebhookError",
    "SecureError",
    "TextError",
    "InboxError",
    "BroadcastError",
    "InputError",
    "HostError",
    "TransportRejected",
]
