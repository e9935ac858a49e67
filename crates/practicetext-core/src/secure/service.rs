//! The thin layer that runs the secure-text decisions against a store:
//! load, decide, save state and events in one atomic write, answer.

use std::fmt;

use super::SecureError;
use super::config::SecureConfig;
use super::decide::{self, Issued, LinkAccess, NewSecureConversation, Step};
use super::identity::IdentityClaim;
use super::link::{LinkToken, TokenHash};
use super::notice::{Practice, SmsNotice};
use super::state::{SecureConversation, SecureEvent};
use crate::error::Error;
use crate::ids::{ConversationId, OrganizationId, Username};
use crate::ports::{Clock, Random, SecureStore, StoreError};

/// Secure text over a [`SecureStore`], a [`Clock`] and a [`Random`] source.
///
/// Patient-side calls take the token exactly as it appears in the link. A
/// malformed token, a guessed one and another organization's token are all
/// refused with [`SecureError::LinkNotFound`], so the answer reveals
/// nothing. Every change is saved together with its events, guarded by the
/// conversation's version: a concurrent change makes the save fail with
/// [`StoreError::Conflict`] instead of losing a counted failure.
pub struct SecureService<'a> {
    store: &'a dyn SecureStore,
    clock: &'a dyn Clock,
    random: &'a dyn Random,
    config: SecureConfig,
}

impl fmt::Debug for SecureService<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<'a> SecureService<'a> {
    /// A service over these ports.
    pub fn new(
        store: &'a dyn SecureStore,
        clock: &'a dyn Clock,
        random: &'a dyn Random,
        config: SecureConfig,
    ) -> Self {
        SecureService {
            store,
            clock,
            random,
            config,
        }
    }

    /// Sends a secure message (SPEC S1-S4): the recipient is checked, the
    /// conversation and its first link are saved with a `sent` event, and
    /// the notice is returned for the engine to send.
    pub fn send(
        &self,
        request: NewSecureConversation,
        practice: &Practice,
    ) -> Result<Issued, Error> {
        let org = request.organization.clone();
        let now = self.clock.now();
        let started = decide::start(request, practice, now, self.random, &self.config)?;
        self.store
            .save_secure_conversation(&org, &started.conversation, None, &started.events)?;
        log_events(&started.events);
        Ok(started.issued)
    }

    /// Sends a new link for a conversation (SPEC S4); older links stop
    /// working.
    pub fn reissue_link(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
        practice: &Practice,
    ) -> Result<Issued, Error> {
        let conv = self.by_id(org, id)?;
        let step =
            decide::reissue_link(&conv, practice, self.clock.now(), self.random, &self.config);
        self.apply(org, &conv, step)
    }

    /// Opens a link (SPEC S4).
    pub fn open(&self, org: &OrganizationId, token: &str) -> Result<LinkAccess, Error> {
        let (conv, hash) = self.by_token(org, token)?;
        let step = decide::open_link(&conv, &hash, self.clock.now(), &self.config);
        self.apply(org, &conv, step)
    }

    /// Sets the first PIN after identity verification (SPEC S5).
    pub fn set_pin(
        &self,
        org: &OrganizationId,
        token: &str,
        claim: &IdentityClaim,
        new_pin: &str,
    ) -> Result<(), Error> {
        let (conv, hash) = self.by_token(org, token)?;
        let now = self.clock.now();
        let step = decide::set_pin(&conv, &hash, claim, new_pin, now, self.random, &self.config);
        self.apply(org, &conv, step)
    }

    /// Forgot PIN: identity verification, then a new PIN (SPEC S5).
    pub fn reset_pin(
        &self,
        org: &OrganizationId,
        token: &str,
        claim: &IdentityClaim,
        new_pin: &str,
    ) -> Result<(), Error> {
        let (conv, hash) = self.by_token(org, token)?;
        let now = self.clock.now();
        let step = decide::reset_pin(&conv, &hash, claim, new_pin, now, self.random, &self.config);
        self.apply(org, &conv, step)
    }

    /// Checks the PIN (SPEC S5).
    pub fn verify_pin(&self, org: &OrganizationId, token: &str, pin: &str) -> Result<(), Error> {
        let (conv, hash) = self.by_token(org, token)?;
        let step = decide::verify_pin(&conv, &hash, pin, self.clock.now(), &self.config);
        self.apply(org, &conv, step)
    }

    /// Changes the PIN given the current one (SPEC S5).
    pub fn change_pin(
        &self,
        org: &OrganizationId,
        token: &str,
        current_pin: &str,
        new_pin: &str,
    ) -> Result<(), Error> {
        let (conv, hash) = self.by_token(org, token)?;
        let now = self.clock.now();
        let step = decide::change_pin(
            &conv,
            &hash,
            current_pin,
            new_pin,
            now,
            self.random,
            &self.config,
        );
        self.apply(org, &conv, step)
    }

    /// A staff member lifts the locks (SPEC S5).
    pub fn staff_unlock(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
        by: Username,
    ) -> Result<(), Error> {
        let conv = self.by_id(org, id)?;
        let step = decide::staff_unlock(&conv, by, self.clock.now(), &self.config);
        self.apply(org, &conv, step)
    }

    /// Sends a one-time unlock code to the recipient's mobile (SPEC X7);
    /// returns the text for the engine to send.
    pub fn request_unlock_code(
        &self,
        org: &OrganizationId,
        token: &str,
        practice: &Practice,
    ) -> Result<SmsNotice, Error> {
        let (conv, hash) = self.by_token(org, token)?;
        let now = self.clock.now();
        let step =
            decide::request_unlock_code(&conv, &hash, practice, now, self.random, &self.config);
        self.apply(org, &conv, step)
    }

    /// Redeems a one-time unlock code (SPEC X7).
    pub fn redeem_unlock_code(
        &self,
        org: &OrganizationId,
        token: &str,
        code: &str,
    ) -> Result<(), Error> {
        let (conv, hash) = self.by_token(org, token)?;
        let step = decide::redeem_unlock_code(&conv, &hash, code, self.clock.now());
        self.apply(org, &conv, step)
    }

    /// The state of a conversation.
    pub fn conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<SecureConversation, Error> {
        self.by_id(org, id)
    }

    /// Every recorded change of a conversation, oldest first.
    pub fn events(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Vec<SecureEvent>, Error> {
        Ok(self.store.secure_events(org, id)?)
    }

    fn by_id(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<SecureConversation, Error> {
        self.store.secure_conversation(org, id)?.ok_or_else(|| {
            Error::from(StoreError::NotFound {
                what: "secure conversation",
                id: id.to_string(),
            })
        })
    }

    fn by_token(
        &self,
        org: &OrganizationId,
        token: &str,
    ) -> Result<(SecureConversation, TokenHash), Error> {
        let hash = LinkToken::parse(token)?.hash();
        let conv = self
            .store
            .secure_conversation_by_link(org, &hash)?
            .ok_or(SecureError::LinkNotFound)?;
        Ok((conv, hash))
    }

    /// Saves the step's state and events when anything changed, then
    /// answers.
    fn apply<T>(
        &self,
        org: &OrganizationId,
        before: &SecureConversation,
        step: Step<T>,
    ) -> Result<T, Error> {
        if !step.events.is_empty() {
            let mut next = step.conversation;
            next.version = before.version.saturating_add(1);
            self.store
                .save_secure_conversation(org, &next, Some(before.version), &step.events)?;
            log_events(&step.events);
        }
        step.outcome.map_err(Error::from)
    }
}

fn log_events(events: &[SecureEvent]) {
    for e in events {
        tracing::info!(
            organization = %e.organization,
            conversation = %e.conversation,
            event = ?e.kind,
            "secure conversation changed"
        );
    }
}
