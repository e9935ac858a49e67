//! [`Engine::handle_inbound_batch`] in bulk: a batch's reads in one store
//! call per kind and its writes in one store call per kind, where that
//! gives what handling the texts one by one gives.
//!
//! Texts handled one by one see the texts before them. Bulk reads see none
//! of the batch, so a batch goes in bulk only when its texts cannot see
//! each other: each has a provider id and a sender's number, and no two
//! share either (then no two share a conversation, a consent state, a
//! rate window or a claim). Otherwise the batch goes one by one
//! ([`Engine::record_one_by_one`], which stays the reference).
//!
//! In bulk: each text's number and policy (read once per number of the
//! batch; a refusal is the text's error and it writes nothing); then every
//! text's context and whether its sender is a known client, in one call
//! each; then the decisions. A text whose decision writes only what every
//! text writes (an existing conversation, no consent change, no reply) is
//! *plain*: the plain texts are claimed in one call, then their messages,
//! inbox marks, usage and completed claims are written in one call each.
//! Any other text is handled as one by one (its own nested unit, claim and
//! reads) in its place: it shares nothing with the plain ones, and plain
//! texts draw no random ids, so ids come out as one by one. The plain
//! texts' claims read the engine's clock once for the batch.

use std::sync::Arc;

use chrono::TimeDelta;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{
    CompiledPolicy, Engine, EngineError, INBOUND_LEASE, Recorded, RecordedText, Transport,
    recipients, segments_of,
};
use crate::conversation::{Author, Conversation, Direction, Message, Participants};
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{MessageId, OrganizationId};
use crate::inbound::{self, InboundDecision, InboundState, InboundText};
use crate::inbox::state as inbox_state;
use crate::inbox::usage;
use crate::phone::E164;
use crate::ports::{Claim, InboundQuery, RateKey, Store, StoreError, Timestamp, UsageCount};

/// A text's organization, directory and policy.
type Owner = (OrganizationId, Arc<Directory>, Arc<CompiledPolicy>);

/// A text of the batch whose number and policy are known.
struct Resolved<'t> {
    index: usize,
    text: &'t InboundText,
    provider_id: &'t str,
    from: E164,
    owner: Owner,
    participants: Participants,
    keys: (RateKey, RateKey),
}

/// A plain text, decided.
struct Plain<'t> {
    resolved: Resolved<'t>,
    decision: InboundDecision,
    conversation: Conversation,
}

/// Each text's answer, by its place in the batch.
type Answers = Vec<Option<Result<Recorded, Error>>>;

/// True when no two texts can see each other (see the module docs).
pub(super) fn independent(texts: &[InboundText]) -> bool {
    let mut ids = FxHashSet::default();
    let mut senders = FxHashSet::default();
    texts.len() > 1
        && texts
            .iter()
            .all(|t| match (&t.provider_id, t.from.number()) {
                (Some(id), Some(from)) => ids.insert(id.as_str()) && senders.insert(from),
                _ => false,
            })
}

/// True when the decision writes only what every text writes.
fn plain(decision: &InboundDecision) -> bool {
    decision.consent_change.is_none() && decision.replies.is_empty()
}

impl<S: Store, T: Transport> Engine<S, T> {
    /// Records a batch's texts, in bulk when that gives what one by one
    /// gives (see the module docs), one by one otherwise.
    pub(super) fn record_batch(
        &self,
        texts: &[InboundText],
    ) -> Result<Vec<Result<Recorded, Error>>, Error> {
        if !independent(texts) {
            return self.record_one_by_one(texts);
        }
        let mut out: Answers = (0..texts.len()).map(|_| None).collect();
        let resolved = self.resolve(texts, &mut out)?;
        let (plains, others) = self.decide_all(resolved)?;
        let now = self.clock.now();
        let ids: Vec<&str> = plains.iter().map(|p| p.resolved.provider_id).collect();
        let claims = self.store.claim_all("inbound", &ids, INBOUND_LEASE, now)?;
        // The others in their places (their random ids drawn in order).
        for i in others {
            out[i] = Some(self.record_nested(&texts[i])?);
        }
        let mut acquired = Vec::with_capacity(plains.len());
        for (p, claim) in plains.into_iter().zip(claims) {
            let duplicate = |in_progress| Some(Ok(Recorded::Duplicate { in_progress }));
            match claim {
                Claim::Acquired => acquired.push(p),
                Claim::InProgress => out[p.resolved.index] = duplicate(true),
                Claim::Done => out[p.resolved.index] = duplicate(false),
            }
        }
        for (index, recorded) in self.record_plain(acquired, now)? {
            out[index] = Some(Ok(recorded));
        }
        Ok(out
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(unhandled())))
            .collect())
    }

    /// Each text's number and policy (read once per number); a refused
    /// text's error goes to its place in `out`.
    fn resolve<'t>(
        &self,
        texts: &'t [InboundText],
        out: &mut Answers,
    ) -> Result<Vec<Resolved<'t>>, Error> {
        let mut owners: FxHashMap<E164, Result<Owner, Error>> = FxHashMap::default();
        let mut resolved = Vec::with_capacity(texts.len());
        for (index, text) in texts.iter().enumerate() {
            let owner = match owners.get(&text.to) {
                Some(owner) => owner.clone(),
                None => {
                    let owner = self.owner(text.to)?;
                    owners.insert(text.to, owner.clone());
                    owner
                }
            };
            let owner = match owner {
                Ok(owner) => owner,
                Err(refused) => {
                    out[index] = Some(Err(refused));
                    continue;
                }
            };
            let (Some(provider_id), Some(from)) = (text.provider_id.as_deref(), text.from.number())
            else {
                return Err(unhandled());
            };
            let keys = (
                crate::autoreply::rate_key(&owner.0, from),
                crate::autoreply::conversation_key(&owner.0, text.to, from),
            );
            resolved.push(Resolved {
                index,
                text,
                provider_id,
                from,
                owner,
                participants: Participants::Sms {
                    our_number: text.to,
                    outside_number: from,
                },
                keys,
            });
        }
        Ok(resolved)
    }

    /// The owner, directory and policy of one of our numbers as
    /// `record_inbound` reads them: the inner error is the text's refusal,
    /// the outer one a store failure (which fails the batch).
    fn owner(&self, number: E164) -> Result<Result<Owner, Error>, Error> {
        let Some((owner, dir)) = self.store.number_with_shared_directory(number)? else {
            return Ok(Err(EngineError::UnknownNumber {
                number: number.redacted(),
            }
            .into()));
        };
        Ok(self
            .shared_policy(&dir)
            .map(|policy| (owner.organization, dir, policy)))
    }

    /// Every text's context and known-client answer in one store call
    /// each, then the decisions: the plain texts, and the places of the
    /// others.
    #[allow(clippy::type_complexity)]
    fn decide_all<'t>(
        &self,
        resolved: Vec<Resolved<'t>>,
    ) -> Result<(Vec<Plain<'t>>, Vec<usize>), Error> {
        let since = |t: &InboundText| {
            t.received_at
                .checked_sub_signed(TimeDelta::hours(24))
                .unwrap_or(Timestamp::MIN_UTC)
        };
        let queries: Vec<InboundQuery<'_>> = resolved
            .iter()
            .map(|r| InboundQuery {
                organization: &r.owner.0,
                from: Some(r.from),
                participants: &r.participants,
                rate_key: Some(&r.keys.0),
                conversation_key: Some(&r.keys.1),
                since: since(r.text),
            })
            .collect();
        let contexts = self.store.inbound_contexts(&queries)?;
        let numbers: Vec<(&OrganizationId, E164)> =
            resolved.iter().map(|r| (&r.owner.0, r.from)).collect();
        let known = self.store.have_clients_by_phone(&numbers)?;
        drop((queries, numbers));
        if contexts.len() != resolved.len() || known.len() != resolved.len() {
            return Err(unhandled());
        }
        let mut plains = Vec::with_capacity(resolved.len());
        let mut others = Vec::new();
        for ((r, (context, previous_body)), known_client) in
            resolved.into_iter().zip(contexts).zip(known)
        {
            let Some(conversation) = context.conversation else {
                others.push(r.index);
                continue;
            };
            let state = InboundState {
                directory: &r.owner.1,
                consent: &context.consent,
                previous_body: previous_body.as_ref(),
                last_auto_reply_at: context.last_acquired,
                auto_replies_last_day: context.count_since,
                known_client,
            };
            let decision = inbound::decide(r.text, &state, &r.owner.2.rules);
            if plain(&decision) {
                plains.push(Plain {
                    resolved: r,
                    decision,
                    conversation,
                });
            } else {
                others.push(r.index);
            }
        }
        Ok((plains, others))
    }

    /// Writes the acquired plain texts (what `record_claimed` and
    /// `record_inbound` write for each) in one store call per kind, and
    /// returns what each recorded, by place.
    fn record_plain(
        &self,
        plains: Vec<Plain<'_>>,
        now: Timestamp,
    ) -> Result<Vec<(usize, Recorded)>, Error> {
        if plains.is_empty() {
            return Ok(Vec::new());
        }
        let messages: Vec<Message> = plains
            .iter()
            .map(|p| Message {
                id: MessageId::new(["in_", p.resolved.provider_id].concat()),
                organization: p.resolved.owner.0.clone(),
                conversation: p.conversation.id.clone(),
                direction: Direction::Inbound,
                author: Author::Outside,
                body: p.resolved.text.body.clone(),
                at: p.resolved.text.received_at,
                provider_id: p.resolved.text.provider_id.clone(),
            })
            .collect();
        self.store.put_messages(&messages)?;
        let deliveries: Vec<_> = plains
            .iter()
            .zip(&messages)
            .map(|(p, m)| (&p.resolved.owner.0, m, recipients(&p.decision.disposition)))
            .collect();
        let notifications = inbox_state::deliver_all(&self.store, &deliveries)?;
        drop(deliveries);
        let counts: Vec<UsageCount<'_>> = plains
            .iter()
            .map(|p| {
                let (text, dir) = (p.resolved.text, &p.resolved.owner.1);
                UsageCount {
                    org: &p.resolved.owner.0,
                    user: match recipients(&p.decision.disposition) {
                        [one] => Some(one),
                        _ => None,
                    },
                    day: usage::local_day(text.received_at, dir.organization.settings.time_zone),
                    direction: Direction::Inbound,
                    segments: segments_of(&text.body),
                }
            })
            .collect();
        self.store.record_all(&counts)?;
        drop(counts);
        let ids: Vec<&str> = plains.iter().map(|p| p.resolved.provider_id).collect();
        self.store.complete_all("inbound", &ids, now)?;
        drop(ids);
        if notifications.len() != plains.len() {
            return Err(unhandled());
        }
        Ok(plains
            .into_iter()
            .zip(messages)
            .zip(notifications)
            .map(|((p, message), notifications)| {
                let recorded = RecordedText {
                    decision: p.decision,
                    conversation: p.conversation.id,
                    message: message.id,
                    replies: Vec::new(),
                    notifications,
                };
                (p.resolved.index, Recorded::Handled(Box::new(recorded)))
            })
            .collect())
    }
}

/// A store answered a bulk call with the wrong number of answers, or a
/// text was left without one: fails the batch (nothing of it is kept).
fn unhandled() -> Error {
    Error::Store(StoreError::Backend {
        message: "a bulk store call did not answer every text of the batch".into(),
    })
}
