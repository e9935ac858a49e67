//! Mass-alert preflight at scale (SPEC B3, B4, X5). Target: 1,000,000
//! appointments for 300,000 clients in ≤ 0.5 s and ≤ 300 MB peak.
//! Run: `cargo bench --bench broadcast`.
//!
//! Two groups: `broadcast_preflight` in wall time and
//! `broadcast_preflight_cpu` in this thread's CPU time (the figure to
//! compare with the target on a machine shared with other work).
//!
//! Memory is measured with a counting global allocator: the peak of live
//! heap bytes while the inputs exist and one preflight runs, printed before
//! criterion's timings. Two shapes: appointments held in a `Vec` (1 M
//! records in memory) and streamed from an iterator (what a host reading a
//! database cursor or a CSV file does; the preflight takes any iterator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, criterion_group, criterion_main};
use practicetext::broadcast::{
    Appointment, BroadcastRequest, ClientContact, Pace, RangeChoice, preflight,
};
use practicetext::consent::ConsentState;
use practicetext::directory::{
    Directory, Organization, OrganizationSettings, OwnedNumber, Role, User,
};
use practicetext::phone::E164;

/// Counts live heap bytes and remembers the peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let live = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const CLIENTS: u32 = 300_000;
const APPOINTMENTS: u32 = 1_000_000;
const AREAS: [u16; 8] = [416, 212, 650, 312, 604, 305, 713, 617];

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_446_000, 0).unwrap_or_default() // 2026-11-23T15:00:00Z
}

fn directory() -> Directory {
    let org = "bench-clinic";
    let number = E164::parse("4162530001").ok();
    Directory {
        organization: Organization {
            id: org.into(),
            name: "Bench Clinic".into(),
            settings: OrganizationSettings::default(),
        },
        users: vec![User {
            username: "admin".into(),
            organization: org.into(),
            display_name: "Admin".into(),
            extensions: vec![],
            role: Role::Admin,
            sms_enabled: true,
            outbound_number: number,
            assigned_numbers: number.into_iter().collect(),
            auto_responder: None,
        }],
        groups: vec![],
        numbers: number
            .map(|n| OwnedNumber {
                number: n,
                organization: org.into(),
                sms_enabled: true,
                route: None,
            })
            .into_iter()
            .collect(),
    }
}

fn request() -> BroadcastRequest {
    BroadcastRequest {
        organization: "bench-clinic".into(),
        sender: "admin".into(),
        from: None,
        range: RangeChoice::Custom {
            start: now(),
            end: now() + TimeDelta::days(7),
        },
        message: "The clinic has no power today; we will call you to rebook.".into(),
        pace: Pace::default(),
        quiet_hours: Default::default(),
    }
}

/// 300,000 clients: 1% share a number with the client before them
/// (households), 1% have no cell phone, 0.5% an invalid one.
fn clients() -> Vec<ClientContact> {
    (0..CLIENTS)
        .map(|i| {
            let area = AREAS[(i % 8) as usize];
            let k = if i % 100 == 1 { i - 1 } else { i } / 8;
            let phone = match i % 200 {
                7 | 107 => String::new(),
                13 => "123-456-7890".to_owned(),
                _ => format!("({area}) {}-{:04}", 253 + k / 10_000, k % 10_000),
            };
            ClientContact {
                id: format!("c{i:06}").as_str().into(),
                first_name: "Pat".into(),
                last_name: format!("Client{i}").as_str().into(),
                cell_phone: phone,
                time_zone: None,
            }
        })
        .collect()
}

/// Appointment `i`: spread over 8 days from 2 hours ago (so some are past
/// or out of range), clients in a scattered order, 0.1% for unknown clients.
fn appointment(i: u32) -> Appointment {
    let client = i.wrapping_mul(2_654_435_761) % (CLIENTS + CLIENTS / 1000);
    let minutes = i64::from(i % (8 * 24 * 60)) - 120;
    Appointment {
        id: format!("a{i}").as_str().into(),
        client: format!("c{client:06}").as_str().into(),
        starts_at: now() + TimeDelta::minutes(minutes),
    }
}

fn consent(clients: &[ClientContact]) -> HashMap<E164, ConsentState> {
    clients
        .iter()
        .step_by(97)
        .filter_map(|c| E164::parse(&c.cell_phone).ok())
        .map(|n| {
            let state = ConsentState {
                opted_out: true,
                ..Default::default()
            };
            (n, state)
        })
        .collect()
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Peak heap while `run` builds its inputs and makes one preflight, and
/// the time `run` reports for the preflight itself.
fn measure(label: &str, run: impl FnOnce() -> (usize, Duration, Duration)) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (recipients, wall, cpu) = run();
    println!(
        "{label}: {recipients} recipients; preflight {:.0} ms wall, {:.0} ms CPU; peak heap {:.1} MB (held before: {:.1} MB)",
        wall.as_secs_f64() * 1000.0,
        cpu.as_secs_f64() * 1000.0,
        mb(PEAK.load(Ordering::Relaxed)),
        mb(before),
    );
}

/// CPU time this thread has run, from the kernel's scheduler statistics
/// (nanoseconds; zero where /proc is missing). Unlike wall time it does not
/// grow when other processes share the machine.
fn thread_cpu() -> Duration {
    let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

fn timed(f: impl FnOnce() -> usize) -> (usize, Duration, Duration) {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    let n = f();
    (n, wall.elapsed(), thread_cpu().saturating_sub(cpu))
}

fn memory_report() {
    let dir = directory();
    let req = request();
    measure(
        "preflight, 1M appointments streamed (time includes making them)",
        || {
            let clients = clients();
            let consent = consent(&clients);
            let appts = (0..APPOINTMENTS).map(appointment);
            timed(|| {
                let plan = preflight(&req, &dir, &clients, appts, &consent, now());
                plan.map_or(0, |p| p.counts.recipients)
            })
        },
    );
    measure("preflight, 1M appointments in a Vec", || {
        let clients = clients();
        let consent = consent(&clients);
        let appts: Vec<Appointment> = (0..APPOINTMENTS).map(appointment).collect();
        timed(|| {
            let plan = preflight(&req, &dir, &clients, &appts, &consent, now());
            plan.map_or(0, |p| p.counts.recipients)
        })
    });
}

/// Criterion measurement of this thread's CPU time, so the figure does not
/// grow when other processes share the machine.
struct ThreadCpuTime {
    wall: WallTime,
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        thread_cpu()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

fn group<M: Measurement>(c: &mut Criterion<M>, name: &str) {
    let dir = directory();
    let req = request();
    let clients = clients();
    let consent = consent(&clients);
    let appts: Vec<Appointment> = (0..APPOINTMENTS).map(appointment).collect();
    let mut g = c.benchmark_group(name);
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("1M appointments, 300k clients", |b| {
        b.iter(|| {
            preflight(
                black_box(&req),
                &dir,
                black_box(&clients),
                black_box(&appts),
                &consent,
                now(),
            )
        })
    });
    g.finish();
}

fn wall(c: &mut Criterion) {
    memory_report();
    group(c, "broadcast_preflight");
}

fn cpu(c: &mut Criterion<ThreadCpuTime>) {
    group(c, "broadcast_preflight_cpu");
}

criterion_group!(wall_time, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(ThreadCpuTime { wall: WallTime });
    targets = cpu
}
criterion_main!(wall_time, cpu_time);
