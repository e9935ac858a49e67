//! `Practice`: the facade's store-backed JSON calls as Promises computed
//! on the libuv thread pool (`AsyncTask`), with JavaScript functions as the
//! engine's transport and clock.
//!
//! A JavaScript function can only run on the main thread, and the engine
//! calls the transport from a pool thread: the call goes through a
//! threadsafe function and the pool thread waits for its answer (the main
//! thread is free meanwhile, since every engine call here is async). A
//! function may answer with a Promise; the main thread reads it when it
//! settles and the pool thread waits for that, at most [`HOST_TIMEOUT`].

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use napi::bindgen_prelude::{
    AsyncTask, CallbackContext, Either, FromNapiValue, Function, JsObjectValue,
    JsValuesTupleIntoVec, Object, PromiseRaw, ToNapiValue, TypeName, Unknown,
};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, JsError, Status, Task, ValueType};
use napi_derive::napi;
use practicetext_facade::core::engine::{OutboundSms, SendReceipt, Transport, TransportError};
use practicetext_facade::core::inbound::EmailAlert;
use practicetext_facade::core::ports::{Clock, Timestamp};
use practicetext_facade::{
    self as facade, ErrorArea, FacadeError, Host, HostFaults, JsonIn, SystemClock, codes,
};
use serde_json::Value;

use crate::convert::{js_error, opt_text, raise, request};

/// How long a pool thread waits for a JavaScript transport or clock.
const HOST_TIMEOUT: Duration = Duration::from_secs(60);

type Call = fn(&facade::Practice, JsonIn<'_>) -> Result<Value, FacadeError>;

/// One JSON call, computed on the thread pool.
pub struct PracticeCall {
    practice: Arc<facade::Practice>,
    request: String,
    call: Call,
}

/// A JSON answer on its way to JavaScript.
pub struct Json(Value);

impl TypeName for Json {
    fn type_name() -> &'static str {
        "any"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        // SAFETY: called by napi with the env it hands to every conversion.
        unsafe { Value::to_napi_value(env, val.0) }
    }
}

impl Task for PracticeCall {
    type Output = Result<Value, FacadeError>;
    type JsValue = Json;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok((self.call)(&self.practice, JsonIn::Text(&self.request)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Json> {
        output.map(Json).map_err(|e| reject(&env, e))
    }
}

/// The rejection of a Promise: an Error with the facade's `code`.
fn reject(env: &Env, e: FacadeError) -> napi::Error {
    js_error(env, e)
}

/// Opens a store on the thread pool.
pub struct OpenPractice {
    spec: String,
    host: Option<Host>,
}

impl Task for OpenPractice {
    type Output = Result<facade::Practice, FacadeError>;
    type JsValue = Practice;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let host = self.host.take().unwrap_or_default();
        Ok(facade::Practice::open(&self.spec, host))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Practice> {
        output
            .map(|p| Practice { inner: Arc::new(p) })
            .map_err(|e| reject(&env, e))
    }
}

/// A practice's texting over one store: "memory", "sqlite:PATH",
/// "sqlite::memory:" or "postgresql://...". Every call returns a Promise.
#[napi]
pub struct Practice {
    inner: Arc<facade::Practice>,
}

impl Practice {
    fn call(&self, env: &Env, req: Unknown, call: Call) -> napi::Result<AsyncTask<PracticeCall>> {
        let request = raise(env, request(env, req, "request"))?;
        Ok(AsyncTask::new(PracticeCall {
            practice: Arc::clone(&self.inner),
            request,
            call,
        }))
    }
}

macro_rules! json_calls {
    ($($name:ident: $doc:literal),* $(,)?) => {
        #[napi]
        impl Practice {
            $(
                #[doc = $doc]
                #[napi(ts_args_type = "request: object | string", ts_return_type = "Promise<any>")]
                pub fn $name(&self, env: Env, request: Unknown) -> napi::Result<AsyncTask<PracticeCall>> {
                    self.call(&env, request, |p, r| p.$name(r))
                }
            )*
        }
    };
}

#[napi]
impl Practice {
    /// Opens the store on the calling thread (fine for "memory" and
    /// SQLite files; use `Practice.open` for PostgreSQL).
    #[napi(
        constructor,
        ts_args_type = "store?: string, host?: { sendSms?: (sms: { organization: string, from: string, to: string, body: string }) => string | Promise<string>, sendEmail?: (email: { to: string[], subject: string, body: string }) => void | Promise<void>, now?: () => number }"
    )]
    pub fn new(env: Env, store: Option<Unknown>, host: Option<Unknown>) -> napi::Result<Self> {
        let spec = raise(&env, opt_text(store, "store"))?.unwrap_or_else(|| "memory".into());
        let host = raise(&env, js_host(host))?;
        let inner = raise(&env, facade::Practice::open(&spec, host))?;
        Ok(Practice {
            inner: Arc::new(inner),
        })
    }

    /// Opens the store on the thread pool.
    #[napi(
        ts_args_type = "store?: string, host?: { sendSms?: (sms: { organization: string, from: string, to: string, body: string }) => string | Promise<string>, sendEmail?: (email: { to: string[], subject: string, body: string }) => void | Promise<void>, now?: () => number }",
        ts_return_type = "Promise<Practice>"
    )]
    pub fn open(
        env: Env,
        store: Option<Unknown>,
        host: Option<Unknown>,
    ) -> napi::Result<AsyncTask<OpenPractice>> {
        let spec = raise(&env, opt_text(store, "store"))?.unwrap_or_else(|| "memory".into());
        let host = raise(&env, js_host(host))?;
        Ok(AsyncTask::new(OpenPractice {
            spec,
            host: Some(host),
        }))
    }

    /// "memory", "sqlite" or "postgres".
    #[napi(getter)]
    pub fn store_kind(&self) -> &'static str {
        self.inner.store_kind()
    }

    /// What the recording transport kept since the last call:
    /// `{sms: [...], emails: [...]}` (empty with a host transport).
    #[napi(ts_return_type = "{ sms: any[], emails: any[] }")]
    pub fn take_sent(&self) -> Value {
        self.inner.take_sent()
    }
}

// Each doc is a plain string literal: napi copies it into index.d.ts.
json_calls!(
    put_directory: "Stores a whole directory (a Directory object), validated; answers the counts and the routing lint (R3).",
    directory: "`{organization}` -> the stored Directory.",
    put_client: "Stores a Client object.",
    client: "`{organization, client}` -> the Client or null.",
    lint: "`{organization}` -> the routing lint findings (R3).",
    handle_inbound: "One inbound text end to end: `{from, to, body, provider_id?, received_at?}`.",
    can_send: "A SendRequest -> one SendCheck per recipient, each with every refusal.",
    send: "A SendRequest -> one SendOutcome per recipient.",
    set_blocked: "`{organization, number, blocked, by}` -> the ConsentTransition (C6, C7).",
    consent: "`{organization, number}` -> the ConsentState.",
    consent_history: "`{organization, number?}` -> the consent history (C7).",
    conversations: "`{organization, status?, client?, outside_number?}` -> conversations.",
    messages: "`{organization, conversation}` -> its messages, oldest first.",
    start_conversation: "`{organization, our_number, outside_number, client?, started_by}` (V2).",
    close_conversation: "`{organization, conversation, by}` -> the history entry (V3).",
    delete_conversation: "`{organization, conversation}` (V3).",
    delete_message: "`{organization, conversation, message}` (V3).",
    assign_conversation: "`{organization, conversation, assign, other_cell_phone?}` (V4).",
    mark_read: "`{organization, user, conversation}` (V5).",
    set_muted: "`{organization, user, conversation, muted}` (V5).",
    conversation_list: "`{organization, user}` -> the conversation list (V5).",
    login: "`{organization, user}` -> what they missed (V6).",
    logout: "`{organization, user}` (V6).",
    client_history: "`{organization, client}` -> the client's communication history (V3).",
    usage_report: "`{organization, from, to}` -> usage statistics (V9).",
    broadcast_preflight: "`{request: BroadcastRequest, clients, appointments}` -> the Preflight (B1-B4, B8, X5).",
    broadcast_start: "The preflight's request plus `confirm` (its token) and `id?` -> the Broadcast (B4).",
    broadcast_run: "`{organization, broadcast, worker?, conversations_waiting?, max_steps?}` -> `{steps, done, wait_until, summary}` (B5-B9, X1).",
    broadcast_report: "`{organization, broadcast}` -> `{rows, csv}` (B7, B8, X6).",
    broadcast_activity: "`{organization}` -> every broadcast's summary, newest first (B7).",
);

/// The host pieces from `{sendSms?, sendEmail?, now?}`.
fn js_host(host: Option<Unknown>) -> Result<Host, FacadeError> {
    let mut out = Host::new();
    let Some(host) = host else { return Ok(out) };
    match host.get_type() {
        Ok(ValueType::Undefined) => return Ok(out),
        Ok(ValueType::Object) => {}
        _ => {
            return Err(FacadeError::invalid_argument(
                "host must be an object with sendSms, sendEmail and now functions",
            ));
        }
    }
    let obj = Object::from_unknown(host)
        .map_err(|_| FacadeError::invalid_argument("host must be an object"))?;
    if let Some(now) = function::<()>(&obj, "now")? {
        let faults = out.faults();
        out = out.with_clock(Arc::new(JsClock { now, faults }));
    }
    let send_sms = function::<Value>(&obj, "sendSms")?;
    let send_email = function::<Value>(&obj, "sendEmail")?;
    match (send_sms, send_email) {
        (None, None) => Ok(out),
        (Some(sms), email) => Ok(out.with_transport(Arc::new(JsTransport { sms, email }))),
        (None, Some(_)) => Err(FacadeError::invalid_argument(
            "host.sendEmail needs host.sendSms too",
        )),
    }
}

/// What a host function returned: a Promise, or anything else.
type Reply = Either<PromiseRaw<'static, Unknown<'static>>, Unknown<'static>>;

/// A host function callable from pool threads; it does not keep Node
/// running (weak).
type HostFn<A> = ThreadsafeFunction<A, Reply, A, Status, false, true>;

/// `obj[name]` as a threadsafe function, if it is a function.
fn function<A>(obj: &Object, name: &str) -> Result<Option<HostFn<A>>, FacadeError>
where
    A: 'static + JsValuesTupleIntoVec,
{
    let bad = || FacadeError::invalid_argument(format!("host.{name} must be a function"));
    let value: Option<Unknown> = obj.get_named_property(name).map_err(|_| bad())?;
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => return Ok(None),
        Ok(ValueType::Function) => {}
        _ => return Err(bad()),
    }
    let f = Function::<A, Reply>::from_unknown(value).map_err(|_| bad())?;
    f.build_threadsafe_function::<A>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()
        .map(Some)
        .map_err(|_| bad())
}

/// Why a JavaScript host function gave no answer.
struct HostFailure {
    /// The thrown error's `code`, if it had one.
    code: Option<String>,
    /// The thrown error's `providerCode`, if it had one.
    provider_code: Option<u32>,
    message: String,
}

impl HostFailure {
    fn new(message: impl Into<String>) -> Self {
        HostFailure {
            code: None,
            provider_code: None,
            message: message.into(),
        }
    }

    /// What a function threw or a Promise rejected with (read on the main
    /// thread): its `code`, `providerCode` and `message`.
    fn from_value(value: Unknown<'_>, fallback: &str) -> Self {
        let props = (value.get_type().ok() == Some(ValueType::Object))
            .then(|| Object::from_unknown(value).ok())
            .flatten();
        let read = |name: &str, ty: ValueType| {
            props
                .as_ref()
                .and_then(|o| o.get_named_property::<Unknown>(name).ok())
                .filter(|v| v.get_type().ok() == Some(ty))
        };
        HostFailure {
            code: read("code", ValueType::String).and_then(|c| String::from_unknown(c).ok()),
            provider_code: read("providerCode", ValueType::Number)
                .and_then(|c| u32::from_unknown(c).ok()),
            message: read("message", ValueType::String)
                .and_then(|m| String::from_unknown(m).ok())
                .unwrap_or_else(|| fallback.to_owned()),
        }
    }
}

/// Reads a host function's answer (on the main thread).
type Read<T> = fn(Unknown<'_>) -> Result<T, HostFailure>;

/// Calls `f` from a pool thread and waits, at most [`HOST_TIMEOUT`], for
/// its answer or its Promise's, which `read` turns into a `T`.
fn call_and_wait<A, T>(f: &HostFn<A>, arg: A, read: Read<T>) -> Result<T, HostFailure>
where
    A: 'static + JsValuesTupleIntoVec,
    T: 'static + Send,
{
    let (tx, rx) = mpsc::channel::<Result<T, HostFailure>>();
    let status =
        f.call_with_return_value(arg, ThreadsafeFunctionCallMode::Blocking, move |r, env| {
            match r {
                Err(e) => {
                    let message = e.reason.clone();
                    let thrown = JsError::from(e).into_unknown(env);
                    let _ = tx.send(Err(HostFailure::from_value(thrown, &message)));
                }
                Ok(Either::B(value)) => {
                    let _ = tx.send(read(value));
                }
                Ok(Either::A(promise)) => {
                    let on_reject = tx.clone();
                    let settled = promise
                        .then(move |ctx| {
                            let _ = tx.send(read(ctx.value));
                            Ok(())
                        })
                        .and_then(|p| {
                            p.catch(move |ctx: CallbackContext<Unknown>| {
                                let _ = on_reject.send(Err(HostFailure::from_value(
                                    ctx.value,
                                    "the Promise was rejected",
                                )));
                                Ok(())
                            })
                        });
                    if settled.is_err() {
                        return Ok(());
                    }
                }
            }
            Ok(())
        });
    if status != Status::Ok {
        return Err(HostFailure::new(format!(
            "the JavaScript thread did not take the call ({status})"
        )));
    }
    rx.recv_timeout(HOST_TIMEOUT)
        .map_err(|_| HostFailure::new("the JavaScript function did not answer in time"))?
}

fn read_string(v: Unknown<'_>) -> Result<String, HostFailure> {
    match v.get_type() {
        Ok(ValueType::String) => String::from_unknown(v).map_err(|_| {
            HostFailure::new("sendSms must answer the provider's message id (a string)")
        }),
        _ => Err(HostFailure::new(
            "sendSms must answer the provider's message id (a string)",
        )),
    }
}

fn read_nothing(_: Unknown<'_>) -> Result<(), HostFailure> {
    Ok(())
}

fn read_millis(v: Unknown<'_>) -> Result<f64, HostFailure> {
    match v.get_type() {
        Ok(ValueType::Number) => {
            f64::from_unknown(v).map_err(|_| HostFailure::new("now must answer a number"))
        }
        _ => Err(HostFailure::new(
            "now must answer milliseconds since the epoch",
        )),
    }
}

/// A host transport: `sendSms(sms)` answers the provider's message id (or
/// a Promise of it); throwing (or rejecting with) an Error whose `code` is
/// "transport_rejected" is a refusal (with `providerCode`, e.g. 21610),
/// anything else means the provider could not be reached.
struct JsTransport {
    sms: HostFn<Value>,
    email: Option<HostFn<Value>>,
}

fn transport_error(f: HostFailure) -> TransportError {
    match f.code.as_deref() {
        Some("transport_rejected") => TransportError::Rejected {
            provider_code: f.provider_code,
            message: f.message,
        },
        _ => TransportError::Unavailable { message: f.message },
    }
}

impl Transport for JsTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        let arg = serde_json::to_value(sms)
            .map_err(|e| transport_error(HostFailure::new(e.to_string())))?;
        call_and_wait(&self.sms, arg, read_string)
            .map(|provider_id| SendReceipt { provider_id })
            .map_err(transport_error)
    }

    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        let Some(f) = &self.email else {
            return Err(TransportError::Unavailable {
                message: "the host gave no sendEmail function".into(),
            });
        };
        let arg = serde_json::to_value(email)
            .map_err(|e| transport_error(HostFailure::new(e.to_string())))?;
        call_and_wait(f, arg, read_nothing).map_err(transport_error)
    }
}

/// A host clock: `now()` answers milliseconds since the epoch (`Date.now()`).
struct JsClock {
    now: HostFn<()>,
    faults: Arc<HostFaults>,
}

impl Clock for JsClock {
    fn now(&self) -> Timestamp {
        let ms = call_and_wait(&self.now, (), read_millis);
        let at = ms.ok().and_then(|ms| {
            (ms.is_finite() && ms.abs() < 8.64e15)
                .then(|| Timestamp::from_timestamp_millis(ms as i64)) // ok: finite and in range
                .flatten()
        });
        at.unwrap_or_else(|| {
            self.faults.report(FacadeError::new(
                codes::HOST_CLOCK_FAILED,
                ErrorArea::Host,
                "host.now threw or did not return milliseconds since the epoch",
            ));
            SystemClock.now()
        })
    }
}
