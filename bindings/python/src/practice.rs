//! `Practice`: the facade's store-backed JSON calls, each run without the
//! GIL; a Python transport object and a Python clock callable as the
//! engine's host pieces.

use std::sync::Arc;

use practicetext_facade::core::chrono::{DateTime, FixedOffset, Utc};
use practicetext_facade::core::engine::{OutboundSms, SendReceipt, Transport, TransportError};
use practicetext_facade::core::inbound::EmailAlert;
use practicetext_facade::core::ports::{Clock, Timestamp};
use practicetext_facade::{
    ErrorArea, FacadeError, Host, HostFaults, JsonIn, Practice as Inner, SystemClock, codes,
};
use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::{answer, raise, request, text};

/// A practice's texting over one store: "memory", "sqlite:PATH",
/// "sqlite::memory:" or "postgresql://...".
#[pyclass(frozen, module = "practicetext")]
pub struct Practice {
    inner: Inner,
}

type Call = fn(&Inner, JsonIn<'_>) -> Result<Value, FacadeError>;

impl Practice {
    /// Reads `req`, runs `call` without the GIL, answers Python data.
    fn call(&self, py: Python<'_>, req: &Bound<'_, PyAny>, call: Call) -> PyResult<Py<PyAny>> {
        let json = raise(py, request(py, req, "request"))?;
        let value = raise(py, py.detach(|| call(&self.inner, JsonIn::Text(&json))))?;
        answer(py, &value)
    }
}

macro_rules! json_calls {
    ({$($extra:tt)*} $($(#[$doc:meta])* $name:ident),* $(,)?) => {
        #[pymethods]
        impl Practice {
            $($extra)*
            $(
                $(#[$doc])*
                fn $name(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                    self.call(py, request, |p, r| p.$name(r))
                }
            )*
        }
    };
}

json_calls!(
    {    #[new]
    #[pyo3(signature = (store = None, *, transport = None, clock = None))]
    fn new(
        py: Python<'_>,
        store: Option<&Bound<'_, PyAny>>,
        transport: Option<Py<PyAny>>,
        clock: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let spec = match store {
            Some(s) => raise(py, text(s, "store"))?.to_owned(),
            None => "memory".to_owned(),
        };
        let mut host = Host::new();
        if let Some(c) = clock {
            let faults = host.faults();
            host = host.with_clock(Arc::new(PyClock {
                callable: c,
                faults,
            }));
        }
        if let Some(t) = transport {
            host = host.with_transport(Arc::new(PyTransport(t)));
        }
        let inner = raise(py, py.detach(|| Inner::open(&spec, host)))?;
        Ok(Practice { inner })
    }

    /// "memory", "sqlite" or "postgres".
    #[getter]
    fn store_kind(&self) -> &'static str {
        self.inner.store_kind()
    }

    /// What the recording transport kept since the last call:
    /// {"sms": [...], "emails": [...]} (empty with a host transport).
    fn take_sent(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        answer(py, &self.inner.take_sent())
    }

    fn __repr__(&self) -> String {
        format!("Practice(store_kind='{}')", self.inner.store_kind())
    }
}
    /// Stores a whole directory (a Directory dict), validated; answers the counts and the routing lint (R3).
    put_directory,
    /// {"organization"} -> the stored Directory.
    directory,
    /// Stores a Client dict.
    put_client,
    /// {"organization", "client"} -> the Client or None.
    client,
    /// {"organization"} -> the routing lint findings (R3).
    lint,
    /// One inbound text end to end: {"from", "to", "body", "provider_id"?, "received_at"?}.
    handle_inbound,
    /// A SendRequest -> one SendCheck per recipient, each with every refusal.
    can_send,
    /// A SendRequest -> one SendOutcome per recipient.
    send,
    /// {"organization", "number", "blocked", "by"} -> the ConsentTransition (C6, C7).
    set_blocked,
    /// {"organization", "number"} -> the ConsentState.
    consent,
    /// {"organization", "number"?} -> the consent history (C7).
    consent_history,
    /// {"organization", "status"?, "client"?, "outside_number"?} -> conversations.
    conversations,
    /// {"organization", "conversation"} -> its messages, oldest first.
    messages,
    /// {"organization", "our_number", "outside_number", "client"?, "started_by"} (V2).
    start_conversation,
    /// {"organization", "conversation", "by"} -> the history entry (V3).
    close_conversation,
    /// {"organization", "conversation"} (V3).
    delete_conversation,
    /// {"organization", "conversation", "message"} (V3).
    delete_message,
    /// {"organization", "conversation", "assign", "other_cell_phone"?} (V4).
    assign_conversation,
    /// {"organization", "user", "conversation"} (V5).
    mark_read,
    /// {"organization", "user", "conversation", "muted"} (V5).
    set_muted,
    /// {"organization", "user"} -> the conversation list (V5).
    conversation_list,
    /// {"organization", "user"} -> what they missed (V6).
    login,
    /// {"organization", "user"} (V6).
    logout,
    /// {"organization", "client"} -> the client's communication history (V3).
    client_history,
    /// {"organization", "from", "to"} -> usage statistics (V9).
    usage_report,
    /// {"request": BroadcastRequest, "clients", "appointments"} -> the Preflight (B1-B4, B8, X5).
    broadcast_preflight,
    /// The preflight's request plus "confirm" (its token) and "id"? -> the Broadcast (B4).
    broadcast_start,
    /// {"organization", "broadcast", "worker"?, "conversations_waiting"?, "max_steps"?} -> {"steps", "done", "wait_until", "summary"} (B5-B9, X1).
    broadcast_run,
    /// {"organization", "broadcast"} -> {"rows", "csv"} (B7, B8, X6).
    broadcast_report,
    /// {"organization"} -> every broadcast's summary, newest first (B7).
    broadcast_activity,
);

/// A host clock: a callable returning a timezone-aware datetime.
struct PyClock {
    callable: Py<PyAny>,
    faults: Arc<HostFaults>,
}

impl Clock for PyClock {
    fn now(&self) -> Timestamp {
        let read = Python::attach(|py| {
            self.callable
                .call0(py)?
                .extract::<DateTime<FixedOffset>>(py)
        });
        match read {
            Ok(t) => t.with_timezone(&Utc),
            Err(_) => {
                self.faults.report(FacadeError::new(
                    codes::HOST_CLOCK_FAILED,
                    ErrorArea::Host,
                    "the clock callable raised or did not return a timezone-aware datetime",
                ));
                SystemClock.now()
            }
        }
    }
}

/// A host transport: an object with `send_sms(sms: dict) -> str` (the
/// provider's message id) and `send_email(email: dict) -> None`. Raising
/// `practicetext.TransportRejected` is a refusal; any other exception
/// means the provider could not be reached.
struct PyTransport(Py<PyAny>);

impl PyTransport {
    fn invoke<T>(
        &self,
        method: &str,
        payload: &impl serde::Serialize,
        read: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<T>,
    ) -> Result<T, TransportError> {
        Python::attach(|py| {
            let arg = serde_json::to_value(payload)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
                .and_then(|v| answer(py, &v))?;
            let r = self.0.bind(py).call_method1(method, (arg,))?;
            read(&r)
        })
        .map_err(|e| Python::attach(|py| transport_error(py, method, &e)))
    }
}

fn transport_error(py: Python<'_>, method: &str, e: &PyErr) -> TransportError {
    let value = e.value(py);
    let rejected = py
        .import("practicetext.errors")
        .and_then(|m| m.getattr("TransportRejected"))
        .is_ok_and(|cls| value.is_instance(&cls).unwrap_or(false));
    let message = value
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| format!("{method} raised"));
    if rejected {
        let provider_code = value
            .getattr("provider_code")
            .and_then(|c| c.extract::<Option<u32>>())
            .unwrap_or(None);
        TransportError::Rejected {
            provider_code,
            message,
        }
    } else {
        TransportError::Unavailable { message }
    }
}

impl Transport for PyTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        self.invoke("send_sms", sms, |r| {
            Ok(SendReceipt {
                provider_id: r.extract::<String>()?,
            })
        })
    }

    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        self.invoke("send_email", email, |_| Ok(()))
    }
}
