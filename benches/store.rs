//! Store throughput (issue: stores): `put_client` and `clients_by_phone` on
//! 10,000 clients (two per phone, like families), SQLite on a file (WAL,
//! every put its own transaction, as the trait does it) against the
//! in-memory store.
//! Run: `cargo bench --bench store --features sqlite`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use practicetext::directory::{Client, ClientKind};
use practicetext::ids::{ClientId, OrganizationId};
use practicetext::memory::MemoryStore;
use practicetext::phone::E164;
use practicetext::ports::DirectoryStore;
use practicetext::sensitive::PersonName;
use practicetext::sqlite::SqliteStore;

const CLIENTS: u16 = 10_000;

fn phone(i: u16) -> E164 {
    E164::parse(&format!("+1650253{:04}", i / 2)).expect("valid number")
}

fn client(i: u16) -> Client {
    Client {
        id: ClientId::new(format!("client-{i:05}")),
        organization: OrganizationId::new("happy-paws"),
        kind: ClientKind::Patient,
        first_name: PersonName::new("Zoë"),
        last_name: PersonName::new("Yamada"),
        date_of_birth: None,
        cell_phone: Some(phone(i)),
        email: None,
    }
}

/// A store on a file in a temporary directory (kept alive beside it).
fn sqlite_file() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("bench.db")).expect("open");
    (store, dir)
}

fn fill(store: &impl DirectoryStore) {
    for i in 0..CLIENTS {
        store.put_client(&client(i)).expect("put_client");
    }
}

fn put_client(c: &mut Criterion) {
    let mut g = c.benchmark_group("put_client_10k");
    g.throughput(Throughput::Elements(u64::from(CLIENTS)));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("sqlite_file", |b| {
        b.iter_batched(sqlite_file, |(s, _dir)| fill(&s), BatchSize::PerIteration)
    });
    g.bench_function("memory", |b| {
        b.iter_batched(MemoryStore::new, |s| fill(&s), BatchSize::PerIteration)
    });
    g.finish();
}

fn clients_by_phone(c: &mut Criterion) {
    let org = OrganizationId::new("happy-paws");
    let (sqlite, _dir) = sqlite_file();
    fill(&sqlite);
    let memory = MemoryStore::new();
    fill(&memory);
    let mut g = c.benchmark_group("clients_by_phone_in_10k");
    g.throughput(Throughput::Elements(1));
    let mut i = 0u16;
    let mut next = || {
        i = (i + 7919) % CLIENTS;
        phone(i)
    };
    g.bench_function("sqlite_file", |b| {
        b.iter(|| {
            let found = sqlite.clients_by_phone(&org, black_box(next())).unwrap();
            assert_eq!(found.len(), 2);
        })
    });
    g.bench_function("memory", |b| {
        b.iter(|| memory.clients_by_phone(&org, black_box(next())).unwrap())
    });
    g.finish();
}

criterion_group!(benches, put_client, clients_by_phone);
criterion_main!(benches);
