//! In-memory [`InboundStore`].

use super::conversation::ConversationState;
use super::{MemoryStore, lock};
use crate::consent::ConsentState;
use crate::conversation::{Conversation, Direction, Message, Participants};
use crate::ids::OrganizationId;
use crate::ports::{ConsentStore, InboundContext, InboundQuery, InboundStore, StoreError};
use crate::sensitive::MessageBody;

impl MemoryStore {
    /// The context of `query` with what `active` reads of the active
    /// conversation and its previous inbound message (kept out of the
    /// context): one lock pass per port (consent, conversations, rate
    /// windows), each answer borrowed from the maps and copied once.
    fn inbound_context_picking<T>(
        &self,
        query: &InboundQuery<'_>,
        active: impl FnOnce(
            &ConversationState,
            &OrganizationId,
            &Participants,
        ) -> (Option<Conversation>, Option<T>),
    ) -> Result<(InboundContext, Option<T>), StoreError> {
        let org = query.organization;
        let consent = match query.from {
            Some(n) => self.consent(org, n)?,
            None => ConsentState::default(),
        };
        let (conversation, previous) =
            active(&*lock(&self.conversations)?, org, query.participants);
        let rate = lock(&self.rate)?;
        let last_acquired = query.rate_key.and_then(|key| rate.last(org, key));
        let count_since = query
            .conversation_key
            .map_or(0, |key| rate.count_since(org, key, query.since));
        let context = InboundContext {
            consent,
            conversation,
            previous_inbound: None,
            last_acquired,
            count_since,
        };
        Ok((context, previous))
    }
}

/// The engine's reads for an inbound text, in one lock pass per port.
impl InboundStore for MemoryStore {
    fn inbound_context(&self, query: &InboundQuery<'_>) -> Result<InboundContext, StoreError> {
        let (context, previous_inbound) =
            self.inbound_context_picking(query, |state, org, participants| {
                state.active_with_last(org, participants, Direction::Inbound, Message::clone)
            })?;
        Ok(InboundContext {
            previous_inbound,
            ..context
        })
    }

    /// Copies the previous inbound body alone (one reference counted).
    fn inbound_context_with_body(
        &self,
        query: &InboundQuery<'_>,
    ) -> Result<(InboundContext, Option<MessageBody>), StoreError> {
        self.inbound_context_picking(query, |state, org, participants| {
            state.active_with_last_body(org, participants, Direction::Inbound)
        })
    }
}
