//! The host's pieces as foreign traits: a clock and a transport implemented
//! in Kotlin or Swift, wired into the facade's `Host`.

use std::sync::Arc;

use practicetext_facade::core::engine::{
    OutboundSms as CoreSms, SendReceipt, Transport, TransportError,
};
use practicetext_facade::core::inbound::EmailAlert as CoreEmail;
use practicetext_facade::core::ports::{Clock, Timestamp};
use practicetext_facade::{ErrorArea, FacadeError, Host, HostFaults, SystemClock, codes};

/// A text the engine asks the host to send.
#[derive(uniffi::Record)]
pub struct OutboundSms {
    /// The organization sending.
    pub organization: String,
    /// Our number (E.164).
    pub from: String,
    /// The recipient (E.164).
    pub to: String,
    /// The text.
    pub body: String,
}

/// An after-hours email alert (A4): no message content.
#[derive(uniffi::Record)]
pub struct EmailAlert {
    /// Recipients.
    pub to: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// Body.
    pub body: String,
}

/// Why the host could not do what was asked.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HostFailure {
    /// The provider refused the text (with its error code, e.g. 21610).
    #[error("{detail}")]
    Rejected {
        provider_code: Option<u32>,
        detail: String,
    },
    /// The provider (or the host's clock) could not be reached.
    #[error("{detail}")]
    Unavailable { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HostFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HostFailure::Unavailable { detail: e.reason }
    }
}

/// The current time, from the host: milliseconds since the Unix epoch.
#[uniffi::export(foreign)]
pub trait HostClock: Send + Sync {
    /// Now, in milliseconds since 1970-01-01T00:00:00Z.
    fn now_millis(&self) -> Result<i64, HostFailure>;
}

/// How texts and emails leave: the host's provider.
#[uniffi::export(foreign)]
pub trait HostTransport: Send + Sync {
    /// Sends one text; answers the provider's message id.
    fn send_sms(&self, sms: OutboundSms) -> Result<String, HostFailure>;
    /// Sends one email alert.
    fn send_email(&self, email: EmailAlert) -> Result<(), HostFailure>;
}

/// The facade's `Host` with these pieces.
pub fn wire(clock: Option<Arc<dyn HostClock>>, transport: Option<Arc<dyn HostTransport>>) -> Host {
    let mut host = Host::new();
    if let Some(clock) = clock {
        let faults = host.faults();
        host = host.with_clock(Arc::new(ForeignClock { clock, faults }));
    }
    if let Some(t) = transport {
        host = host.with_transport(Arc::new(ForeignTransport(t)));
    }
    host
}

struct ForeignClock {
    clock: Arc<dyn HostClock>,
    faults: Arc<HostFaults>,
}

impl Clock for ForeignClock {
    fn now(&self) -> Timestamp {
        let at = self
            .clock
            .now_millis()
            .ok()
            .and_then(Timestamp::from_timestamp_millis);
        at.unwrap_or_else(|| {
            self.faults.report(FacadeError::new(
                codes::HOST_CLOCK_FAILED,
                ErrorArea::Host,
                "the host clock failed or answered a time out of range",
            ));
            SystemClock.now()
        })
    }
}

struct ForeignTransport(Arc<dyn HostTransport>);

fn transport_error(e: HostFailure) -> TransportError {
    match e {
        HostFailure::Rejected {
            provider_code,
            detail,
        } => TransportError::Rejected {
            provider_code,
            message: detail,
        },
        HostFailure::Unavailable { detail } => TransportError::Unavailable { message: detail },
    }
}

impl Transport for ForeignTransport {
    fn send_sms(&self, sms: &CoreSms) -> Result<SendReceipt, TransportError> {
        let sms = OutboundSms {
            organization: sms.organization.to_string(),
            from: sms.from.to_string(),
            to: sms.to.to_string(),
            body: sms.body.as_str().to_owned(),
        };
        self.0
            .send_sms(sms)
            .map(|provider_id| SendReceipt { provider_id })
            .map_err(transport_error)
    }

    fn send_email(&self, email: &CoreEmail) -> Result<(), TransportError> {
        let email = EmailAlert {
            to: email.to.iter().map(|a| a.as_str().to_owned()).collect(),
            subject: email.subject.clone(),
            body: email.body.clone(),
        };
        self.0.send_email(email).map_err(transport_error)
    }
}
