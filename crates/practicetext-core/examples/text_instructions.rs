//! Runs one text case of `benches/text.rs` N times, for instruction counts:
//! `valgrind --tool=callgrind` with two values of N; the difference divided
//! by the difference of N is the cost of one call.
//!
//! `cargo build --release -p practicetext-core --example text_instructions`

use std::hint::black_box;

use practicetext_core::text::{self, ComplianceChecker, ContentPolicy, KeywordClassifier, Mode};

const REMINDER: &str = "Happy Paws Vet: Bella is due for her rabies and DHPP boosters. Book online at happypaws.example/book or call 555-0142. Reply STOP to opt out. See you soon Bella";
const REFILL: &str = "Main St Pharmacy: your prescription refill for Max is ready for pickup. We are open 9am-7pm Mon-Sat. Questions? Call us at (650) 253-0000. Reply STOP to opt out";
const REMINDER_UCS2: &str = "Happy Paws Vet: Bella’s rabies and DHPP boosters are due 🐶 Book online at happypaws.example/book or call 555-0142. Reply STOP to opt out.";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    let n: usize = args.next().unwrap_or_else(|| "1".into()).parse()?;
    // `kw_text N TEXT`: any text.
    let own = args.next().unwrap_or_default();
    let checker =
        ComplianceChecker::new(&ContentPolicy::default().with_own_domains(["happypaws.example"]))?;
    let keywords = KeywordClassifier::default();
    // Warm up lazies.
    black_box(checker.check(REMINDER, Mode::Conversation));
    black_box(keywords.classify("stop", false));
    for _ in 0..n {
        match case.as_str() {
            "segments" => drop(black_box(text::count(black_box(REMINDER)))),
            "check_link" => drop(black_box(
                checker.check(black_box(REMINDER), Mode::Conversation),
            )),
            "check_no_link" => drop(black_box(
                checker.check(black_box(REFILL), Mode::Conversation),
            )),
            "check_ucs2" => drop(black_box(
                checker.check(black_box(REMINDER_UCS2), Mode::Conversation),
            )),
            "check_cbd" => drop(black_box(checker.check(
                black_box("Ask about C.B.D treats for anxious pets: bit.ly/3xYz"),
                Mode::Broadcast,
            ))),
            "kw_stop" => drop(black_box(keywords.classify(black_box("Stop."), false))),
            "kw_reply" => drop(black_box(keywords.classify(
                black_box("Can I stop by tomorrow at 3 to pick up her meds?"),
                false,
            ))),
            "kw_natural" => drop(black_box(
                keywords.classify(black_box("please don't text me anymore"), false),
            )),
            "kw_text" => drop(black_box(keywords.classify(black_box(&own), false))),
            other => return Err(format!("unknown case {other:?}").into()),
        }
    }
    Ok(())
}
