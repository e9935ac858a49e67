//! Fuzz target for provider webhooks (SPEC X3): form decoding, the inbound
//! and status parsers and the whole signature check must never panic on
//! any input. Run with `cargo fuzz run webhook` (nightly, or
//! `RUSTC_BOOTSTRAP=1`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use practicetext_core::webhook::{
    WebhookConfig, authenticate, parse_form, parse_inbound, parse_status,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(fields) = parse_form(data, usize::MAX) {
        let _ = parse_inbound(&fields);
        let _ = parse_status(&fields);
    }
    // The first line is "path<TAB>signature header", the rest the body.
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let head = String::from_utf8_lossy(head);
    let (path, header) = head.split_once('\t').unwrap_or((&head, "x"));
    let cfg = WebhookConfig::new("fuzz-token", "https://texts.clinic.example");
    let _ = authenticate(&cfg, path, body, header);
});
