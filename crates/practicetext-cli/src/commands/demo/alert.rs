//! The demo's mass alert to tomorrow's appointments (SPEC B1-B9, X1, X5,
//! X6): the preflight, a paced run on the demo's own clock (no real
//! waiting) with a progress bar on stderr, and the report CSV.

use std::io::IsTerminal;

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use practicetext_core::broadcast::{
    Appointment, BroadcastRequest, BroadcastRunner, ClientContact, Pace, Preflight, RangeChoice,
    Step, StoreConsent, preflight, report_csv, start,
};
use practicetext_core::chrono::NaiveDate;
use practicetext_core::directory::Directory;
use practicetext_core::hours::{QuietHours, instant_at, time_zone_for};
use practicetext_core::ids::BroadcastId;
use practicetext_core::phone::E164;
use practicetext_core::ports::{BroadcastStore, Store};
use serde_json::json;

use super::Day;

/// Tomorrow's clients: several time zones, a shared phone, no phone, a
/// foreign number, and the numbers that opted out or were blocked today.
const CLIENTS: &[(&str, &str, &str, &str)] = &[
    ("c-rivera", "Dana", "Rivera", "(416) 253-0000"),
    ("c-rivera2", "Mia", "Rivera", "416.253.0000"),
    ("c-ortiz", "Sam", "Ortiz", "212-253-0000"),
    ("c-hill", "Tom", "Hill", "(905) 253-0011"),
    ("c-stone", "Eve", "Stone", "(312) 253-0009"),
    ("c-cole", "Ray", "Cole", "(403) 253-0012"),
    ("c-brown", "Joe", "Brown", "(604) 253-0008"),
    ("c-lane", "Ivy", "Lane", "(808) 253-0013"),
    ("c-ward", "Liz", "Ward", "(617) 253-0012"),
    ("c-park", "Lee", "Park", "617 253 0000"),
    ("c-quinn", "Pat", "Quinn", "305-253-0999"),
    ("c-young", "Kai", "Young", ""),
    ("c-silva", "Ana", "Silva", "+44 20 7946 0958"),
    ("c-moss", "Ben", "Moss", "(415) 253-0000"),
];

const MESSAGE: &str = "Happy Paws: a power cut closes the clinic tomorrow. We will call you to rebook. Reply STOP to opt out.";

/// One appointment tomorrow (local New York time) per client, two for
/// the Riveras, one for a client the practice no longer has.
fn appointments(tz: practicetext_core::chrono_tz::Tz) -> anyhow::Result<Vec<Appointment>> {
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).ok_or_else(|| anyhow!("bad date"))?;
    let mut ids: Vec<&str> = CLIENTS.iter().map(|c| c.0).collect();
    ids.extend(["c-rivera", "c-gone"]);
    ids.iter()
        .enumerate()
        .map(|(i, client)| {
            let hour = 8 + u32::try_from(i % 10).unwrap_or(0);
            let local = day
                .and_hms_opt(hour, 15, 0)
                .ok_or_else(|| anyhow!("bad time"))?;
            Ok(Appointment {
                id: format!("appt-{}", i + 1).as_str().into(),
                client: (*client).into(),
                starts_at: instant_at(tz, local).ok_or_else(|| anyhow!("bad time"))?,
            })
        })
        .collect()
}

fn clients() -> Vec<ClientContact> {
    CLIENTS
        .iter()
        .map(|(id, first, last, phone)| ClientContact {
            id: (*id).into(),
            first_name: (*first).into(),
            last_name: (*last).into(),
            cell_phone: (*phone).into(),
        })
        .collect()
}

/// Local time of an instant where `phone` is (the practice's zone when its
/// area code has none).
fn local(
    plan: &Preflight,
    at: practicetext_core::chrono::DateTime<practicetext_core::chrono::Utc>,
    phone: Option<E164>,
) -> String {
    let tz = phone.and_then(time_zone_for).unwrap_or(plan.time_zone);
    at.with_timezone(&tz).format("%a %H:%M:%S %Z").to_string()
}

/// The preflight: counts, exclusions with their reasons, the projected
/// finish and the confirmation token (SPEC B3, B4, B8, X5).
fn dry_run<S: Store + BroadcastStore>(
    d: &mut Day<S>,
    vet: &Directory,
) -> anyhow::Result<Preflight> {
    let tz = vet.organization.settings.time_zone;
    let request = BroadcastRequest {
        organization: vet.organization.id.clone(),
        sender: "alice".into(),
        from: Some(E164::parse("+1 650 253 0001")?),
        range: RangeChoice::WholeDays {
            first_day: NaiveDate::from_ymd_opt(2026, 11, 24).ok_or_else(|| anyhow!("bad date"))?,
            days: 1,
        },
        message: MESSAGE.into(),
        pace: Pace::DEFAULT,
        quiet_hours: QuietHours::default(),
    };
    let consent = StoreConsent {
        store: d.engine.store(),
        organization: &vet.organization.id,
    };
    let plan = preflight(
        &request,
        vet,
        &clients(),
        appointments(tz)?,
        &consent,
        d.engine.now(),
    )?;
    let c = &plan.counts;
    let mut lines = vec![
        format!(
            "{} appointments tomorrow ({} for clients no longer on file), {} clients, {} texts, {} excluded",
            c.appointments, c.appointments_without_client, c.clients, c.recipients, c.excluded
        ),
        format!(
            "message: {} characters, {} segment(s), {} characters remaining",
            plan.segments.characters, plan.segments.segments, plan.segments.remaining
        ),
    ];
    for e in &plan.excluded {
        lines.push(format!(
            "excluded {} ({}): {} - {}",
            e.name.as_str(),
            e.client,
            e.reason.code(),
            e.reason.message()
        ));
    }
    lines.push(format!(
        "pace {} a minute, sending window {}-{} in each recipient's own time zone",
        plan.pace.per_minute(),
        plan.quiet_hours.start.format("%H:%M"),
        plan.quiet_hours.end.format("%H:%M")
    ));
    if let Some(finish) = plan.projected_finish {
        lines.push(format!("projected finish: {}", local(&plan, finish, None)));
    }
    lines.push(format!(
        "confirmation token: {} (alice confirms with it)",
        plan.token
    ));
    d.record(
        "alice's preflight of a mass alert to tomorrow's appointments",
        serde_json::to_value(&plan)?,
        lines,
    );
    Ok(plan)
}

fn progress(total: usize) -> ProgressBar {
    let target = match std::io::stderr().is_terminal() {
        true => ProgressDrawTarget::stderr(),
        false => ProgressDrawTarget::hidden(),
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} alerts done") {
        bar.set_style(style);
    }
    bar
}

/// The run: paced, deferred to each recipient's sending window, on the
/// demo's clock (SPEC B5, B6, B9, X1).
fn send<S: Store + BroadcastStore>(
    d: &mut Day<S>,
    vet: &Directory,
    plan: &Preflight,
) -> anyhow::Result<BroadcastId> {
    let org = &vet.organization.id;
    let id = BroadcastId::new("bc-power-cut");
    let store = d.engine.store();
    start(store, vet, plan, &plan.token, id.clone(), d.engine.now())?;
    let mut runner = BroadcastRunner::open(store, d.engine.transport(), org, &id, "demo")?;
    let bar = progress(plan.recipients.len());
    let phone = |i: u32| plan.recipients.get(i as usize).map(|r| r.phone);
    let mut now = d.engine.now();
    let mut lines = Vec::new();
    let mut steps = Vec::new();
    let summary = loop {
        let step = runner.step(now, 0)?;
        let line = match &step {
            Step::Done(summary) => break summary.clone(),
            Step::Wait { until, .. } => {
                now = *until;
                continue;
            }
            Step::Sent { index, .. } => {
                bar.inc(1);
                let to = phone(*index);
                format!(
                    "{}: sent to {} ({} there)",
                    local(plan, now, None),
                    to.map(E164::national_format).unwrap_or_default(),
                    local(plan, now, to)
                )
            }
            Step::Deferred { index, until } => {
                let to = phone(*index);
                format!(
                    "{}: {} is in quiet hours ({} there), deferred to {}",
                    local(plan, now, None),
                    to.map(E164::national_format).unwrap_or_default(),
                    local(plan, now, to),
                    local(plan, *until, to)
                )
            }
            other => {
                bar.inc(1);
                format!(
                    "{}: {}",
                    local(plan, now, None),
                    serde_json::to_string(other)?
                )
            }
        };
        steps.push(json!({"at": now, "step": step}));
        lines.push(line);
    };
    bar.finish_and_clear();
    let _ = d.engine.transport().take();
    lines.push(format!(
        "status: {} ({} sent, {} failed, {} skipped, {} excluded)",
        summary.status.label(),
        summary.sent,
        summary.failed,
        summary.skipped,
        summary.excluded
    ));
    d.record(
        "the mass alert goes out, paced and quiet-hours aware",
        json!({"steps": steps, "summary": summary}),
        lines,
    );
    d.clock.set(now);
    Ok(id)
}

/// The report CSV, written to `d.report` (SPEC B7).
fn report<S: Store + BroadcastStore>(
    d: &mut Day<S>,
    vet: &Directory,
    id: &BroadcastId,
) -> anyhow::Result<()> {
    let org = &vet.organization.id;
    let store = d.engine.store();
    let broadcast = store
        .broadcast(org, id)?
        .ok_or_else(|| anyhow!("the broadcast vanished"))?;
    let csv = report_csv(&broadcast, &store.recipients(org, id)?);
    std::fs::write(&d.report, &csv)
        .map_err(|e| anyhow!("cannot write {}: {e}", d.report.display()))?;
    let path = d.report.display().to_string();
    let mut lines = vec![format!("report CSV written to {path}")];
    lines.extend(csv.lines().take(4).map(|l| format!("| {l}")));
    d.record(
        "the report",
        json!({"report_csv": path, "rows": csv.lines().count().saturating_sub(1)}),
        lines,
    );
    Ok(())
}

/// The whole mass alert, starting at the demo clock's current time.
pub fn mass_alert<S: Store + BroadcastStore>(
    d: &mut Day<S>,
    vet: &Directory,
) -> anyhow::Result<()> {
    let plan = dry_run(d, vet)?;
    let id = send(d, vet, &plan)?;
    report(d, vet, &id)
}
