//! Host wiring the pure core cannot do itself: the system clock, the
//! operating system's random source, and a transport that records what the
//! engine would have sent when the host gives none.
//!
//! Host-supplied pieces (a Python callable, a JavaScript function, a Kotlin
//! object) implement the core's [`Clock`] and [`Transport`] traits in the
//! binding; when one fails in a way those traits cannot report (a clock
//! has no error), it reports to [`HostFaults`] and the facade call that was
//! running returns that error instead of its result.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use practicetext_core::engine::{OutboundSms, SendReceipt, Transport, TransportError};
use practicetext_core::inbound::EmailAlert;
use practicetext_core::ports::{Clock, Random, Timestamp};
use serde_json::Value;

use crate::error::{ErrorArea, FacadeError, codes};

/// The wall clock (`std::time::SystemTime`), in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from(SystemTime::now())
    }
}

/// Failures of host pieces that their trait cannot return. The first one
/// is kept until [`take`](HostFaults::take) hands it to the caller.
#[derive(Debug, Default)]
pub struct HostFaults {
    first: Mutex<Option<FacadeError>>,
}

impl HostFaults {
    /// Records a failure (only the first is kept until taken).
    pub fn report(&self, error: FacadeError) {
        if let Ok(mut slot) = self.first.lock()
            && slot.is_none()
        {
            *slot = Some(error);
        }
    }

    /// The failure recorded since the last call, if any.
    pub fn take(&self) -> Option<FacadeError> {
        self.first.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// The operating system's CSPRNG (`getrandom`). If it fails (which on the
/// supported platforms it does not once it has worked at start-up), the
/// bytes are zeros and the failure goes to [`HostFaults`], so the call
/// that used them is refused with `random_unavailable`.
#[derive(Debug)]
pub struct OsRandom {
    faults: Arc<HostFaults>,
}

impl OsRandom {
    /// Checks that the source works and returns it.
    pub fn new(faults: Arc<HostFaults>) -> Result<Self, FacadeError> {
        let mut probe = [0u8; 16];
        getrandom::fill(&mut probe).map_err(random_failed)?;
        Ok(OsRandom { faults })
    }
}

impl Random for OsRandom {
    fn fill(&self, dest: &mut [u8]) {
        if let Err(e) = getrandom::fill(dest) {
            dest.fill(0);
            self.faults.report(random_failed(e));
        }
    }
}

fn random_failed(e: getrandom::Error) -> FacadeError {
    FacadeError::new(
        codes::RANDOM_UNAVAILABLE,
        ErrorArea::Host,
        format!("the operating system's random source failed ({e}); try again"),
    )
}

/// A transport that keeps what the engine hands it, for hosts that send
/// through their own queue after each call, and for tests.
#[derive(Debug, Default)]
pub struct Recorder {
    sent: Mutex<Sent>,
}

#[derive(Debug, Default)]
struct Sent {
    sms: Vec<OutboundSms>,
    emails: Vec<EmailAlert>,
}

impl Recorder {
    /// What was recorded since the last call, as
    /// `{"sms": [OutboundSms...], "emails": [EmailAlert...]}`; clears it.
    pub fn take(&self) -> Value {
        let sent = self
            .sent
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default();
        serde_json::json!({ "sms": sent.sms, "emails": sent.emails })
    }
}

impl Transport for Recorder {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        let mut sent = self.sent.lock().map_err(|_| TransportError::Unavailable {
            message: "the recorder was poisoned by an earlier panic".into(),
        })?;
        sent.sms.push(sms.clone());
        Ok(SendReceipt {
            provider_id: format!("rec{}", sent.sms.len()),
        })
    }

    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        let mut sent = self.sent.lock().map_err(|_| TransportError::Unavailable {
            message: "the recorder was poisoned by an earlier panic".into(),
        })?;
        sent.emails.push(email.clone());
        Ok(())
    }
}

/// The transport an engine uses: the host's, or the [`Recorder`].
#[derive(Clone)]
pub struct HostTransport(Arc<dyn Transport>);

impl std::fmt::Debug for HostTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostTransport { .. }")
    }
}

impl HostTransport {
    /// Wraps a transport.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        HostTransport(transport)
    }
}

impl Transport for HostTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        self.0.send_sms(sms)
    }

    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        self.0.send_email(email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use practicetext_core::sensitive::MessageBody;

    #[test]
    fn system_clock_is_after_2025() {
        assert!(SystemClock.now().timestamp() > 1_735_689_600);
    }

    #[test]
    fn os_random_gives_different_bytes_each_time() {
        let r = OsRandom::new(Arc::default()).unwrap();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        r.fill(&mut a);
        r.fill(&mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn host_faults_keep_the_first_until_taken() {
        let f = HostFaults::default();
        f.report(FacadeError::invalid_argument("one"));
        f.report(FacadeError::invalid_argument("two"));
        assert_eq!(f.take().unwrap().message(), "one");
        assert!(f.take().is_none());
    }

    #[test]
    fn recorder_hands_out_what_it_kept_once() {
        let r = Recorder::default();
        let sms = OutboundSms {
            organization: "happy-paws".into(),
            from: "6502530001".parse().unwrap(),
            to: "4162530000".parse().unwrap(),
            body: MessageBody::new("hi"),
            idempotency_key: None,
        };
        assert_eq!(r.send_sms(&sms).unwrap().provider_id, "rec1");
        let sent = r.take();
        assert_eq!(sent["sms"][0]["to"], "+14162530000");
        assert_eq!(r.take()["sms"].as_array().map(Vec::len), Some(0));
    }
}
