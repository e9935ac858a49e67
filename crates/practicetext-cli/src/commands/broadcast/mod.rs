//! `practicetext broadcast`: mass text alerts from CSV files (SPEC B1-B9,
//! X1, X5, X6). Reads the files, calls the core's preflight and runner,
//! prints JSON. No rule lives here.

mod input;
mod state;
mod transport;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use practicetext_core::broadcast::{
    BroadcastPorts, BroadcastRequest, BroadcastRunner, BroadcastSummary, Pace, Preflight,
    RangeChoice, Step, StoreConsent, preflight, report_csv, start,
};
use practicetext_core::directory::{
    Directory, Organization, OrganizationSettings, OwnedNumber, Role, Route, User,
};
use practicetext_core::engine::Transport;
use practicetext_core::hours::QuietHours;
use practicetext_core::ids::{BroadcastId, OrganizationId, Username};
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{BroadcastStore, ConsentStore};
use practicetext_sqlite::SqliteStore;
use serde_json::{Value, json};

use self::input::BadInput;
use self::state::StateStore;
use self::transport::{FileTransport, StdoutTransport, TransportArg};
use crate::jsonl;

/// The input formats, shown in every `broadcast` help.
macro_rules! input_formats {
    () => {
        "\
Input files (CSV with a header row; extra columns are ignored):
  clients.csv       client_id, first_name, last_name, cell_phone, email
                    (cell_phone in any common form, e.g. (416) 253-0000; email unused)
  appts.csv         appointment_id, client_id, patient_name, starts_at
                    (starts_at in RFC 3339, e.g. 2026-11-24T09:30:00-05:00, or local
                    \"YYYY-MM-DD HH:MM\" in --time-zone; patient_name unused: one text
                    per client however many patients)
  consent.csv       number, status   (status: opted_out, blocked, suppressed, landline)

Times on the command line (--from, --to, --now) take the same two forms."
    };
}

/// Mass text alerts: who gets one, how fast it goes out, and the report.
///
/// `preflight` is the dry run: it prints who would get the text, who would
/// not and why, the characters remaining, the projected finish and a
/// confirmation token. `run` sends through a transport that records the
/// texts (a JSON-lines file or stdout), paced and within quiet hours, and
/// writes the report CSV; it needs the token from the preflight.
#[derive(clap::Args)]
#[command(after_help = concat!("Examples:\n  \
practicetext broadcast preflight --clients clients.csv --appointments appts.csv \\\n    \
--first-day 2026-11-24 --from-number 4162530001 --message \"Closed tomorrow: no power.\"\n  \
practicetext broadcast run ...the same flags... --confirm <token from the preflight> \\\n    \
--db practice.db --report report.csv\n\n", input_formats!()))]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Preflight(PreflightArgs),
    Run(RunArgs),
}

/// What both subcommands read.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("range").required(true).args(["from", "rest_of_today", "first_day"])))]
struct Inputs {
    /// clients.csv (see below).
    #[arg(long, value_name = "FILE")]
    clients: PathBuf,
    /// appts.csv (see below).
    #[arg(long, value_name = "FILE")]
    appointments: PathBuf,
    /// Start of a custom appointment range (inclusive).
    #[arg(long, value_name = "WHEN", requires = "to")]
    from: Option<String>,
    /// End of a custom appointment range (exclusive); at most 7 days after
    /// --from.
    #[arg(long, value_name = "WHEN", requires = "from")]
    to: Option<String>,
    /// Appointments from now until midnight.
    #[arg(long)]
    rest_of_today: bool,
    /// Whole days from this date (YYYY-MM-DD), with --days.
    #[arg(long, value_name = "DATE")]
    first_day: Option<NaiveDate>,
    /// How many whole days (1 to 7).
    #[arg(long, default_value_t = 1, value_name = "N")]
    days: u32,
    /// The text of the alert.
    #[arg(long)]
    message: String,
    /// Our number the alerts go out from (the sender's SMS number).
    #[arg(long, value_name = "NUMBER")]
    from_number: String,
    /// The practice's name.
    #[arg(long, default_value = "Practice")]
    org_name: String,
    /// The practice's IANA time zone: the range presets and local times.
    #[arg(long, default_value = "America/New_York", value_name = "ZONE")]
    time_zone: Tz,
    /// The sending user's username.
    #[arg(long, default_value = "admin", value_name = "USERNAME")]
    sender: String,
    /// The sending user's role (only an admin may send, SPEC B1).
    #[arg(long, default_value = "admin", value_parser = ["admin", "staff"])]
    sender_role: String,
    /// Alerts a minute (1 to 60).
    #[arg(long, default_value_t = 5)]
    pace: u32,
    /// The recipient-local window alerts may go out in.
    #[arg(long, default_value = "09:00-20:00", value_name = "HH:MM-HH:MM")]
    quiet_hours: String,
    /// Opt-outs, blocks and failing numbers: consent.csv (see below).
    #[arg(long, value_name = "FILE")]
    consent: Option<PathBuf>,
    /// The current time (RFC 3339), for repeatable runs: time then moves
    /// only as the run needs, without waiting. Default: the system clock.
    #[arg(long, value_name = "WHEN")]
    now: Option<String>,
}

/// Dry run: who gets the alert, who does not and why (SPEC B3, B4, B8, X5).
///
/// Prints the preflight as JSON: "recipients" (one per text), "excluded"
/// (with a reason code each: no_cell_phone, invalid_number,
/// not_us_or_canada, opted_out, blocked, landline, permanently_failing,
/// shared_number), "counts", "span", "segments" (characters remaining),
/// "projected_finish" and "token", which `run --confirm` needs. A refused
/// request prints {"code": "broadcast_refused", "message", "refusals":
/// [{"code", "message"}]} (codes: not_admin, two_way_disabled,
/// range_too_long, range_empty, range_in_past, message_empty,
/// message_blocked, text_too_long, ...). Both exit 0; bad input exits 2.
#[derive(clap::Args)]
#[command(after_help = concat!("Examples:\n  \
practicetext broadcast preflight --clients clients.csv --appointments appts.csv \\\n    \
--first-day 2026-11-24 --from-number 4162530001 --message \"The clinic is closed tomorrow: no power.\"\n  \
practicetext broadcast preflight --clients clients.csv --appointments appts.csv \\\n    \
--from \"2026-11-24 08:00\" --to \"2026-11-24 12:00\" --time-zone America/Toronto \\\n    \
--from-number 4162530001 --message \"No power this morning; we will call you.\"\n\n", input_formats!()))]
struct PreflightArgs {
    #[command(flatten)]
    inputs: Inputs,
}

/// Send the alert: paced, in quiet hours deferred, resumable (SPEC B5-B9).
///
/// Needs --confirm with the token `preflight` printed for the same inputs.
/// Sends through --transport (file:PATH appends one JSON line per text and
/// reads the file back to tell, after a crash, what went out; stdout prints
/// them), shows a progress bar when stderr is a terminal, writes the report
/// CSV (Client Full Name, Client Phone Number, SMS Status, Error Details,
/// Message Text, Timestamp, Next Action) and prints the summary as JSON
/// ({"status": {"status": "all_sent"}} or {"status": {"status": "failed",
/// "failed": N}}, with counts).
///
/// Resuming after Ctrl-C or a crash: with --db FILE the broadcast lives in
/// that SQLite database (the embedded store), every recipient is claimed
/// before its text is handed to the transport and recorded right after;
/// run the same command again (same token) and it carries on from the
/// database: nothing is sent twice and no one is skipped. A text whose
/// hand-over was cut short is looked up in the file transport by its
/// idempotency key; if the transport cannot tell (stdout), it is reported
/// as failed ("interrupted, verify before resending"), never sent again
/// blindly. --state FILE does the same with a JSON file, for one process.
///
/// Exit codes: 0 the run finished (even with failed texts: read the
/// summary); 1 it could not run (a refusal, printed as {"code",
/// "message"}, or an I/O error); 2 bad input (printed as {"code":
/// "bad_input", "message"}) or a usage error.
#[derive(clap::Args)]
#[command(after_help = concat!("Examples:\n  \
practicetext broadcast run --clients clients.csv --appointments appts.csv --first-day 2026-11-24 \\\n    \
--from-number 4162530001 --message \"The clinic is closed tomorrow: no power.\" \\\n    \
--confirm 3f5c...e1 --transport file:sent.jsonl --report report.csv --db practice.db\n  \
# interrupted? run the very same command again: it resumes from practice.db\n\n", input_formats!()))]
struct RunArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// The token printed by `preflight` (SPEC B4).
    #[arg(long, value_name = "TOKEN")]
    confirm: String,
    /// Where texts go: file:PATH or stdout.
    #[arg(
        long,
        default_value = "file:sent.jsonl",
        value_name = "file:PATH|stdout"
    )]
    transport: TransportArg,
    /// Where the report CSV is written.
    #[arg(long, default_value = "broadcast-report.csv", value_name = "FILE")]
    report: PathBuf,
    /// Save progress here after each change; resume from it if it exists.
    #[arg(long, value_name = "FILE", conflicts_with = "db")]
    state: Option<PathBuf>,
    /// Keep the broadcast in this SQLite database (created if missing);
    /// running the same command again resumes it from there.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Test hook: exit abruptly (code 3, as a crash) after this many steps
    /// of the runner.
    #[arg(long, hide = true, value_name = "N")]
    stop_after: Option<usize>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let result = match args.command {
        Command::Preflight(a) => preflight_command(&a.inputs),
        Command::Run(a) => run_command(&a),
    };
    match result {
        Err(e) if e.is::<BadInput>() => {
            jsonl::print(&json!({"code": "bad_input", "message": e.to_string()}))?;
            Ok(ExitCode::from(2))
        }
        other => other,
    }
}

/// The organization, request and clock the flags describe.
struct Setup {
    directory: Directory,
    request: BroadcastRequest,
    now: DateTime<Utc>,
    virtual_clock: bool,
}

fn bad(message: String) -> anyhow::Error {
    BadInput(message).into()
}

impl Setup {
    fn new(i: &Inputs) -> anyhow::Result<Setup> {
        let tz = i.time_zone;
        let from = E164::parse(&i.from_number)
            .map_err(|e| bad(format!("--from-number: {}: {e}", e.code())))?;
        let (now, virtual_clock) = match &i.now {
            Some(t) => (
                input::when(t, tz).map_err(|e| bad(format!("--now: {e}")))?,
                true,
            ),
            None => (system_now(), false),
        };
        let range = match (&i.from, &i.to, i.first_day) {
            (Some(from), Some(to), _) => RangeChoice::Custom {
                start: input::when(from, tz).map_err(|e| bad(format!("--from: {e}")))?,
                end: input::when(to, tz).map_err(|e| bad(format!("--to: {e}")))?,
            },
            (_, _, Some(first_day)) => RangeChoice::WholeDays {
                first_day,
                days: i.days,
            },
            _ => RangeChoice::RestOfToday,
        };
        let pace = Pace::new(i.pace).map_err(|e| bad(format!("--pace: {e}")))?;
        let request = BroadcastRequest {
            organization: OrganizationId::from("practice"),
            sender: Username::from(i.sender.as_str()),
            from: Some(from),
            range,
            message: i.message.as_str().into(),
            pace,
            quiet_hours: quiet_hours(&i.quiet_hours)?,
        };
        Ok(Setup {
            directory: directory(i, from),
            request,
            now,
            virtual_clock,
        })
    }

    fn org(&self) -> &OrganizationId {
        &self.directory.organization.id
    }

    /// Records the consent file in `store`.
    fn record_consent(&self, i: &Inputs, store: &impl ConsentStore) -> anyhow::Result<()> {
        if let Some(path) = &i.consent {
            for change in input::consent(path, self.org(), &self.request.sender, self.now)? {
                store.record_consent(self.org(), &change)?;
            }
        }
        Ok(())
    }

    fn preflight(&self, i: &Inputs, consent: &impl ConsentStore) -> anyhow::Result<Preflight> {
        let clients = input::clients(&i.clients)?;
        let mut appointments = input::Appointments::open(&i.appointments, i.time_zone)?;
        let lookup = StoreConsent {
            store: consent,
            organization: self.org(),
        };
        let plan = preflight(
            &self.request,
            &self.directory,
            &clients,
            &mut appointments,
            &lookup,
            self.now,
        );
        if let Some(e) = appointments.error {
            return Err(e);
        }
        Ok(plan?)
    }
}

fn system_now() -> DateTime<Utc> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    DateTime::from_timestamp_millis(i64::try_from(since.as_millis()).unwrap_or(0))
        .unwrap_or_default()
}

fn quiet_hours(text: &str) -> anyhow::Result<QuietHours> {
    let parse = |t: &str| match t {
        "24:00" => Some(NaiveTime::MIN),
        t => NaiveTime::parse_from_str(t, "%H:%M").ok(),
    };
    let window = text
        .split_once('-')
        .and_then(|(a, b)| Some((parse(a)?, parse(b)?)));
    let Some((start, end)) = window else {
        return Err(bad(format!(
            "--quiet-hours {text:?}: write HH:MM-HH:MM, e.g. 09:00-20:00"
        )));
    };
    QuietHours::new(start, end).map_err(|e| bad(format!("--quiet-hours: {}: {e}", e.code())))
}

/// The practice the flags describe: one sending user with one number.
fn directory(i: &Inputs, from: E164) -> Directory {
    let org = OrganizationId::from("practice");
    let sender = Username::from(i.sender.as_str());
    let settings = OrganizationSettings {
        time_zone: i.time_zone,
        ..OrganizationSettings::default()
    };
    Directory {
        organization: Organization {
            id: org.clone(),
            name: i.org_name.clone(),
            settings,
        },
        users: vec![User {
            username: sender.clone(),
            organization: org.clone(),
            display_name: i.sender.clone(),
            extensions: Vec::new(),
            role: match i.sender_role.as_str() {
                "staff" => Role::Staff,
                _ => Role::Admin,
            },
            sms_enabled: true,
            outbound_number: Some(from),
            assigned_numbers: vec![from],
            auto_responder: None,
        }],
        groups: Vec::new(),
        numbers: vec![OwnedNumber {
            number: from,
            organization: org,
            sms_enabled: true,
            route: Some(Route::User(sender)),
        }],
    }
}

/// `{"code", "message"}`, with every refusal of a `broadcast_refused`.
fn error_json(e: &practicetext_core::Error) -> Value {
    let mut v = json!({"code": e.code(), "message": e.to_string()});
    if let practicetext_core::Error::Broadcast(b) = e
        && !b.refusals().is_empty()
    {
        v["refusals"] = json!(b.refusals());
    }
    v
}

fn core_error(e: anyhow::Error) -> Result<practicetext_core::Error, anyhow::Error> {
    e.downcast::<practicetext_core::Error>()
}

fn preflight_command(i: &Inputs) -> anyhow::Result<ExitCode> {
    let setup = Setup::new(i)?;
    let store = MemoryStore::new();
    setup.record_consent(i, &store)?;
    match setup.preflight(i, &store).map_err(core_error) {
        Ok(plan) => jsonl::print(&plan)?,
        Err(Ok(e)) => jsonl::print(&error_json(&e))?,
        Err(Err(e)) => return Err(e),
    }
    Ok(ExitCode::SUCCESS)
}

fn run_command(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let setup = Setup::new(&args.inputs)?;
    if let Some(path) = &args.db {
        let store = SqliteStore::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", path.display()))?;
        let resumed = resume_from_db(&setup, args, &store)?;
        return execute(&setup, args, &store, resumed);
    }
    let store = StateStore::new(MemoryStore::new(), args.state.clone(), setup.org().clone());
    let resumed = resume_from_state(args, &store).map_err(core_error);
    match resumed {
        Ok(resumed) => execute(&setup, args, &store, resumed),
        Err(Ok(e)) => {
            jsonl::print(&error_json(&e))?;
            Ok(ExitCode::from(1))
        }
        Err(Err(e)) => Err(e),
    }
}

/// Starts the broadcast unless `resumed` names one, sends it and writes
/// the report.
fn execute<S: BroadcastPorts>(
    setup: &Setup,
    args: &RunArgs,
    store: &S,
    resumed: Option<BroadcastId>,
) -> anyhow::Result<ExitCode> {
    let started = match resumed {
        Some(id) => Ok(id),
        None => begin(setup, args, store).map_err(core_error),
    };
    let id = match started {
        Ok(id) => id,
        Err(Ok(e)) => {
            jsonl::print(&error_json(&e))?;
            return Ok(ExitCode::from(1));
        }
        Err(Err(e)) => return Err(e),
    };
    let transport: Box<dyn Transport> = match &args.transport {
        TransportArg::File(path) => Box::new(FileTransport::open(path.clone())?),
        TransportArg::Stdout => Box::new(StdoutTransport),
    };
    let summary = send_all(setup, store, transport.as_ref(), &id, args.stop_after)?;
    let broadcast = store
        .broadcast(setup.org(), &id)?
        .ok_or_else(|| anyhow::anyhow!("the broadcast vanished from the store"))?;
    let report = report_csv(&broadcast, &store.recipients(setup.org(), &id)?);
    std::fs::write(&args.report, report)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.report.display()))?;
    jsonl::print(&summary)?;
    Ok(ExitCode::SUCCESS)
}

/// The broadcast in the state file, if there is one; its token must be
/// the one given (SPEC B4, B9).
fn resume_from_state(args: &RunArgs, store: &StateStore) -> anyhow::Result<Option<BroadcastId>> {
    let Some(saved) = args
        .state
        .as_deref()
        .map(StateStore::load)
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    if saved.broadcast.token != args.confirm {
        return Err(practicetext_core::Error::from(
            practicetext_core::broadcast::BroadcastError::ConfirmationMismatch,
        )
        .into());
    }
    store.restore(&saved)?;
    Ok(Some(saved.broadcast.id))
}

/// The broadcast id a confirmation token starts: the same token always
/// names the same broadcast, so running the command again resumes it.
fn broadcast_id(token: &str) -> BroadcastId {
    BroadcastId::new(format!("bc_{}", token.get(..16).unwrap_or("")))
}

/// The broadcast this token started in the database, if any (SPEC B9).
fn resume_from_db(
    setup: &Setup,
    args: &RunArgs,
    store: &SqliteStore,
) -> anyhow::Result<Option<BroadcastId>> {
    let id = broadcast_id(&args.confirm);
    Ok(store
        .broadcast(setup.org(), &id)?
        .filter(|b| b.token == args.confirm)
        .map(|b| b.id))
}

/// Runs the preflight and starts a new broadcast with the confirmation
/// token (SPEC B4).
fn begin<S: BroadcastPorts>(
    setup: &Setup,
    args: &RunArgs,
    store: &S,
) -> anyhow::Result<BroadcastId> {
    setup.record_consent(&args.inputs, store)?;
    let plan = setup.preflight(&args.inputs, store)?;
    let id = broadcast_id(&plan.token);
    let b = start(store, &setup.directory, &plan, &args.confirm, id, setup.now)?;
    Ok(b.id)
}

/// Steps the runner until every recipient is done, sleeping (or, with
/// --now, moving the clock) while it waits.
fn send_all<S: BroadcastPorts>(
    setup: &Setup,
    store: &S,
    transport: &dyn Transport,
    id: &BroadcastId,
    stop_after: Option<usize>,
) -> anyhow::Result<BroadcastSummary> {
    let mut runner = BroadcastRunner::open(store, transport, setup.org(), id, "cli")?;
    let recipients = store.recipients(setup.org(), id)?;
    let done = recipients.iter().filter(|r| r.status.is_final()).count();
    let bar = progress(recipients.len(), done);
    let mut now = setup.now;
    let mut moved = 0usize;
    loop {
        if stop_after.is_some_and(|n| moved >= n) {
            // The test hook: stop as a crash would, with nothing saved on top.
            std::process::exit(3);
        }
        moved = moved.saturating_add(1);
        match runner.step(now, 0)? {
            Step::Done(summary) => {
                bar.finish_and_clear();
                return Ok(summary);
            }
            Step::Wait { until, .. } if setup.virtual_clock => now = until,
            Step::Wait { until, .. } => {
                let wait = (until - system_now()).to_std().unwrap_or_default();
                std::thread::sleep(wait.min(Duration::from_secs(60)));
                now = system_now();
            }
            Step::Sent { .. } | Step::Failed { .. } | Step::Skipped { .. } => bar.inc(1),
            Step::Deferred { .. } | Step::Interrupted { .. } => {}
        }
    }
}

fn progress(total: usize, done: usize) -> ProgressBar {
    let target = match std::io::stderr().is_terminal() {
        true => ProgressDrawTarget::stderr(),
        false => ProgressDrawTarget::hidden(),
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} texts done, {eta} left") {
        bar.set_style(style);
    }
    bar.set_position(done as u64);
    bar
}
