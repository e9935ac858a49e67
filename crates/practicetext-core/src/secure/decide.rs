//! The decisions of secure text, as pure functions: state of one secure
//! conversation + `now` (+ a random source where secrets are made) in, a
//! [`Step`] out. Nothing here reads a clock, a store or the OS.
//!
//! Every change of state comes with at least one event, so a caller that
//! saves the conversation whenever `events` is not empty records every
//! change. Patient-side decisions take the hash of the token the patient
//! presented and refuse unless that link is live.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::code::{CodeDigest, UnlockCode};
use super::config::SecureConfig;
use super::identity::{IdentityClaim, IdentityField, identity_fields, identity_matches};
use super::link::{LinkState, LinkToken, SecureLink, TokenHash};
use super::notice::{Practice, SecureNotice, SmsNotice, secure_notice, unlock_code_sms};
use super::pin::{Pin, PinHash};
use super::recipient::{NotifyMethod, Recipient, check_recipient};
use super::state::{PendingUnlockCode, SecureConversation, SecureEvent, SecureEventKind, Unlocker};
use super::{IDENTITY_ATTEMPTS, SecureError};
use crate::ids::{ClientId, ConversationId, OrganizationId, Username};
use crate::ports::{Random, Timestamp};

/// What a decision did: the conversation as it now is, the events that
/// record each change (empty when nothing changed), and the answer for the
/// caller. A refusal can change state too (a wrong PIN counts), so both are
/// always returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<T> {
    /// The conversation after the decision.
    pub conversation: SecureConversation,
    /// What changed, in order.
    pub events: Vec<SecureEvent>,
    /// The answer for the caller.
    pub outcome: Result<T, SecureError>,
}

/// A request to send a secure message (SPEC S1, S2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSecureConversation {
    /// The organization sending it.
    pub organization: OrganizationId,
    /// Host-provided id of the conversation.
    pub id: ConversationId,
    /// The client record, if the host has one.
    #[serde(default)]
    pub client: Option<ClientId>,
    /// The recipient as the address book has them.
    pub recipient: Recipient,
    /// How to notify.
    pub notify: NotifyMethod,
}

/// A link that was just issued, with its notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issued {
    /// The token (secret; `Debug` redacts it). Only its hash is stored.
    pub token: LinkToken,
    /// The notice to send (SPEC S3).
    pub notice: SecureNotice,
    /// When the link stops working (SPEC S4).
    pub expires_at: Timestamp,
}

/// A new secure conversation with its first link.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// The new state, version 0.
    pub conversation: SecureConversation,
    /// The `sent` event.
    pub events: Vec<SecureEvent>,
    /// The link and its notice.
    pub issued: Issued,
}

/// What the patient should be asked next after opening a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum NextStep {
    /// No PIN yet: verify identity and choose one.
    SetPin,
    /// Enter the PIN.
    EnterPin,
    /// Too many wrong PINs: verify identity and choose a new one.
    ResetPin,
    /// The reset is locked (three failed verifications).
    Locked {
        /// A one-time code can be requested (SPEC X7).
        self_unlock: bool,
    },
}

/// The answer to opening a live link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAccess {
    /// The conversation behind the link.
    pub conversation: ConversationId,
    /// When the link stops working.
    pub expires_at: Timestamp,
    /// What to ask next.
    pub next: NextStep,
    /// The identity questions for setting or resetting the PIN.
    pub identity_fields: Vec<IdentityField>,
}

/// Sends a secure message: checks the recipient (SPEC S1, S2, every
/// missing item listed), issues the first link (S4) and builds the notice
/// (S3).
pub fn start(
    request: NewSecureConversation,
    practice: &Practice,
    now: Timestamp,
    random: &dyn Random,
    config: &SecureConfig,
) -> Result<Started, SecureError> {
    let prerequisites = check_recipient(&request.recipient, Some(request.notify));
    if !prerequisites.ok {
        return Err(SecureError::RecipientIncomplete {
            missing: prerequisites.missing_codes(),
        });
    }
    let (link, issued) = issue(
        practice,
        &request.recipient,
        request.notify,
        now,
        random,
        config,
    )?;
    let conversation = SecureConversation {
        id: request.id,
        organization: request.organization,
        client: request.client,
        recipient: request.recipient,
        notify: request.notify,
        created_at: now,
        version: 0,
        links: vec![link],
        pin: None,
        pin_failures: 0,
        identity_failures: 0,
        unlock_codes_sent: 0,
        unlock_code: None,
    };
    let mut tx = Tx::new(&conversation, now);
    tx.record(SecureEventKind::Sent {
        notify: conversation.notify,
        expires_at: issued.expires_at,
    });
    Ok(Started {
        conversation,
        events: tx.events,
        issued,
    })
}

/// Sends a new link for the same conversation (SPEC S4). Every link still
/// live stops working at once: only the newest link opens the conversation.
pub fn reissue_link(
    conversation: &SecureConversation,
    practice: &Practice,
    now: Timestamp,
    random: &dyn Random,
    config: &SecureConfig,
) -> Step<Issued> {
    Tx::new(conversation, now).run(|tx| {
        let c = &tx.conv;
        let (link, issued) = issue(practice, &c.recipient, c.notify, now, random, config)?;
        let mut replaced = 0u32;
        for old in tx.conv.links.iter_mut() {
            if old.state_at(now) == LinkState::Live {
                old.replaced_at = Some(now);
                replaced = replaced.saturating_add(1);
            }
        }
        tx.conv.links.push(link);
        tx.record(SecureEventKind::LinkReissued {
            replaced,
            expires_at: issued.expires_at,
        });
        Ok(issued)
    })
}

/// Opens a link (SPEC S4): live until 72 hours after it was sent (71:59:59
/// works, 72:00:00 does not), dead at once when replaced.
pub fn open_link(
    conversation: &SecureConversation,
    token: &TokenHash,
    now: Timestamp,
    config: &SecureConfig,
) -> Step<LinkAccess> {
    Tx::new(conversation, now).run(|tx| {
        let expires_at = live_link(tx, token)?;
        tx.record(SecureEventKind::Opened);
        Ok(LinkAccess {
            conversation: tx.conv.id.clone(),
            expires_at,
            next: next_step(&tx.conv, config),
            identity_fields: identity_fields(&tx.conv.recipient),
        })
    })
}

/// Sets the first PIN (SPEC S5). The patient proves who they are first, so
/// holding the link alone never opens the message; failures count toward
/// the three-strike lock.
pub fn set_pin(
    conversation: &SecureConversation,
    token: &TokenHash,
    claim: &IdentityClaim,
    new_pin: &str,
    now: Timestamp,
    random: &dyn Random,
    config: &SecureConfig,
) -> Step<()> {
    Tx::new(conversation, now).run(|tx| {
        live_link(tx, token)?;
        if tx.conv.pin.is_some() {
            return Err(SecureError::PinAlreadySet);
        }
        replace_pin_after_identity(tx, claim, new_pin, random, config)
    })
}

/// Forgot PIN (SPEC S5): verify identity, then set a new PIN (or a first
/// one, when none was set). The third failed verification locks the reset;
/// the second does not. Success also lifts a PIN-entry lock.
pub fn reset_pin(
    conversation: &SecureConversation,
    token: &TokenHash,
    claim: &IdentityClaim,
    new_pin: &str,
    now: Timestamp,
    random: &dyn Random,
    config: &SecureConfig,
) -> Step<()> {
    Tx::new(conversation, now).run(|tx| {
        live_link(tx, token)?;
        replace_pin_after_identity(tx, claim, new_pin, random, config)
    })
}

/// Checks the PIN (SPEC S5). Wrong PINs in a row count; at the configured
/// limit PIN entry locks until the PIN is reset.
pub fn verify_pin(
    conversation: &SecureConversation,
    token: &TokenHash,
    pin: &str,
    now: Timestamp,
    config: &SecureConfig,
) -> Step<()> {
    Tx::new(conversation, now).run(|tx| {
        live_link(tx, token)?;
        let stored = usable_pin(&tx.conv, config)?;
        let pin = Pin::parse(pin)?;
        check_pin(tx, &stored, &pin, config)?;
        tx.record(SecureEventKind::PinVerified);
        Ok(())
    })
}

/// Changes the PIN, given the current one (SPEC S5). A wrong current PIN
/// counts like a wrong PIN entry.
#[allow(clippy::too_many_arguments)] // the state, the two PINs and the ports
pub fn change_pin(
    conversation: &SecureConversation,
    token: &TokenHash,
    current_pin: &str,
    new_pin: &str,
    now: Timestamp,
    random: &dyn Random,
    config: &SecureConfig,
) -> Step<()> {
    Tx::new(conversation, now).run(|tx| {
        live_link(tx, token)?;
        let stored = usable_pin(&tx.conv, config)?;
        let new_pin = Pin::parse_new(new_pin)?;
        let current = Pin::parse(current_pin)?;
        check_pin(tx, &stored, &current, config)?;
        tx.conv.pin = Some(PinHash::new(&new_pin, config.pin_hash(), random)?);
        tx.record(SecureEventKind::PinChanged);
        Ok(())
    })
}

/// A staff member lifts the locks (SPEC S5): the identity-verification
/// lock, the PIN-entry lock and the one-time-code budget.
pub fn staff_unlock(
    conversation: &SecureConversation,
    by: Username,
    now: Timestamp,
    config: &SecureConfig,
) -> Step<()> {
    Tx::new(conversation, now).run(|tx| {
        let c = &tx.conv;
        if !c.reset_locked() && !pin_locked(c, config) {
            return Err(SecureError::NotLocked);
        }
        tx.conv.identity_failures = 0;
        tx.conv.pin_failures = 0;
        tx.conv.unlock_codes_sent = 0;
        tx.conv.unlock_code = None;
        tx.record(SecureEventKind::Unlocked {
            by: Unlocker::Staff(by),
        });
        Ok(())
    })
}

/// Self-service unlock, first half (SPEC X7): a locked-out patient asks for
/// a one-time code, sent by text to the recipient's mobile number. A new
/// code replaces any earlier one; at most
/// [`unlock_codes_per_lock`](SecureConfig::unlock_codes_per_lock) codes are
/// sent before only staff can unlock.
pub fn request_unlock_code(
    conversation: &SecureConversation,
    token: &TokenHash,
    practice: &Practice,
    now: Timestamp,
    random: &dyn Random,
    config: &SecureConfig,
) -> Step<SmsNotice> {
    Tx::new(conversation, now).run(|tx| {
        live_link(tx, token)?;
        if !tx.conv.reset_locked() {
            return Err(SecureError::NotLocked);
        }
        let to = tx
            .conv
            .recipient
            .cell_phone
            .ok_or(SecureError::NoMobileForCode)?;
        if tx.conv.unlock_codes_sent >= config.unlock_codes_per_lock() {
            return Err(SecureError::UnlockCodesExhausted);
        }
        let code = UnlockCode::generate(random)?;
        let expires_at = later(now, config.unlock_code_ttl())?;
        let notice = unlock_code_sms(&practice.name, to, &code, config.unlock_code_ttl())?;
        tx.conv.unlock_code = Some(PendingUnlockCode {
            digest: CodeDigest::new(&code, random),
            expires_at,
            tries_left: config.unlock_code_tries(),
        });
        tx.conv.unlock_codes_sent = tx.conv.unlock_codes_sent.saturating_add(1);
        tx.record(SecureEventKind::UnlockCodeSent { expires_at });
        Ok(notice)
    })
}

/// Self-service unlock, second half (SPEC X7): the code must match (in
/// constant time) before it expires and within its tries; the last wrong
/// try voids it. Success lifts the identity-verification lock, so the
/// patient can reset the PIN.
pub fn redeem_unlock_code(
    conversation: &SecureConversation,
    token: &TokenHash,
    code: &str,
    now: Timestamp,
) -> Step<()> {
    Tx::new(conversation, now).run(|tx| {
        live_link(tx, token)?;
        let pending = tx
            .conv
            .unlock_code
            .clone()
            .ok_or(SecureError::UnlockCodeInvalid)?;
        if now >= pending.expires_at {
            tx.conv.unlock_code = None;
            tx.record(SecureEventKind::UnlockCodeExpired);
            return Err(SecureError::UnlockCodeExpired);
        }
        if pending.digest.matches(code) {
            tx.conv.identity_failures = 0;
            tx.conv.unlock_code = None;
            tx.record(SecureEventKind::Unlocked {
                by: Unlocker::SelfService,
            });
            return Ok(());
        }
        let tries_left = pending.tries_left.saturating_sub(1);
        tx.record(SecureEventKind::UnlockCodeFailed { tries_left });
        if tries_left == 0 {
            tx.conv.unlock_code = None;
            tx.record(SecureEventKind::UnlockCodeExhausted);
            return Err(SecureError::UnlockCodeExhausted);
        }
        tx.conv.unlock_code = Some(PendingUnlockCode {
            tries_left,
            ..pending
        });
        Err(SecureError::UnlockCodeWrong { tries_left })
    })
}

/// A transition in progress: the state being changed and the events so far.
struct Tx {
    conv: SecureConversation,
    events: Vec<SecureEvent>,
    now: Timestamp,
}

impl Tx {
    fn new(conv: &SecureConversation, now: Timestamp) -> Tx {
        Tx {
            conv: conv.clone(),
            events: Vec::new(),
            now,
        }
    }

    fn record(&mut self, kind: SecureEventKind) {
        self.events.push(SecureEvent {
            organization: self.conv.organization.clone(),
            conversation: self.conv.id.clone(),
            at: self.now,
            kind,
        });
    }

    fn run<T>(mut self, decide: impl FnOnce(&mut Tx) -> Result<T, SecureError>) -> Step<T> {
        let outcome = decide(&mut self);
        Step {
            conversation: self.conv,
            events: self.events,
            outcome,
        }
    }
}

/// `now + ttl`, refusing instead of overflowing.
fn later(now: Timestamp, ttl: TimeDelta) -> Result<Timestamp, SecureError> {
    now.checked_add_signed(ttl)
        .ok_or(SecureError::ClockOutOfRange)
}

/// A new link and its notice; nothing is changed until both exist.
fn issue(
    practice: &Practice,
    recipient: &Recipient,
    notify: NotifyMethod,
    now: Timestamp,
    random: &dyn Random,
    config: &SecureConfig,
) -> Result<(SecureLink, Issued), SecureError> {
    let token = LinkToken::generate(random);
    let expires_at = later(now, config.link_ttl())?;
    let notice = secure_notice(practice, recipient, notify, &token, config.link_ttl())?;
    let link = SecureLink {
        token_hash: token.hash(),
        sent_at: now,
        expires_at,
        replaced_at: None,
        expiry_recorded: false,
    };
    Ok((
        link,
        Issued {
            token,
            notice,
            expires_at,
        },
    ))
}

/// Refuses unless the presented link is live; returns when it expires. An
/// expired link is recorded the first time it is presented.
fn live_link(tx: &mut Tx, token: &TokenHash) -> Result<Timestamp, SecureError> {
    let now = tx.now;
    let link = tx.conv.link_mut(token).ok_or(SecureError::LinkNotFound)?;
    match link.state_at(now) {
        LinkState::Live => Ok(link.expires_at),
        LinkState::Replaced => Err(SecureError::LinkReplaced),
        LinkState::Expired => {
            if !link.expiry_recorded {
                link.expiry_recorded = true;
                let sent_at = link.sent_at;
                tx.record(SecureEventKind::LinkExpired { sent_at });
            }
            Err(SecureError::LinkExpired)
        }
    }
}

fn pin_locked(c: &SecureConversation, config: &SecureConfig) -> bool {
    c.pin_failures >= config.pin_attempts()
}

/// The stored PIN hash, unless none is set or entry is locked.
fn usable_pin(c: &SecureConversation, config: &SecureConfig) -> Result<PinHash, SecureError> {
    let stored = c.pin.clone().ok_or(SecureError::PinNotSet)?;
    if pin_locked(c, config) {
        return Err(SecureError::PinLocked);
    }
    Ok(stored)
}

/// Compares a PIN with the stored hash and counts failures.
fn check_pin(
    tx: &mut Tx,
    stored: &PinHash,
    pin: &Pin,
    config: &SecureConfig,
) -> Result<(), SecureError> {
    if stored.verify(pin)? {
        tx.conv.pin_failures = 0;
        return Ok(());
    }
    let failures = tx.conv.pin_failures.saturating_add(1);
    tx.conv.pin_failures = failures;
    tx.record(SecureEventKind::PinFailed { failures });
    if failures >= config.pin_attempts() {
        tx.record(SecureEventKind::PinLocked);
        return Err(SecureError::PinLocked);
    }
    Err(SecureError::PinWrong {
        attempts_left: config.pin_attempts().saturating_sub(failures),
    })
}

/// Verifies identity (SPEC S5) and, on success, stores the new PIN. The new
/// PIN's format is checked first, so a typo in it never costs an attempt.
fn replace_pin_after_identity(
    tx: &mut Tx,
    claim: &IdentityClaim,
    new_pin: &str,
    random: &dyn Random,
    config: &SecureConfig,
) -> Result<(), SecureError> {
    if tx.conv.reset_locked() {
        return Err(locked(&tx.conv, config));
    }
    let new_pin = Pin::parse_new(new_pin)?;
    verify_identity(tx, claim, config)?;
    let had_pin = tx.conv.pin.is_some();
    tx.conv.pin = Some(PinHash::new(&new_pin, config.pin_hash(), random)?);
    tx.conv.pin_failures = 0;
    tx.record(if had_pin {
        SecureEventKind::PinReset
    } else {
        SecureEventKind::PinSet
    });
    Ok(())
}

/// Three failed verifications in a row lock the reset: the third failure
/// locks, the second does not (SPEC S5).
fn verify_identity(
    tx: &mut Tx,
    claim: &IdentityClaim,
    config: &SecureConfig,
) -> Result<(), SecureError> {
    if identity_matches(&tx.conv.recipient, claim) {
        tx.conv.identity_failures = 0;
        tx.conv.unlock_codes_sent = 0;
        tx.conv.unlock_code = None;
        return Ok(());
    }
    let failures = tx.conv.identity_failures.saturating_add(1);
    tx.conv.identity_failures = failures;
    tx.record(SecureEventKind::IdentityFailed { failures });
    if tx.conv.reset_locked() {
        tx.record(SecureEventKind::ResetLocked);
        return Err(locked(&tx.conv, config));
    }
    Err(SecureError::IdentityMismatch {
        attempts_left: IDENTITY_ATTEMPTS.saturating_sub(failures),
    })
}

fn self_unlock_available(c: &SecureConversation, config: &SecureConfig) -> bool {
    c.recipient.cell_phone.is_some() && c.unlock_codes_sent < config.unlock_codes_per_lock()
}

fn locked(c: &SecureConversation, config: &SecureConfig) -> SecureError {
    SecureError::ResetLocked {
        self_unlock: self_unlock_available(c, config),
    }
}

fn next_step(c: &SecureConversation, config: &SecureConfig) -> NextStep {
    let lock = NextStep::Locked {
        self_unlock: self_unlock_available(c, config),
    };
    match (c.pin.is_some(), pin_locked(c, config), c.reset_locked()) {
        (false, _, true) | (true, true, true) => lock,
        (false, _, false) => NextStep::SetPin,
        (true, true, false) => NextStep::ResetPin,
        (true, false, _) => NextStep::EnterPin,
    }
}

#[cfg(test)]
mod tests;
