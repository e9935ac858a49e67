//! A practice's webhook endpoint in Rust: the provider posts a signed form;
//! the engine verifies it (X3), handles it once (V10) and answers with the
//! decision. Run: `cargo run --example rust_webhook`.
//!
//! A real server would put `handle` behind its HTTP framework's POST route;
//! here two posts are simulated, one of them delivered twice.

use std::sync::Arc;

use practicetext::chrono::{DateTime, Utc};
use practicetext::engine::{Engine, OutboundSms, SendReceipt, Transport, TransportError};
use practicetext::inbound::EmailAlert;
use practicetext::memory::MemoryStore;
use practicetext::ports::{Clock, DirectoryStore, Random};
use practicetext::webhook::{WebhookConfig, expected_signature, parse_form};

/// The host's clock: the core never reads one itself.
struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        DateTime::from_timestamp_millis(since.as_millis() as i64).unwrap_or_default()
    }
}

/// The operating system's random source.
struct OsRandom;
impl Random for OsRandom {
    fn fill(&self, dest: &mut [u8]) {
        getrandom::fill(dest).expect("the OS random source failed");
    }
}

/// Where texts leave: here they are printed; a real host calls its provider.
struct PrintingTransport;
impl Transport for PrintingTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        println!(
            "  provider <- text from {} to {}: {:?}",
            sms.from,
            sms.to,
            sms.body.as_str()
        );
        Ok(SendReceipt {
            provider_id: "SMout1".into(),
        })
    }
    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        println!("  mail <- {}", email.subject);
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = MemoryStore::new();
    let dir = practicetext::testing::sample_directory();
    store.put_organization(&dir.organization)?;
    for u in &dir.users {
        store.put_user(u)?;
    }
    for n in &dir.numbers {
        store.put_number(n)?;
    }
    let engine = Engine::new(
        store,
        PrintingTransport,
        Arc::new(SystemClock),
        Arc::new(OsRandom),
    );
    let config = WebhookConfig {
        auth_token: "test-auth-token".into(),
        public_base_url: "https://texts.happypaws.example".into(),
        max_body_bytes: 64 * 1024,
    };

    // What the provider would post, signed as the provider signs it.
    let body = "MessageSid=SM42&From=%2B14162530000&To=%2B16502530001&Body=Stop.";
    let fields = parse_form(body.as_bytes(), config.max_body_bytes)?;
    let signature = expected_signature(
        &config.auth_token,
        "https://texts.happypaws.example/sms",
        &fields,
    )?;

    for attempt in 1..=2 {
        println!("POST /sms (delivery {attempt})");
        let outcome = engine.handle_webhook(
            &config,
            "/sms",
            body.as_bytes(),
            &signature,
            SystemClock.now(),
        )?;
        println!("  200 {}", serde_json::to_string(&outcome)?);
    }
    println!("POST /sms with a forged signature");
    match engine.handle_webhook(
        &config,
        "/sms",
        body.as_bytes(),
        "Zm9yZ2Vk",
        SystemClock.now(),
    ) {
        Ok(_) => return Err("a forged webhook was accepted".into()),
        Err(e) => println!("  403 {}: {e}", e.code()),
    }
    Ok(())
}
