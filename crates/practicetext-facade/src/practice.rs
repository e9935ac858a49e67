//! [`Practice`]: one store, the engine over it, a clock, a random source and
//! a transport, behind JSON-in/JSON-out calls. Every call takes a JSON
//! request (text or a [`serde_json::Value`]) and returns a JSON value or a
//! [`FacadeError`]; the request and answer shapes are the core's serde
//! forms, listed on each method.
//!
//! Every store (memory, SQLite, PostgreSQL) serves every call: the
//! directory, the engine (inbound texts, sends, consent), conversations and
//! the inbox, and mass text alerts (broadcast preflight, start, run,
//! report, activity).

use std::sync::Arc;

use practicetext_core::broadcast::{
    self, Appointment, BroadcastPorts, BroadcastRequest, BroadcastRunner, ClientContact, Step,
    StoreConsent,
};
use practicetext_core::consent::ConsentTransition;
use practicetext_core::directory::{Client, Directory};
use practicetext_core::engine::{Engine, InboundOutcome, SendOutcome, Transport};
use practicetext_core::error::Error;
use practicetext_core::ids::{
    BroadcastId, ClientId, ConversationId, MessageId, OrganizationId, Username,
};
use practicetext_core::inbound::InboundText;
use practicetext_core::inbox::lifecycle::{self, AssignTo, OtherCellPhone};
use practicetext_core::inbox::{state, usage};
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{
    BroadcastStore, Clock, ConversationFilter, DirectoryStore, Random, Store, Timestamp,
};
use practicetext_core::routing;
use practicetext_core::send::{SendCheck, SendRequest};
use practicetext_core::sensitive::MessageBody;
use practicetext_core::webhook::Sender;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ErrorArea, FacadeError, codes};
use crate::host::{HostFaults, HostTransport, OsRandom, Recorder, SystemClock};
use crate::json::{JsonIn, parse, to_value};
use crate::store::StoreSpec;

/// What the host brings to a [`Practice`]: its own clock and transport, or
/// none (then the system clock and a [`Recorder`] whose texts
/// [`Practice::take_sent`] hands out).
#[derive(Default)]
pub struct Host {
    clock: Option<Arc<dyn Clock>>,
    transport: Option<Arc<dyn Transport>>,
    faults: Arc<HostFaults>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("clock", &self.clock.is_some())
            .field("transport", &self.transport.is_some())
            .finish()
    }
}

impl Host {
    /// The defaults: system clock, recording transport.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where host pieces report failures their trait cannot return (a
    /// clock callback that raised): hand it to them before `open`.
    pub fn faults(&self) -> Arc<HostFaults> {
        Arc::clone(&self.faults)
    }

    /// Uses the host's clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses the host's transport.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }
}

/// The engine's calls, over whichever store it runs on.
trait EngineOps: Send + Sync {
    fn handle_inbound(&self, text: &InboundText) -> Result<InboundOutcome, Error>;
    fn can_send(&self, req: &SendRequest) -> Result<Vec<SendCheck>, Error>;
    fn send(&self, req: &SendRequest) -> Result<Vec<SendOutcome>, Error>;
    fn set_blocked(
        &self,
        org: &OrganizationId,
        number: E164,
        blocked: bool,
        staff: &Username,
    ) -> Result<ConsentTransition, Error>;
    fn store(&self) -> &dyn Store;
    fn broadcasts(&self) -> &dyn BroadcastPorts;
    fn transport(&self) -> &dyn Transport;
}

impl<S, T> EngineOps for Engine<S, T>
where
    S: Store + BroadcastStore + 'static,
    T: Transport + 'static,
{
    fn handle_inbound(&self, text: &InboundText) -> Result<InboundOutcome, Error> {
        Engine::handle_inbound(self, text)
    }
    fn can_send(&self, req: &SendRequest) -> Result<Vec<SendCheck>, Error> {
        Engine::can_send(self, req)
    }
    fn send(&self, req: &SendRequest) -> Result<Vec<SendOutcome>, Error> {
        Engine::send(self, req)
    }
    fn set_blocked(
        &self,
        org: &OrganizationId,
        number: E164,
        blocked: bool,
        staff: &Username,
    ) -> Result<ConsentTransition, Error> {
        Engine::set_blocked(self, org, number, blocked, staff)
    }
    fn store(&self) -> &dyn Store {
        Engine::<S, T>::store(self)
    }
    fn broadcasts(&self) -> &dyn BroadcastPorts {
        Engine::<S, T>::store(self)
    }
    fn transport(&self) -> &dyn Transport {
        Engine::<S, T>::transport(self)
    }
}

/// A practice's texting: a store with the engine over it (see the
/// [module documentation](self) for which calls each store serves).
/// `Send + Sync`: share it between threads; calls block on the store.
pub struct Practice {
    engine: Box<dyn EngineOps>,
    kind: &'static str,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    recorder: Option<Arc<Recorder>>,
    faults: Arc<HostFaults>,
}

impl std::fmt::Debug for Practice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Practice")
            .field("store", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Practice {
    /// Opens the store `spec` names (see [`crate::store`]) with the host's
    /// pieces. Refuses a bad spec (`invalid_store_spec`), a store this
    /// build lacks (`store_not_supported`) and a store that cannot be
    /// opened (its own codes, e.g. `store_open_failed`).
    pub fn open(spec: &str, host: Host) -> Result<Practice, FacadeError> {
        let spec = StoreSpec::parse(spec)?;
        let Host {
            clock,
            transport,
            faults,
        } = host;
        let clock = clock.unwrap_or_else(|| Arc::new(SystemClock));
        let random: Arc<dyn Random> = Arc::new(OsRandom::new(Arc::clone(&faults))?);
        let (transport, recorder) = match transport {
            Some(t) => (HostTransport::new(t), None),
            None => {
                let r = Arc::new(Recorder::default());
                (HostTransport::new(r.clone()), Some(r))
            }
        };
        let parts = Parts {
            clock: Arc::clone(&clock),
            random: Arc::clone(&random),
            transport,
        };
        Ok(Practice {
            engine: open_engine(&spec, parts)?,
            kind: spec.kind(),
            clock,
            random,
            recorder,
            faults,
        })
    }

    /// `"memory"`, `"sqlite"` or `"postgres"`.
    pub fn store_kind(&self) -> &'static str {
        self.kind
    }

    /// What the recording transport kept since the last call:
    /// `{"sms": [...], "emails": [...]}` (both empty when the host gave its
    /// own transport).
    pub fn take_sent(&self) -> Value {
        match &self.recorder {
            Some(r) => r.take(),
            None => serde_json::json!({ "sms": [], "emails": [] }),
        }
    }

    // ----- the directory (every store) -----

    /// Stores a whole directory (organization, users, groups, numbers) after
    /// validating it. Request: a `Directory`. Answer: `{"organization",
    /// "users", "groups", "numbers", "lint": [...]}` with the counts written
    /// and the routing lint's findings (R3).
    pub fn put_directory<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let dir: Directory = parse(request.into(), "the directory")?;
        dir.validate()?;
        self.guard(|| {
            let store = self.directory_store();
            store.put_organization(&dir.organization)?;
            dir.users.iter().try_for_each(|u| store.put_user(u))?;
            dir.groups.iter().try_for_each(|g| store.put_group(g))?;
            dir.numbers.iter().try_for_each(|n| store.put_number(n))?;
            Ok(serde_json::json!({
                "organization": dir.organization.id,
                "users": dir.users.len(),
                "groups": dir.groups.len(),
                "numbers": dir.numbers.len(),
                "lint": routing::lint(&dir),
            }))
        })
    }

    /// The directory of an organization. Request: `{"organization"}`.
    pub fn directory<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: OrgRequest = parse(request.into(), "the request")?;
        self.guard(|| to_value(&self.directory_store().directory(&r.organization)?))
    }

    /// Stores a client (patient or contact). Request: a `Client`. Answer:
    /// `{"client": id}`.
    pub fn put_client<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let client: Client = parse(request.into(), "the client")?;
        self.guard(|| {
            self.directory_store().put_client(&client)?;
            Ok(serde_json::json!({ "client": client.id }))
        })
    }

    /// A client, or `null`. Request: `{"organization", "client"}`.
    pub fn client<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: ClientRequest = parse(request.into(), "the request")?;
        self.guard(|| to_value(&self.directory_store().client(&r.organization, &r.client)?))
    }

    /// The routing lint of an organization's stored directory (R3).
    /// Request: `{"organization"}`.
    pub fn lint<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: OrgRequest = parse(request.into(), "the request")?;
        self.guard(|| {
            let dir = self.directory_store().directory(&r.organization)?;
            to_value(&routing::lint(&dir))
        })
    }

    // ----- the engine -----

    /// Handles one inbound text end to end (V1, V10, C1-C7, R3, R4, A1-A5,
    /// X4). Request: `{"from", "to", "body", "provider_id"?, "media_count"?,
    /// "received_at"?}` (`received_at` defaults to the clock's now). Answer:
    /// the engine's `InboundOutcome` (`{"outcome": "handled", "decision",
    /// "conversation", "message", "sent"}` or `{"outcome": "duplicate"}`).
    pub fn handle_inbound<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: InboundRequest = parse(request.into(), "the inbound text")?;
        let engine = self.engine();
        let from = Sender::parse(&r.from).ok_or_else(|| {
            FacadeError::new(
                codes::BAD_INPUT,
                ErrorArea::Input,
                "the inbound text's \"from\" is blank",
            )
        })?;
        self.guard(|| {
            let text = InboundText {
                provider_id: r.provider_id,
                from,
                to: r.to,
                body: MessageBody::new(r.body),
                media_count: r.media_count,
                received_at: r.received_at.unwrap_or_else(|| self.clock.now()),
            };
            to_value(&engine.handle_inbound(&text)?)
        })
    }

    /// Checks a send without sending (R2, R4-R7, N2, C4, C6, P1-P7): one
    /// `SendCheck` per recipient with every reason it cannot go. Request: a
    /// `SendRequest`.
    pub fn can_send<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let req: SendRequest = parse(request.into(), "the send request")?;
        let engine = self.engine();
        self.guard(|| to_value(&engine.can_send(&req)?))
    }

    /// Sends a staff member's text (R1-R7): one `SendOutcome` per recipient.
    /// Request: a `SendRequest`.
    pub fn send<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let req: SendRequest = parse(request.into(), "the send request")?;
        let engine = self.engine();
        self.guard(|| to_value(&engine.send(&req)?))
    }

    /// Staff block or unblock a number (C6, C7). Request: `{"organization",
    /// "number", "blocked": bool, "by"}`. Answer: the `ConsentTransition`.
    pub fn set_blocked<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: BlockRequest = parse(request.into(), "the request")?;
        let engine = self.engine();
        self.guard(|| to_value(&engine.set_blocked(&r.organization, r.number, r.blocked, &r.by)?))
    }

    /// The consent state of a number (C1-C6). Request: `{"organization",
    /// "number"}`.
    pub fn consent<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: NumberRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| to_value(&store.consent(&r.organization, r.number)?))
    }

    /// The consent history (C7), of one number when `number` is given.
    /// Request: `{"organization", "number"?}`.
    pub fn consent_history<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: HistoryRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| to_value(&store.consent_history(&r.organization, r.number)?))
    }

    // ----- conversations and the inbox (V1-V9) -----

    /// Conversations of an organization (V1-V3). Request:
    /// `{"organization", "status"?, "client"?, "outside_number"?}`.
    pub fn conversations<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: ConversationsRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| to_value(&store.conversations(&r.organization, &r.filter)?))
    }

    /// Messages of a conversation, oldest first. Request: `{"organization",
    /// "conversation"}`.
    pub fn messages<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: ConversationRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            lifecycle::load(store, &r.organization, &r.conversation)?;
            to_value(&store.messages(&r.organization, &r.conversation)?)
        })
    }

    /// Staff start a conversation from the inbox or a client's profile
    /// (V2); the active one is returned if it exists. Request:
    /// `{"organization", "our_number", "outside_number", "client"?,
    /// "started_by"}`.
    pub fn start_conversation<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: StartRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            let id = ConversationId::new(self.new_id("conv"));
            to_value(&lifecycle::start(
                store,
                &r.organization,
                r.our_number,
                r.outside_number,
                r.client,
                &r.started_by,
                self.clock.now(),
                id,
            )?)
        })
    }

    /// Closes a conversation into the client's history (V3). Request:
    /// `{"organization", "conversation", "by"}`. Answer: the history entry.
    pub fn close_conversation<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: ByRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            to_value(&lifecycle::close(
                store,
                &r.organization,
                &r.conversation,
                &r.by,
                self.clock.now(),
            )?)
        })
    }

    /// Deletes a conversation for good (V3). Request: `{"organization",
    /// "conversation"}`.
    pub fn delete_conversation<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: ConversationRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| to_value(&lifecycle::delete(store, &r.organization, &r.conversation)?))
    }

    /// Deletes one message for good (V3). Request: `{"organization",
    /// "conversation", "message"}`. Answer: `{}`.
    pub fn delete_message<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: MessageRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            lifecycle::delete_message(store, &r.organization, &r.conversation, &r.message)?;
            Ok(serde_json::json!({}))
        })
    }

    /// Assigns a conversation and its number to a client (V4). Request:
    /// `{"organization", "conversation", "assign": {"to": "existing",
    /// "client"} | {"to": "new", "client": Client}, "other_cell_phone"?:
    /// "refuse" | "replace" | "keep"}`.
    pub fn assign_conversation<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: AssignRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            to_value(&lifecycle::assign(
                store,
                &r.organization,
                &r.conversation,
                r.assign,
                r.other_cell_phone,
            )?)
        })
    }

    /// A user read a conversation (V5). Request: `{"organization", "user",
    /// "conversation"}`. Answer: `{}`.
    pub fn mark_read<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: UserConversationRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            state::read(store, &r.organization, &r.user, &r.conversation)?;
            Ok(serde_json::json!({}))
        })
    }

    /// Turns a user's notifications for a conversation off or on (V5).
    /// Request: `{"organization", "user", "conversation", "muted": bool}`.
    pub fn set_muted<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: MuteRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            state::set_muted(store, &r.organization, &r.user, &r.conversation, r.muted)?;
            Ok(serde_json::json!({}))
        })
    }

    /// A user's conversation list, most recent first (V5). Request:
    /// `{"organization", "user"}`.
    pub fn conversation_list<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: UserRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| to_value(&state::conversation_list(store, &r.organization, &r.user)?))
    }

    /// A user logs in (V6): what they missed. Request: `{"organization",
    /// "user"}`.
    pub fn login<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: UserRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            to_value(&state::login(
                store,
                &r.organization,
                &r.user,
                self.clock.now(),
            )?)
        })
    }

    /// A user logs out (V6). Request: `{"organization", "user"}`. Answer: `{}`.
    pub fn logout<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: UserRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| {
            state::logout(store, &r.organization, &r.user)?;
            Ok(serde_json::json!({}))
        })
    }

    /// A client's communication history (V3). Request: `{"organization",
    /// "client"}`.
    pub fn client_history<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: ClientRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| to_value(&store.client_history(&r.organization, &r.client)?))
    }

    /// Usage statistics (V9). Request: `{"organization", "from": "YYYY-MM-DD",
    /// "to": "YYYY-MM-DD"}`.
    pub fn usage_report<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: UsageRequest = parse(request.into(), "the request")?;
        let store = self.engine().store();
        self.guard(|| to_value(&usage::report(store, &r.organization, r.from, r.to)?))
    }

    // ----- mass text alerts (B1-B9, X5) -----

    /// The dry run of a mass text alert (B1-B4, B8, X5): who gets it, who
    /// does not and why, the characters remaining, the projected finish
    /// and the confirmation token. Request: `{"request": BroadcastRequest,
    /// "clients": [ClientContact], "appointments": [Appointment]}`; the
    /// directory and consent come from the store, the time from the clock.
    /// Answer: the `Preflight`. A refused request fails with
    /// `broadcast_refused` (area broadcast), every reason in the message.
    pub fn broadcast_preflight<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: PreflightRequest = parse(request.into(), "the broadcast request")?;
        self.guard(|| to_value(&self.plan(&r)?.0))
    }

    /// Starts a confirmed mass text alert (B4): runs the preflight again on
    /// the same inputs and stores the broadcast, every recipient pending,
    /// only if `confirm` is the token that preflight gives (else
    /// `confirmation_mismatch`). Request: the preflight's request plus
    /// `"confirm"` and an optional `"id"` (default: from the token, so
    /// starting the same plan twice starts it once). Answer: the
    /// `Broadcast`.
    pub fn broadcast_start<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: StartBroadcastRequest = parse(request.into(), "the broadcast request")?;
        self.guard(|| {
            let (plan, dir) = self.plan(&r.preflight)?;
            let id = r.id.unwrap_or_else(|| {
                BroadcastId::new(format!("bc_{}", plan.token.get(..16).unwrap_or_default()))
            });
            let store = self.engine().broadcasts();
            to_value(&broadcast::start(
                store,
                &dir,
                &plan,
                &r.confirm,
                id,
                self.clock.now(),
            )?)
        })
    }

    /// Carries a started broadcast forward (B5-B9, X1, C4) through the
    /// host's transport: steps the runner at the clock's now until it has
    /// to wait (pace, quiet hours, conversation texts first) or every
    /// recipient is done, at most `max_steps` steps. Call it again at
    /// `wait_until`. Request: `{"organization", "broadcast", "worker"?
    /// (default "host"), "conversations_waiting"? (default 0),
    /// "max_steps"? (default 1000)}`. Answer: `{"steps": [Step], "done":
    /// bool, "wait_until": timestamp | null, "summary": BroadcastSummary}`.
    pub fn broadcast_run<'a>(&self, request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
        let r: RunBroadcastRequest = parse(request.into(), "the request")?;
        let engine = self.engine();
        self.guard(|| {
            let mut runner = BroadcastRunner::open(
                engine.broadcasts(),
                engine.transport(),
                &r.organization,
                &r.broadcast,
                r.worker,
            )?;
            let mut steps = Vec::new();
            for _ in 0..r.max_steps {
                let step = runner.step(self.clock.now(), r.conversations_waiting)?;
                let last = matches!(step, Step::Wait { .. } | Step::Done(_));
                steps.push(step);
                if last {
                    break;
                }
            }
            let wait_until = match steps.last() {
                Some(Step::Wait { until, .. }) => Some(*until),
                _ => None,
            };
            to_value(&serde_json::json!({
                "done": matches!(steps.last(), Some(Step::Done(_))),
                "wait_until": wait_until,
                "steps": steps,
                "summary": runner.summary()?,
            }))
        })
    }

    /// A broadcast's report (B7, B8, X6): one row per recipient and
    /// excluded client, and the same as CSV. Request: `{"organization",
    /// "broadcast"}`. Answer: `{"rows": [ReportRow], "csv": str}`.
    pub fn broadcast_report<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: BroadcastIdRequest = parse(request.into(), "the request")?;
        let store = self.engine().broadcasts();
        self.guard(|| {
            let b = store
                .broadcast(&r.organization, &r.broadcast)?
                .ok_or_else(|| {
                    Error::from(broadcast::BroadcastError::NotFound {
                        id: r.broadcast.clone(),
                    })
                })?;
            let recipients = store.recipients(&r.organization, &r.broadcast)?;
            to_value(&serde_json::json!({
                "rows": broadcast::report(&b, &recipients),
                "csv": broadcast::report_csv(&b, &recipients),
            }))
        })
    }

    /// The activity section (B7): every broadcast of an organization,
    /// newest first, with its status line. Request: `{"organization"}`.
    pub fn broadcast_activity<'a>(
        &self,
        request: impl Into<JsonIn<'a>>,
    ) -> Result<Value, FacadeError> {
        let r: OrgRequest = parse(request.into(), "the request")?;
        let store = self.engine().broadcasts();
        self.guard(|| to_value(&broadcast::activity(store, &r.organization)?))
    }

    // ----- plumbing -----

    /// The preflight of `r` and the directory it was made against.
    fn plan(&self, r: &PreflightRequest) -> Result<(broadcast::Preflight, Directory), FacadeError> {
        let org = &r.request.organization;
        let dir = self.directory_store().directory(org)?;
        let lookup = StoreConsent {
            store: self.engine().broadcasts(),
            organization: org,
        };
        let plan = broadcast::preflight(
            &r.request,
            &dir,
            &r.clients,
            &r.appointments,
            &lookup,
            self.clock.now(),
        )?;
        Ok((plan, dir))
    }

    fn directory_store(&self) -> &dyn DirectoryStore {
        self.engine.store()
    }

    fn engine(&self) -> &dyn EngineOps {
        self.engine.as_ref()
    }

    /// Runs `f`, then reports a host failure that happened meanwhile
    /// instead of its answer.
    fn guard(&self, f: impl FnOnce() -> Result<Value, FacadeError>) -> Result<Value, FacadeError> {
        let answer = f();
        match self.faults.take() {
            Some(fault) => Err(fault),
            None => answer,
        }
    }

    fn new_id(&self, prefix: &str) -> String {
        let mut bytes = [0u8; 12];
        self.random.fill(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{prefix}_{hex}")
    }
}

struct Parts {
    clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    transport: HostTransport,
}

/// The engine over a store.
fn engine<S: Store + BroadcastStore + 'static>(store: S, parts: Parts) -> Box<dyn EngineOps> {
    Box::new(Engine::new(
        store,
        parts.transport,
        parts.clock,
        parts.random,
    ))
}

fn open_engine(spec: &StoreSpec, parts: Parts) -> Result<Box<dyn EngineOps>, FacadeError> {
    match spec {
        StoreSpec::Memory => Ok(engine(MemoryStore::new(), parts)),
        #[cfg(feature = "sqlite")]
        StoreSpec::SqliteMemory => Ok(engine(
            practicetext_sqlite::SqliteStore::open_in_memory()?,
            parts,
        )),
        #[cfg(feature = "sqlite")]
        StoreSpec::Sqlite(path) => Ok(engine(practicetext_sqlite::SqliteStore::open(path)?, parts)),
        #[cfg(feature = "postgres")]
        StoreSpec::Postgres(url) => {
            Ok(engine(practicetext_postgres::PgStore::connect(url)?, parts))
        }
        #[allow(unreachable_patterns)] // reachable when a store feature is off
        other => Err(FacadeError::new(
            codes::STORE_NOT_SUPPORTED,
            ErrorArea::Store,
            format!(
                "this build of practicetext has no {} store; use another store spec",
                other.kind()
            ),
        )),
    }
}

#[derive(Deserialize)]
struct OrgRequest {
    organization: OrganizationId,
}

#[derive(Deserialize)]
struct ClientRequest {
    organization: OrganizationId,
    client: ClientId,
}

#[derive(Deserialize)]
struct InboundRequest {
    #[serde(default)]
    provider_id: Option<String>,
    from: String,
    to: E164,
    body: String,
    #[serde(default)]
    media_count: u32,
    #[serde(default)]
    received_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct BlockRequest {
    organization: OrganizationId,
    number: E164,
    blocked: bool,
    by: Username,
}

#[derive(Deserialize)]
struct NumberRequest {
    organization: OrganizationId,
    number: E164,
}

#[derive(Deserialize)]
struct HistoryRequest {
    organization: OrganizationId,
    #[serde(default)]
    number: Option<E164>,
}

#[derive(Deserialize)]
struct ConversationsRequest {
    organization: OrganizationId,
    #[serde(flatten)]
    filter: ConversationFilter,
}

#[derive(Deserialize)]
struct ConversationRequest {
    organization: OrganizationId,
    conversation: ConversationId,
}

#[derive(Deserialize)]
struct MessageRequest {
    organization: OrganizationId,
    conversation: ConversationId,
    message: MessageId,
}

#[derive(Deserialize)]
struct ByRequest {
    organization: OrganizationId,
    conversation: ConversationId,
    by: Username,
}

#[derive(Deserialize)]
struct StartRequest {
    organization: OrganizationId,
    our_number: E164,
    outside_number: E164,
    #[serde(default)]
    client: Option<ClientId>,
    started_by: Username,
}

#[derive(Deserialize)]
struct AssignRequest {
    organization: OrganizationId,
    conversation: ConversationId,
    assign: AssignTo,
    #[serde(default)]
    other_cell_phone: OtherCellPhone,
}

#[derive(Deserialize)]
struct UserConversationRequest {
    organization: OrganizationId,
    user: Username,
    conversation: ConversationId,
}

#[derive(Deserialize)]
struct MuteRequest {
    organization: OrganizationId,
    user: Username,
    conversation: ConversationId,
    muted: bool,
}

#[derive(Deserialize)]
struct UserRequest {
    organization: OrganizationId,
    user: Username,
}

#[derive(Deserialize)]
struct UsageRequest {
    organization: OrganizationId,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

#[derive(Deserialize)]
struct PreflightRequest {
    request: BroadcastRequest,
    #[serde(default)]
    clients: Vec<ClientContact>,
    #[serde(default)]
    appointments: Vec<Appointment>,
}

#[derive(Deserialize)]
struct StartBroadcastRequest {
    #[serde(flatten)]
    preflight: PreflightRequest,
    confirm: String,
    #[serde(default)]
    id: Option<BroadcastId>,
}

#[derive(Deserialize)]
struct RunBroadcastRequest {
    organization: OrganizationId,
    broadcast: BroadcastId,
    #[serde(default = "default_worker")]
    worker: String,
    #[serde(default)]
    conversations_waiting: usize,
    #[serde(default = "default_max_steps")]
    max_steps: u32,
}

fn default_worker() -> String {
    "host".to_owned()
}

fn default_max_steps() -> u32 {
    1000
}

#[derive(Deserialize)]
struct BroadcastIdRequest {
    organization: OrganizationId,
    broadcast: BroadcastId,
}
