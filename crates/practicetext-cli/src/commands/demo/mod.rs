//! `practicetext demo`: a clinic's texting day, end to end, on a store.
//! Every step goes through the engine; the transcript explains each
//! decision and `--json` prints the decisions themselves.

mod alert;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use practicetext_core::autoreply::{AfterHoursResponder, AutoResponder};
use practicetext_core::chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use practicetext_core::directory::{ClientKind, Directory, Route};
use practicetext_core::engine::{Engine, InboundOutcome, SendOutcome};
use practicetext_core::hours::{BusinessHours, LocalInterval};
use practicetext_core::ids::{ClientId, ConversationId, OrganizationId, Username};
use practicetext_core::inbound::{AfterHours, InboundText};
use practicetext_core::phone::E164;
use practicetext_core::ports::{BroadcastStore, Store};
use practicetext_core::routing::Recipient;
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::secure::{self, LinkBase, NewSecureConversation, NotifyMethod, Practice};
use practicetext_core::send::SendRequest;
use practicetext_core::sensitive::{DateOfBirth, EmailAddress, MessageBody, PersonName};
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;
use serde_json::{Value, json};

/// Run a realistic clinic day end to end and explain every decision.
///
/// A veterinary practice and a medical practice: inbound texts routed to a
/// user, a group and a queue; personal and after-hours auto-replies with
/// the 30-second window; STOP, START and HELP; a blocked spammer; a send
/// refused by the content rules; a conversation closed to a client's
/// history; a secure-message notice; a mass alert to tomorrow's
/// appointments (preflight with exclusions and their reasons, a paced run
/// deferred to each recipient's sending window, the report CSV). The day
/// runs on its own clock: nothing waits in real time.
///
/// Prints a transcript for people on stdout, or each step's decision as a
/// JSON line ({"step", "at", "title", "result", "sent", "emails"}) with
/// --json. The mass alert's progress bar goes to stderr when it is a
/// terminal. Exit codes: 0 the day ran; 1 it could not (the database or
/// the report could not be written); 2 usage error.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  practicetext demo\n  practicetext demo --json | jq -c '{title, result}'\n  practicetext demo --db day.db --report alert-report.csv"
)]
pub struct Args {
    /// Print each step's decision as a JSON line instead of a transcript.
    #[arg(long)]
    json: bool,
    /// The SQLite database to run the day in (created, and replaced if it
    /// exists). Default: a temporary file, removed afterwards.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
    /// Where the mass alert's report CSV is written. Default:
    /// practicetext-demo-report.csv in the temporary directory (kept).
    #[arg(long, value_name = "FILE")]
    report: Option<std::path::PathBuf>,
}

/// The morning the demo starts: Monday 23 Nov 2026, 09:00 in New York.
fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00-05:00")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

struct Day<S: Store> {
    engine: Engine<S, RecordingTransport>,
    clock: Arc<FixedClock>,
    json: bool,
    step: usize,
    report: std::path::PathBuf,
}

impl<S: Store> Day<S> {
    fn at(&self, minutes: i64) {
        self.clock.set(morning() + TimeDelta::seconds(minutes));
    }

    fn section(&self, title: &str) {
        if !self.json {
            println!("\n== {title}");
        }
    }

    fn record(&mut self, title: &str, result: Value, lines: Vec<String>) {
        self.step += 1;
        let (sms, emails) = self.engine.transport().take();
        if self.json {
            let line = json!({"step": self.step, "at": self.engine.now(), "title": title,
                "result": result, "sent": sms, "emails": emails});
            println!("{line}");
            return;
        }
        let local = self
            .engine
            .now()
            .with_timezone(&practicetext_core::chrono_tz::America::New_York);
        let first_day = morning().with_timezone(&local.timezone()).date_naive();
        let format = match local.date_naive() == first_day {
            true => "%H:%M:%S",
            false => "%a %H:%M:%S",
        };
        println!("[{}] {title}", local.format(format));
        for l in lines {
            println!("    {l}");
        }
        for s in sms {
            println!(
                "    >> text {} -> {}: \"{}\"",
                s.from.national_format(),
                s.to.national_format(),
                s.body.as_str()
            );
        }
        for e in emails {
            let to: Vec<&str> = e.to.iter().map(EmailAddress::as_str).collect();
            println!("    >> email to {}: {}", to.join(", "), e.subject);
        }
    }

    fn inbound(&mut self, seconds: i64, from: &str, to: &str, body: &str) -> anyhow::Result<()> {
        self.at(seconds);
        let text = InboundText {
            provider_id: Some(format!("SMdemo{}", self.step + 1)),
            from: Sender::parse(from).ok_or_else(|| anyhow!("bad sender"))?,
            to: E164::parse(to)?,
            body: MessageBody::from(body),
            media_count: 0,
            received_at: self.engine.now(),
        };
        let out = self.engine.handle_inbound(&text)?;
        let lines = describe_inbound(&out);
        let title = format!(
            "text from {from} to {}: \"{body}\"",
            text.to.national_format()
        );
        self.record(&title, serde_json::to_value(&out)?, lines);
        Ok(())
    }

    fn send(
        &mut self,
        seconds: i64,
        org: &str,
        user: &str,
        to: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        self.at(seconds);
        let req = SendRequest {
            organization: org.into(),
            user: user.into(),
            to: vec![Recipient::Typed(to.into())],
            from: None,
            reply_on: None,
            body: MessageBody::from(body),
            attachments: vec![],
        };
        let out = self.engine.send(&req)?;
        let lines = out.iter().map(describe_send).collect();
        self.record(
            &format!("{user} sends to {to}: \"{body}\""),
            serde_json::to_value(&out)?,
            lines,
        );
        Ok(())
    }
}

fn describe_inbound(out: &InboundOutcome) -> Vec<String> {
    let InboundOutcome::Handled { decision, .. } = out else {
        return vec!["duplicate delivery of a webhook: nothing changed (V10)".into()];
    };
    let mut lines = vec![disposition(&decision.disposition)];
    let c = &decision.classification;
    if c.action != practicetext_core::text::keywords::KeywordAction::None {
        lines.push(format!(
            "keyword: {:?} {}",
            c.action,
            c.keyword.clone().unwrap_or_default()
        ));
    }
    if let Some(change) = &decision.consent_change {
        lines.push(format!("consent recorded: {:?}", change.action));
    }
    for f in &decision.flags {
        lines.push(format!("flag for staff: {f:?}"));
    }
    for s in &decision.skipped {
        let reasons: Vec<String> = s.reasons.iter().map(|r| format!("{r:?}")).collect();
        lines.push(format!("no {:?}: {}", s.effect, reasons.join(", ")));
    }
    if let Some(q) = &decision.queue {
        lines.push(format!(
            "sorted into queue {} by rule '{}'",
            q.queue, q.rule_name
        ));
    }
    lines
}

fn disposition(d: &practicetext_core::inbound::Disposition) -> String {
    use practicetext_core::inbound::Disposition;
    use practicetext_core::routing::Delivery;
    match d {
        Disposition::Quarantine => "quarantined: the sender is blocked; nobody is notified".into(),
        Disposition::Deliver { delivery } => match delivery {
            Delivery::User { username } => format!("delivered to {username}"),
            Delivery::Group { group, members } => {
                let m: Vec<&str> = members.iter().map(|u| u.as_str()).collect();
                format!("delivered to group {group}: {}", m.join(", "))
            }
            Delivery::Queue { queue } => format!("delivered to queue {queue}"),
            Delivery::Unrouted { reason } => format!("kept in the unrouted inbox ({reason:?})"),
        },
    }
}

fn describe_send(o: &SendOutcome) -> String {
    if o.check.allowed {
        let warn: Vec<&str> = o.check.warnings.iter().map(|f| f.code.as_str()).collect();
        if warn.is_empty() {
            "allowed".into()
        } else {
            format!("allowed with warnings: {}", warn.join(", "))
        }
    } else {
        let why: Vec<String> = o
            .check
            .refusals
            .iter()
            .map(|r| format!("{} ({r})", r.code()))
            .collect();
        format!("refused: {}", why.join("; "))
    }
}

const PATIENT: &str = "+1 416 253 0000";
const OTHER: &str = "+1 212 253 0000";
const SPAMMER: &str = "+1 305 253 0999";

/// The two practices of the demo.
fn directories() -> anyhow::Result<(Directory, Directory)> {
    let mut vet = sample_directory();
    vet.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Dr. Alice is in surgery until noon; the front desk will answer you.".into(),
    });
    vet.organization.settings.policy.own_domains = vec!["happypaws.example".into()];
    let weekdays = ["mon", "tue", "wed", "thu", "fri"];
    let intervals = weekdays
        .iter()
        .map(|d| serde_json::from_value(json!({"day": d, "start": "08:00", "end": "18:00"})))
        .collect::<Result<Vec<LocalInterval>, _>>()?;
    vet.organization.settings.policy.after_hours = Some(AfterHours {
        hours: BusinessHours::new(vet.organization.settings.time_zone, intervals, vec![])
            .map_err(|p| anyhow!("{p:?}"))?,
        responder: AfterHoursResponder {
            enabled: true,
            message:
                "Happy Paws is closed. We'll text you back at 8am. Emergencies: (650) 253-0099."
                    .into(),
            alert_recipients: vec![EmailAddress::parse("oncall@happypaws.example")?],
        },
    });
    let mut med = sample_directory();
    let org = OrganizationId::from("lakeside");
    med.organization.id = org.clone();
    med.organization.name = "Lakeside Family Medicine".into();
    med.organization.settings.time_zone = practicetext_core::chrono_tz::America::Chicago;
    for (u, name) in med.users.iter_mut().zip(["dr_chen", "nurse_kim"]) {
        u.username = Username::from(name);
        u.organization = org.clone();
    }
    let renumber = |n: E164| E164::parse(&format!("312{}", n.national() % 10_000_000));
    for u in &mut med.users {
        u.outbound_number = u.outbound_number.map(renumber).transpose()?;
        u.assigned_numbers = u
            .assigned_numbers
            .iter()
            .map(|n| renumber(*n))
            .collect::<Result<_, _>>()?;
        u.extensions.clear();
    }
    for g in &mut med.groups {
        g.organization = org.clone();
        g.extension = None;
        g.members = vec!["dr_chen".into(), "nurse_kim".into()];
    }
    for n in &mut med.numbers {
        n.organization = org.clone();
        n.number = renumber(n.number)?;
        if let Some(Route::User(u)) = &n.route {
            n.route = Some(Route::User(
                if u.as_str() == "alice" {
                    "dr_chen"
                } else {
                    "nurse_kim"
                }
                .into(),
            ));
        }
    }
    Ok((vet, med))
}

fn seed<S: Store>(store: &S, dirs: &[&Directory]) -> anyhow::Result<()> {
    for d in dirs {
        store.put_organization(&d.organization)?;
        for u in &d.users {
            store.put_user(u)?;
        }
        for g in &d.groups {
            store.put_group(g)?;
        }
        for n in &d.numbers {
            store.put_number(n)?;
        }
    }
    let client = practicetext_core::directory::Client {
        id: ClientId::from("c-rivera"),
        organization: "happy-paws".into(),
        kind: ClientKind::Patient,
        first_name: PersonName::from("Dana"),
        last_name: PersonName::from("Rivera"),
        date_of_birth: NaiveDate::from_ymd_opt(1984, 5, 17).map(DateOfBirth::new),
        cell_phone: Some(E164::parse(PATIENT)?),
        email: Some(EmailAddress::parse("dana.rivera@mail.example")?),
    };
    store.put_client(&client)?;
    Ok(())
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let temp = std::env::temp_dir().join(format!("practicetext-demo-{}.db", std::process::id()));
    let path = args.db.clone().unwrap_or_else(|| temp.clone());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = practicetext_sqlite::SqliteStore::open(&path)
        .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
    if !args.json {
        println!(
            "A practice's texting day on the embedded SQLite store ({})",
            path.display()
        );
    }
    let (vet, med) = directories()?;
    seed(&store, &[&vet, &med])?;
    let clock = Arc::new(FixedClock::new(morning()));
    let engine = Engine::new(
        store,
        RecordingTransport::default(),
        clock.clone(),
        Arc::new(SeededRandom::new(2026)),
    );
    let mut day = Day {
        engine,
        clock,
        json: args.json,
        step: 0,
        report: args
            .report
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("practicetext-demo-report.csv")),
    };
    let played = play(&mut day, &vet).context("the demo stopped");
    drop(day);
    if args.db.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", temp.display()));
        }
    }
    played?;
    Ok(ExitCode::SUCCESS)
}

fn play<S: Store + BroadcastStore>(d: &mut Day<S>, vet: &Directory) -> anyhow::Result<()> {
    let alice = "+1 650 253 0001";
    d.section("Routing: one user, a group, a queue (R3, R4)");
    d.inbound(0, PATIENT, alice, "Hi, is Rex ready for pickup?")?;
    d.inbound(10, PATIENT, alice, "Also, can I get his flea meds?")?;
    d.inbound(45, PATIENT, alice, "Hello? Anyone there?")?;
    d.inbound(60, OTHER, "+1 650 253 0010", "Are you open Saturday?")?;
    d.inbound(
        90,
        OTHER,
        "+1 650 253 0020",
        "Refill for Bella's insulin please",
    )?;
    d.inbound(100, PATIENT, "+1 312 253 0001", "Dr Chen, my test results?")?;

    d.section("Staff texts: enablement and content rules (R2, R6, P1-P4)");
    d.send(
        300,
        "happy-paws",
        "bob",
        PATIENT,
        "Rex is ready! Pickup until 6pm.",
    )?;
    d.send(
        320,
        "happy-paws",
        "bob",
        PATIENT,
        "Book your next visit: bit.ly/rex-visit",
    )?;
    d.send(
        340,
        "happy-paws",
        "bob",
        PATIENT,
        "Book your next visit: https://happypaws.example/book",
    )?;
    d.send(360, "happy-paws", "alice", ":102:", "Can you take my 3pm?")?;

    d.section("Consent: STOP, START, HELP (C1-C5)");
    d.inbound(600, OTHER, alice, "Stop.")?;
    d.inbound(620, OTHER, alice, "STOP")?;
    d.send(
        640,
        "happy-paws",
        "alice",
        OTHER,
        "Your appointment is tomorrow",
    )?;
    d.inbound(700, OTHER, alice, "HELP")?;
    d.inbound(760, OTHER, alice, "START")?;
    d.inbound(800, "+1 415 253 0000", alice, "please stop texting me")?;
    d.inbound(820, "+1 617 253 0000", alice, "CANCEL")?;

    d.section("A blocked spammer is quarantined (C6)");
    d.at(900);
    let t = d.engine.set_blocked(
        &"happy-paws".into(),
        E164::parse(SPAMMER)?,
        true,
        &"alice".into(),
    )?;
    d.record(
        "alice blocks a spam number",
        serde_json::to_value(&t)?,
        vec!["blocked".into()],
    );
    d.inbound(920, SPAMMER, alice, "You WON a free cruise, reply YES")?;

    d.section("Closing a conversation saves it to the client's history (V3)");
    d.at(1000);
    let org = OrganizationId::from("happy-paws");
    let conv = d
        .engine
        .store()
        .active_conversation(
            &org,
            &practicetext_core::conversation::Participants::Sms {
                our_number: E164::parse(alice)?,
                outside_number: E164::parse(PATIENT)?,
            },
        )?
        .ok_or_else(|| anyhow!("no conversation"))?;
    let entry = practicetext_core::inbox::lifecycle::close(
        d.engine.store(),
        &org,
        &conv.id,
        &"alice".into(),
        d.engine.now(),
    )?;
    let n = entry.messages.len();
    d.record(
        "alice closes the Rivera conversation",
        serde_json::to_value(&entry)?,
        vec![format!("{n} messages saved to client c-rivera's history")],
    );

    d.section("A secure message: generic notice, link behind a PIN (S1-S4)");
    d.at(1100);
    let client = d
        .engine
        .store()
        .client(&org, &"c-rivera".into())?
        .ok_or_else(|| anyhow!("no client"))?;
    let practice = Practice {
        name: "Happy Paws Veterinary".into(),
        link_base: LinkBase::parse("https://secure.happypaws.example/s")?,
    };
    let started = secure::start(
        NewSecureConversation {
            organization: org.clone(),
            id: ConversationId::from("sec-1"),
            client: Some(client.id.clone()),
            recipient: (&client).into(),
            notify: NotifyMethod::Both,
        },
        &practice,
        d.engine.now(),
        &SeededRandom::new(9),
        &Default::default(),
    )?;
    let out = d
        .engine
        .send_secure_notice(&org, E164::parse(alice)?, &started.issued.notice)?;
    let expires = started
        .conversation
        .links
        .last()
        .map(|l| l.expires_at.to_rfc3339())
        .unwrap_or_default();
    d.record(
        "a secure lab result for Dana Rivera",
        serde_json::to_value(&out)?,
        vec![format!("link expires {expires} (72 hours)")],
    );

    d.section("After hours: the after-hours reply and an email alert (A4)");
    d.inbound(
        9 * 3600 + 1800,
        PATIENT,
        alice,
        "Rex is limping, should I worry?",
    )?;

    d.section("A mass alert to tomorrow's appointments (B1-B9, X1, X5, X6)");
    d.at(10 * 3600 + 59 * 60);
    alert::mass_alert(d, vet)
}
