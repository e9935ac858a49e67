//! Text rules on one core: segments (P7), the full compliance check
//! (P1-P7) and keyword classification (C1-C3, C5), on typical clinic texts.
//!
//! `cargo bench --bench text -- --quick`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use practicetext::text::{self, ComplianceChecker, ContentPolicy, KeywordClassifier, Mode};

/// A typical 160-character GSM-7 appointment reminder with the practice's link.
const REMINDER: &str = "Happy Paws Vet: Bella is due for her rabies and DHPP boosters. Book online at happypaws.example/book or call 555-0142. Reply STOP to opt out. See you soon Bella";
/// A 160-character refill notice without a link.
const REFILL: &str = "Main St Pharmacy: your prescription refill for Max is ready for pickup. We are open 9am-7pm Mon-Sat. Questions? Call us at (650) 253-0000. Reply STOP to opt out";
/// The same with an iPhone apostrophe and an emoji (UCS-2).
const REMINDER_UCS2: &str = "Happy Paws Vet: Bella’s rabies and DHPP boosters are due 🐶 Book online at happypaws.example/book or call 555-0142. Reply STOP to opt out.";

fn bench(c: &mut Criterion) {
    assert_eq!(REMINDER.chars().count(), 160);
    assert_eq!(REFILL.chars().count(), 160);
    let checker =
        ComplianceChecker::new(&ContentPolicy::default().with_own_domains(["happypaws.example"]))
            .expect("valid policy");
    let keywords = KeywordClassifier::default();

    // Calibration: what this machine takes for trivial work on the same text.
    c.bench_function("baseline/to_lowercase_160", |b| {
        b.iter(|| black_box(REMINDER).to_lowercase())
    });
    c.bench_function("baseline/graphemes_ucs2", |b| {
        b.iter(|| {
            unicode_segmentation::UnicodeSegmentation::graphemes(black_box(REMINDER_UCS2), true)
                .count()
        })
    });
    c.bench_function("baseline/alphanumeric_160", |b| {
        b.iter(|| {
            black_box(REMINDER)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .count()
        })
    });
    c.bench_function("segments/gsm7_160", |b| {
        b.iter(|| text::count(black_box(REMINDER)))
    });
    c.bench_function("segments/ucs2_emoji", |b| {
        b.iter(|| text::count(black_box(REMINDER_UCS2)))
    });
    c.bench_function("check/gsm7_160", |b| {
        b.iter(|| checker.check(black_box(REMINDER), Mode::Conversation))
    });
    c.bench_function("check/gsm7_no_link", |b| {
        b.iter(|| checker.check(black_box(REFILL), Mode::Conversation))
    });
    c.bench_function("check/ucs2_emoji", |b| {
        b.iter(|| checker.check(black_box(REMINDER_UCS2), Mode::Conversation))
    });
    c.bench_function("check/shortener_and_cbd", |b| {
        b.iter(|| {
            checker.check(
                black_box("Ask about C.B.D treats for anxious pets: bit.ly/3xYz"),
                Mode::Broadcast,
            )
        })
    });
    c.bench_function("keyword/stop", |b| {
        b.iter(|| keywords.classify(black_box("Stop."), false))
    });
    c.bench_function("keyword/reply", |b| {
        b.iter(|| {
            keywords.classify(
                black_box("Can I stop by tomorrow at 3 to pick up her meds?"),
                false,
            )
        })
    });
    c.bench_function("keyword/natural_opt_out", |b| {
        b.iter(|| keywords.classify(black_box("please don't text me anymore"), false))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
