//! In-memory [`InboundStore`].

use super::{MemoryStore, lock};
use crate::consent::ConsentState;
use crate::conversation::Direction;
use crate::ports::{ConsentStore, InboundContext, InboundQuery, InboundStore, StoreError};

/// The engine's reads for an inbound text: one lock pass per port (consent,
/// conversations, rate windows), each answer borrowed from the maps and
/// copied once.
impl InboundStore for MemoryStore {
    fn inbound_context(&self, query: &InboundQuery<'_>) -> Result<InboundContext, StoreError> {
        let org = query.organization;
        let consent = match query.from {
            Some(n) => self.consent(org, n)?,
            None => ConsentState::default(),
        };
        let (conversation, previous_inbound) = lock(&self.conversations)?.active_with_last(
            org,
            query.participants,
            Direction::Inbound,
        );
        let rate = lock(&self.rate)?;
        let last_acquired = query.rate_key.and_then(|key| rate.last(org, key));
        let count_since = query
            .conversation_key
            .map_or(0, |key| rate.count_since(org, key, query.since));
        Ok(InboundContext {
            consent,
            conversation,
            previous_inbound,
            last_acquired,
            count_since,
        })
    }
}
