//! Secure text: messages that carry health information are not texted. The
//! recipient gets a fixed, generic notice with a link; the content sits
//! behind that link and a PIN.
//!
//! Rules implemented here:
//! - SPEC S1: a secure message notifies by SMS, email or both, each checked
//!   against what the recipient has ([`check_recipient`]).
//! - SPEC S2: patient recipients need a date of birth, contact recipients a
//!   first and last name; both need a cell phone or an email. A refusal
//!   lists every missing item ([`Prerequisites`]).
//! - SPEC S3: the notice is fixed and generic, with no health information
//!   and nothing customizable but the practice name and the link
//!   ([`SecureNotice`]).
//! - SPEC S4: links carry 256-bit random tokens, stored only as SHA-256
//!   hashes, and expire 72 hours after they are sent (configurable only
//!   downward). Reissuing a link replaces the old one at once
//!   ([`LinkToken`], [`SecureLink`]).
//! - SPEC S5: the patient protects access with a PIN stored as an argon2id
//!   PHC string; a forgotten PIN is reset after verifying identity, and the
//!   third failed verification locks the reset ([`Pin`], [`PinHash`],
//!   [`IdentityClaim`]).
//! - SPEC X7: a locked-out patient can unlock with a one-time code sent to
//!   the same mobile number ([`request_unlock_code`]).
//!
//! The design is sans-I/O: the decision functions in this module take the
//! state of one [`SecureConversation`], `now` and a [`Random`] source, and
//! return the new state, the [`SecureEvent`]s that record every change and
//! the answer for the caller ([`Step`]). [`SecureService`] is the thin layer
//! that loads state from a [`SecureStore`](crate::ports::SecureStore),
//! applies a decision and saves the result.
//!
//! Not done here (wired by the engine): the SMS notice still has to pass the
//! content checks (`text::compliance`) and the consent check before it goes
//! out. The notice is built so that it passes them: GSM-7, one segment, the
//! practice name first, "Reply STOP to opt out" last.
//!
//! Secrets never show in `Debug` output or logs: tokens, token hashes, PINs,
//! PIN hashes and unlock codes all have `Debug` impls that redact.
//!
//! [`Random`]: crate::ports::Random

mod code;
mod config;
mod decide;
mod identity;
mod link;
mod notice;
mod pin;
mod recipient;
mod service;
mod state;

pub use code::UnlockCode;
pub use config::{PinHashParams, SecureConfig};
pub use decide::{
    Issued, LinkAccess, NewSecureConversation, NextStep, Started, Step, change_pin, open_link,
    redeem_unlock_code, reissue_link, request_unlock_code, reset_pin, set_pin, staff_unlock, start,
    verify_pin,
};
pub use identity::{IdentityClaim, IdentityField, identity_fields};
pub use link::{LINK_TTL_MAX_HOURS, LinkToken, SecureLink, TokenHash};
pub use notice::{EmailNotice, LinkBase, Practice, SecureNotice, SmsNotice};
pub use pin::{Pin, PinHash};
pub use recipient::{
    Methods, Missing, MissingItem, NotifyMethod, Prerequisites, Recipient, check_recipient,
};
pub use service::SecureService;
pub use state::{PendingUnlockCode, SecureConversation, SecureEvent, SecureEventKind, Unlocker};

/// Identity verification attempts before the PIN reset locks (SPEC S5): the
/// third failure locks, the second does not.
pub const IDENTITY_ATTEMPTS: u32 = 3;

/// Why a secure-text operation was refused. Every variant has a stable
/// [`code`](SecureError::code); messages never contain patient data or
/// secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecureError {
    /// The recipient lacks data a secure message needs (SPEC S1, S2).
    #[error("the recipient cannot get a secure message: {}", list_missing(.missing))]
    RecipientIncomplete {
        /// Every missing item, in a stable order.
        missing: Vec<Missing>,
    },
    /// The configured link lifetime is longer than 72 hours (SPEC S4).
    #[error(
        "a secure link may live at most {LINK_TTL_MAX_HOURS} hours; {requested_minutes} minutes were asked for"
    )]
    LinkTtlTooLong {
        /// What was asked for, in minutes.
        requested_minutes: i64,
    },
    /// The configured link lifetime is zero or negative.
    #[error("a secure link's lifetime must be positive")]
    LinkTtlNotPositive,
    /// Argon2 parameters weaker than OWASP's minimum (SPEC S5).
    #[error(
        "PIN hash parameters are too weak: use at least 7168 KiB of memory and memory x passes of at least 35840 (OWASP)"
    )]
    PinHashTooWeak,
    /// Argon2 parameters the library refuses.
    #[error("PIN hash parameters are not usable: {reason}")]
    PinHashParamsInvalid {
        /// Why.
        reason: String,
    },
    /// A numeric setting is outside its allowed range.
    #[error("the setting {setting} must be between {min} and {max}")]
    SettingOutOfRange {
        /// The setting's name.
        setting: &'static str,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// The link base URL is not usable in a notice.
    #[error("the secure link base URL is not usable: {reason}")]
    LinkBaseInvalid {
        /// Why.
        reason: &'static str,
    },
    /// The practice name is empty once made safe for a text message.
    #[error("the practice name is empty; the notice must name the practice")]
    PracticeNameMissing,
    /// Unknown, guessed, malformed or another organization's token: one
    /// error for all, so a guess learns nothing (SPEC S4).
    #[error(
        "this secure link is not valid; use the whole link from the practice's latest message, or ask the practice for a new one"
    )]
    LinkNotFound,
    /// The link is 72 hours old or older (SPEC S4).
    #[error("this secure link has expired; ask the practice to send a new link")]
    LinkExpired,
    /// A newer link was sent for the same conversation (SPEC S4).
    #[error(
        "this secure link was replaced by a newer one; use the link in the practice's latest message"
    )]
    LinkReplaced,
    /// A PIN that is not 4 to 8 digits (SPEC S5).
    #[error("a PIN is 4 to 8 digits (0-9)")]
    PinFormat,
    /// A PIN that is too easy to guess (SPEC S5).
    #[error("this PIN is too easy to guess (all one digit, or digits in a row); choose another")]
    PinTooSimple,
    /// No PIN has been set yet.
    #[error("no PIN is set yet; create one first")]
    PinNotSet,
    /// A PIN exists; change it or reset it instead.
    #[error("a PIN is already set; change it, or use Forgot PIN")]
    PinAlreadySet,
    /// The PIN does not match.
    #[error("the PIN is not correct; {attempts_left} attempt(s) left before PIN entry locks")]
    PinWrong {
        /// Wrong PINs still allowed before entry locks.
        attempts_left: u32,
    },
    /// Too many wrong PINs: the patient must reset the PIN (SPEC S5).
    #[error("too many wrong PINs; use Forgot PIN to verify your identity and set a new one")]
    PinLocked,
    /// The identity answers do not match (SPEC S5).
    #[error(
        "the details do not match our records; {attempts_left} attempt(s) left before the reset locks"
    )]
    IdentityMismatch {
        /// Verifications still allowed before the reset locks.
        attempts_left: u32,
    },
    /// Three failed identity verifications locked the reset (SPEC S5, X7).
    #[error("{}", reset_locked_message(*.self_unlock))]
    ResetLocked {
        /// A one-time unlock code can still be requested (SPEC X7).
        self_unlock: bool,
    },
    /// Unlock was asked for but nothing is locked.
    #[error("nothing is locked on this secure conversation")]
    NotLocked,
    /// A self-service unlock code needs a mobile number (SPEC X7).
    #[error("no mobile number is on file for a one-time code; ask the practice to unlock")]
    NoMobileForCode,
    /// All one-time codes for this lock were used (SPEC X7).
    #[error("no more one-time codes can be sent; ask the practice to unlock")]
    UnlockCodesExhausted,
    /// No one-time code is outstanding.
    #[error("there is no valid one-time code; request a new one")]
    UnlockCodeInvalid,
    /// The one-time code does not match (SPEC X7).
    #[error("the code is not correct; {tries_left} try(ies) left")]
    UnlockCodeWrong {
        /// Tries still allowed for this code.
        tries_left: u32,
    },
    /// The one-time code is too old (SPEC X7).
    #[error("the code has expired; request a new one")]
    UnlockCodeExpired,
    /// The one-time code's tries are used up (SPEC X7).
    #[error("too many wrong codes; request a new one")]
    UnlockCodeExhausted,
    /// The random source kept returning out-of-range values.
    #[error("the random source failed; try again")]
    RandomFailed,
    /// Hashing or checking a PIN failed inside argon2, or a stored PIN hash
    /// is unreadable.
    #[error("the PIN could not be checked; ask the practice for help")]
    PinHashFailed,
    /// `now` plus a lifetime does not fit in a timestamp.
    #[error("the current time is out of range")]
    ClockOutOfRange,
}

impl SecureError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SecureError::RecipientIncomplete { .. } => "recipient_incomplete",
            SecureError::LinkTtlTooLong { .. } => "link_ttl_too_long",
            SecureError::LinkTtlNotPositive => "link_ttl_not_positive",
            SecureError::PinHashTooWeak => "pin_hash_too_weak",
            SecureError::PinHashParamsInvalid { .. } => "pin_hash_params_invalid",
            SecureError::SettingOutOfRange { .. } => "setting_out_of_range",
            SecureError::LinkBaseInvalid { .. } => "link_base_invalid",
            SecureError::PracticeNameMissing => "practice_name_missing",
            SecureError::LinkNotFound => "link_not_found",
            SecureError::LinkExpired => "link_expired",
            SecureError::LinkReplaced => "link_replaced",
            SecureError::PinFormat => "pin_format",
            SecureError::PinTooSimple => "pin_too_simple",
            SecureError::PinNotSet => "pin_not_set",
            SecureError::PinAlreadySet => "pin_already_set",
            SecureError::PinWrong { .. } => "pin_wrong",
            SecureError::PinLocked => "pin_locked",
            SecureError::IdentityMismatch { .. } => "identity_mismatch",
            SecureError::ResetLocked { .. } => "reset_locked",
            SecureError::NotLocked => "not_locked",
            SecureError::NoMobileForCode => "no_mobile_for_code",
            SecureError::UnlockCodesExhausted => "unlock_codes_exhausted",
            SecureError::UnlockCodeInvalid => "unlock_code_invalid",
            SecureError::UnlockCodeWrong { .. } => "unlock_code_wrong",
            SecureError::UnlockCodeExpired => "unlock_code_expired",
            SecureError::UnlockCodeExhausted => "unlock_code_exhausted",
            SecureError::RandomFailed => "random_failed",
            SecureError::PinHashFailed => "pin_hash_failed",
            SecureError::ClockOutOfRange => "clock_out_of_range",
        }
    }
}

fn list_missing(missing: &[Missing]) -> String {
    let items: Vec<&str> = missing.iter().map(|m| m.message()).collect();
    items.join(" ")
}

fn reset_locked_message(self_unlock: bool) -> &'static str {
    if self_unlock {
        "identity verification failed three times and Forgot PIN is locked; request a one-time code by text, or ask the practice to unlock"
    } else {
        "identity verification failed three times and Forgot PIN is locked; ask the practice to unlock"
    }
}
