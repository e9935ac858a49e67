//! A practice through the facade's JSON calls, as the bindings drive it:
//! the memory store end to end, the SQL stores, mass alerts, host
//! transports and clocks, and every refusal carrying its core code.

use std::sync::{Arc, Mutex};

use practicetext_facade::core::engine::{OutboundSms, SendReceipt, Transport, TransportError};
use practicetext_facade::core::inbound::EmailAlert;
use practicetext_facade::core::ports::{Clock, Timestamp};
use practicetext_facade::{ErrorArea, FacadeError, Host, Practice, sample_directory};
use serde_json::{Value, json};

const ORG: &str = "happy-paws";

fn memory() -> Practice {
    let p = Practice::open("memory", Host::new()).unwrap();
    p.put_directory(sample_directory()).unwrap();
    p
}

fn stop_from(p: &Practice, provider_id: &str) -> Value {
    p.handle_inbound(json!({
        "from": "+14162530000", "to": "+16502530001", "body": "STOP",
        "provider_id": provider_id, "received_at": "2026-11-23T15:00:00Z"
    }))
    .unwrap()
}

#[test]
fn c1_c4_v10_inbound_stop_opts_out_confirms_once_and_is_idempotent() {
    let p = memory();
    let out = stop_from(&p, "SM1");
    assert_eq!(out["outcome"], "handled");
    assert_eq!(out["decision"]["classification"]["action"], "opt_out");
    let sent = p.take_sent();
    assert_eq!(sent["sms"].as_array().unwrap().len(), 1);
    assert_eq!(sent["sms"][0]["to"], "+14162530000");
    assert_eq!(stop_from(&p, "SM1")["outcome"], "duplicate");
    assert_eq!(p.take_sent()["sms"].as_array().unwrap().len(), 0);
    let consent = p
        .consent(json!({"organization": ORG, "number": "4162530000"}))
        .unwrap();
    assert_eq!(consent["opted_out"], true);
    let history = p
        .consent_history(r#"{"organization": "happy-paws"}"#)
        .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
}

#[test]
fn c4_send_to_an_opted_out_number_is_refused_with_its_code() {
    let p = memory();
    stop_from(&p, "SM1");
    p.take_sent();
    let req = json!({"organization": ORG, "user": "alice", "to": [{"typed": "+14162530000"}], "body": "Hi"});
    let checks = p.can_send(req.clone()).unwrap();
    assert_eq!(checks[0]["allowed"], false);
    assert_eq!(checks[0]["refusals"][0]["code"], "recipient_opted_out");
    let outcomes = p.send(req).unwrap();
    assert_eq!(outcomes[0]["delivered"], Value::Null);
    assert_eq!(p.take_sent()["sms"].as_array().unwrap().len(), 0);
}

#[test]
fn v1_v3_v5_conversations_close_into_history_and_inbox_calls_answer() {
    let p = memory();
    let out = p
        .handle_inbound(json!({"from": "+14162530000", "to": "+16502530001", "body": "Hello"}))
        .unwrap();
    let conv = out["conversation"].as_str().unwrap().to_owned();
    let list = p
        .conversations(json!({"organization": ORG, "status": "active"}))
        .unwrap();
    assert_eq!(list[0]["id"], conv.as_str());
    let msgs = p
        .messages(json!({"organization": ORG, "conversation": conv}))
        .unwrap();
    assert_eq!(msgs[0]["body"], "Hello");
    p.set_muted(json!({"organization": ORG, "user": "alice", "conversation": conv, "muted": true}))
        .unwrap();
    p.mark_read(json!({"organization": ORG, "user": "alice", "conversation": conv}))
        .unwrap();
    assert_eq!(
        p.login(json!({"organization": ORG, "user": "alice"}))
            .unwrap()["total"],
        0
    );
    p.logout(json!({"organization": ORG, "user": "alice"}))
        .unwrap();
    let entry = p
        .close_conversation(json!({"organization": ORG, "conversation": conv, "by": "alice"}))
        .unwrap();
    assert_eq!(entry["conversation"]["status"], "closed");
    let again = p
        .close_conversation(json!({"organization": ORG, "conversation": conv, "by": "alice"}))
        .unwrap_err();
    assert_eq!(
        (again.code(), again.area()),
        ("conversation_closed", ErrorArea::Inbox)
    );
    let gone = p
        .delete_conversation(json!({"organization": ORG, "conversation": conv}))
        .unwrap();
    assert_eq!(gone["messages"], 1);
    let e = p
        .messages(json!({"organization": ORG, "conversation": conv}))
        .unwrap_err();
    assert_eq!(e.code(), "conversation_not_found");
}

#[test]
fn v2_v4_staff_start_a_conversation_and_assign_it_to_a_new_client() {
    let p = memory();
    let c = p
        .start_conversation(json!({
            "organization": ORG, "our_number": "+16502530001",
            "outside_number": "+14162530000", "started_by": "alice"
        }))
        .unwrap();
    let id = c["id"].as_str().unwrap();
    assert!(id.starts_with("conv_") && id.len() == 5 + 24, "{id}");
    let a = p
        .assign_conversation(json!({
            "organization": ORG, "conversation": id,
            "assign": {"to": "new", "client": {"id": "c1", "organization": ORG, "kind": "patient"}}
        }))
        .unwrap();
    assert_eq!(a["cell_phone"], "set");
    let client = p
        .client(json!({"organization": ORG, "client": "c1"}))
        .unwrap();
    assert_eq!(client["cell_phone"], "+14162530000");
    let usage = p
        .usage_report(json!({"organization": ORG, "from": "2026-01-02", "to": "2026-01-01"}))
        .unwrap_err();
    assert_eq!(usage.code(), "invalid_date_range");
}

#[test]
fn bad_requests_are_bad_input_and_never_echo_values() {
    let p = memory();
    for bad in [
        json!(null),
        json!([]),
        json!({"from": "+14162530000", "to": "+16502530001"}),
        json!({"from": "+14162530000", "to": "911", "body": "x"}),
        json!({"from": 12, "to": "+16502530001", "body": "x"}),
    ] {
        let e = p.handle_inbound(bad.clone()).unwrap_err();
        assert_eq!(
            (e.code(), e.area()),
            ("bad_input", ErrorArea::Input),
            "{bad}"
        );
        assert!(!e.message().contains("911"), "{}", e.message());
    }
    let blank = p
        .handle_inbound(json!({"from": " ", "to": "+16502530001", "body": "x"}))
        .unwrap_err();
    assert_eq!(blank.code(), "bad_input");
    assert_eq!(p.send("{not json").unwrap_err().code(), "bad_input");
    let unknown = p
        .handle_inbound(json!({"from": "+14162530000", "to": "+16502539999", "body": "x"}))
        .unwrap_err();
    assert_eq!(
        (unknown.code(), unknown.area()),
        ("unknown_number", ErrorArea::Engine)
    );
}

#[test]
fn r3_put_directory_validates_and_lints() {
    let p = Practice::open("memory", Host::new()).unwrap();
    let answer = p.put_directory(sample_directory()).unwrap();
    assert_eq!(
        (answer["users"].as_u64(), answer["numbers"].as_u64()),
        (Some(2), Some(6))
    );
    assert!(!answer["lint"].as_array().unwrap().is_empty());
    let mut dup = sample_directory();
    dup["users"][1]["username"] = json!("alice");
    let e = p.put_directory(dup).unwrap_err();
    assert_eq!(
        (e.code(), e.area()),
        ("duplicate_user", ErrorArea::Directory)
    );
    assert_eq!(
        p.lint(json!({"organization": ORG})).unwrap(),
        answer["lint"]
    );
}

#[test]
fn c1_sqlite_runs_the_engine_and_keeps_everything_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.db");
    let spec = format!("sqlite:{}", path.display());
    {
        let p = Practice::open(&spec, Host::new()).unwrap();
        assert_eq!(p.store_kind(), "sqlite");
        p.put_directory(sample_directory()).unwrap();
        assert_eq!(stop_from(&p, "SM1")["outcome"], "handled");
    }
    let p = Practice::open(&spec, Host::new()).unwrap();
    let d = p.directory(json!({"organization": ORG})).unwrap();
    assert_eq!(d["users"][0]["username"], "alice");
    assert_eq!(stop_from(&p, "SM1")["outcome"], "duplicate");
    let consent = p
        .consent(json!({"organization": ORG, "number": "4162530000"}))
        .unwrap();
    assert_eq!(consent["opted_out"], true);
    let mem = Practice::open("sqlite::memory:", Host::new()).unwrap();
    mem.put_directory(sample_directory()).unwrap();
    assert_eq!(
        mem.conversations(json!({"organization": ORG})).unwrap(),
        json!([])
    );
}

/// A host clock the test moves.
struct MovingClock(Mutex<Timestamp>);

impl Clock for MovingClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

fn alert(clients: Value, appointments: Value) -> Value {
    json!({
        "request": {
            "organization": ORG, "sender": "alice",
            "range": {"preset": "custom", "start": "2026-11-23T15:00:00Z", "end": "2026-11-24T15:00:00Z"},
            "message": "The power is out; we will call you to rebook.", "pace": 60
        },
        "clients": clients,
        "appointments": appointments,
    })
}

fn b3_b4_b5_b7_broadcast_on(spec: &str) {
    let clock = Arc::new(MovingClock(Mutex::new(
        "2026-11-23T15:00:00Z".parse().unwrap(),
    )));
    let p = Practice::open(spec, Host::new().with_clock(clock.clone())).unwrap();
    p.put_directory(sample_directory()).unwrap();
    stop_from(&p, "SM1");
    p.take_sent();
    let clients = json!([
        {"id": "c1", "first_name": "Ann", "last_name": "Lee", "cell_phone": "(416) 253-0001"},
        {"id": "c2", "first_name": "Bo", "last_name": "Chu", "cell_phone": "(416) 253-0002"},
        {"id": "c3", "first_name": "Cy", "last_name": "Opt", "cell_phone": "(416) 253-0000"},
    ]);
    let appts = json!([
        {"id": "a1", "client": "c1", "starts_at": "2026-11-23T18:00:00Z"},
        {"id": "a2", "client": "c2", "starts_at": "2026-11-23T19:00:00Z"},
        {"id": "a3", "client": "c3", "starts_at": "2026-11-23T20:00:00Z"},
    ]);
    let plan = p
        .broadcast_preflight(alert(clients.clone(), appts.clone()))
        .unwrap();
    assert_eq!(plan["counts"]["recipients"], 2);
    assert_eq!(plan["excluded"][0]["reason"]["code"], "opted_out", "{plan}");
    let mut start = alert(clients, appts);
    start["confirm"] = json!("not-the-token");
    let e = p.broadcast_start(start.clone()).unwrap_err();
    assert_eq!(
        (e.code(), e.area()),
        ("confirmation_mismatch", ErrorArea::Broadcast)
    );
    start["confirm"] = plan["token"].clone();
    let b = p.broadcast_start(start.clone()).unwrap();
    assert_eq!(p.broadcast_start(start).unwrap()["id"], b["id"]);
    let run = json!({"organization": ORG, "broadcast": b["id"]});
    let first = p.broadcast_run(run.clone()).unwrap();
    assert_eq!(first["done"], false);
    assert_eq!(first["steps"][0]["step"], "sent");
    assert_eq!(first["wait_until"], "2026-11-23T15:00:01Z");
    *clock.0.lock().unwrap() = "2026-11-23T15:00:01Z".parse().unwrap();
    let second = p.broadcast_run(run.clone()).unwrap();
    assert_eq!(second["steps"][0]["step"], "sent");
    assert_eq!(second["summary"]["status"]["status"], "all_sent");
    // The runner says it is done once the pace lets it look again.
    *clock.0.lock().unwrap() = second["wait_until"].as_str().unwrap().parse().unwrap();
    let third = p.broadcast_run(run).unwrap();
    assert_eq!(
        (&third["done"], &third["wait_until"]),
        (&json!(true), &Value::Null)
    );
    assert_eq!(p.take_sent()["sms"].as_array().unwrap().len(), 2);
    let report = p
        .broadcast_report(json!({"organization": ORG, "broadcast": b["id"]}))
        .unwrap();
    assert_eq!(report["rows"].as_array().unwrap().len(), 3);
    assert!(
        report["csv"]
            .as_str()
            .unwrap()
            .starts_with("Client Full Name")
    );
    let activity = p.broadcast_activity(json!({"organization": ORG})).unwrap();
    assert_eq!(activity.as_array().unwrap().len(), 1);
    let e = p
        .broadcast_run(json!({"organization": ORG, "broadcast": "nope"}))
        .unwrap_err();
    assert_eq!(
        (e.code(), e.area()),
        ("broadcast_not_found", ErrorArea::Broadcast)
    );
}

#[test]
fn b3_b4_b5_b7_broadcast_preflight_start_run_and_report_on_memory() {
    b3_b4_b5_b7_broadcast_on("memory");
}

#[test]
fn b3_b4_b5_b7_broadcast_preflight_start_run_and_report_on_sqlite() {
    b3_b4_b5_b7_broadcast_on("sqlite::memory:");
}

#[test]
fn b1_a_staff_sender_is_refused_with_the_broadcast_area() {
    let p = memory();
    let mut req = alert(json!([]), json!([]));
    req["request"]["sender"] = json!("bob");
    let e = p.broadcast_preflight(req).unwrap_err();
    assert_eq!(
        (e.code(), e.area()),
        ("broadcast_refused", ErrorArea::Broadcast)
    );
    assert!(e.reasons().iter().any(|r| r.code == "not_admin"), "{e:?}");
    assert!(stop_from(&p, "SM9")["outcome"] == "handled");
    let phone = p
        .handle_inbound(json!({"from": "+14162530000", "to": "+16502539999", "body": "x"}))
        .unwrap_err();
    assert!(phone.reasons().is_empty());
}

#[test]
fn store_specs_that_cannot_open_say_why() {
    let e = Practice::open("mysql://x", Host::new()).unwrap_err();
    assert_eq!(e.code(), "invalid_store_spec");
    let e = Practice::open("sqlite:/nonexistent-dir/x/y.db", Host::new()).unwrap_err();
    assert_eq!(
        (e.code(), e.area()),
        ("store_open_failed", ErrorArea::Store)
    );
}

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_spec_without_the_feature_is_not_supported() {
    let e = Practice::open("postgresql://u@127.0.0.1:1/db", Host::new()).unwrap_err();
    assert_eq!(e.code(), "store_not_supported");
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_spec_that_cannot_connect_says_so() {
    let e = Practice::open("postgresql://u@127.0.0.1:1/db", Host::new()).unwrap_err();
    assert_eq!(e.code(), "store_connect_failed");
    assert!(!e.message().contains("secret"));
}

/// A transport that refuses every text, as a provider outage would.
struct Down;

impl Transport for Down {
    fn send_sms(&self, _: &OutboundSms) -> Result<SendReceipt, TransportError> {
        Err(TransportError::Unavailable {
            message: "provider down".into(),
        })
    }
    fn send_email(&self, _: &EmailAlert) -> Result<(), TransportError> {
        Ok(())
    }
}

#[test]
fn a_host_transport_failure_is_reported_per_delivery() {
    let p = Practice::open("memory", Host::new().with_transport(Arc::new(Down))).unwrap();
    p.put_directory(sample_directory()).unwrap();
    let out = stop_from(&p, "SM9");
    assert!(
        out["sent"][0]["error"]
            .as_str()
            .unwrap()
            .contains("provider down")
    );
    assert_eq!(p.take_sent()["sms"].as_array().unwrap().len(), 0);
}

/// A host clock that can be told to fail, reporting to the facade.
struct HostClock {
    at: Timestamp,
    fail: Mutex<bool>,
    faults: Arc<practicetext_facade::HostFaults>,
}

impl Clock for HostClock {
    fn now(&self) -> Timestamp {
        if self.fail.lock().map(|f| *f).unwrap_or(true) {
            self.faults.report(FacadeError::new(
                practicetext_facade::codes::HOST_CLOCK_FAILED,
                ErrorArea::Host,
                "the host clock raised",
            ));
        }
        self.at
    }
}

#[test]
fn a_host_clock_sets_the_time_and_its_failure_refuses_the_call() {
    let host = Host::new();
    let clock = Arc::new(HostClock {
        at: "2026-03-04T05:06:07Z".parse().unwrap(),
        fail: Mutex::new(false),
        faults: host.faults(),
    });
    let p = Practice::open("memory", host.with_clock(clock.clone())).unwrap();
    p.put_directory(sample_directory()).unwrap();
    let c = p
        .start_conversation(json!({
            "organization": ORG, "our_number": "+16502530001",
            "outside_number": "+14162530000", "started_by": "alice"
        }))
        .unwrap();
    assert_eq!(c["started_at"], "2026-03-04T05:06:07Z");
    *clock.fail.lock().unwrap() = true;
    let e = p
        .handle_inbound(json!({"from": "+14162530000", "to": "+16502530001", "body": "hi"}))
        .unwrap_err();
    assert_eq!((e.code(), e.area()), ("host_clock_failed", ErrorArea::Host));
    *clock.fail.lock().unwrap() = false;
    assert!(p.login(json!({"organization": ORG, "user": "bob"})).is_ok());
}

#[test]
fn practice_is_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Practice>();
    let p = Arc::new(memory());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let p = Arc::clone(&p);
            std::thread::spawn(move || {
                p.handle_inbound(json!({
                    "from": "+14162530000", "to": "+16502530001", "body": "STOP",
                    "provider_id": format!("SM{i}"), "received_at": "2026-11-23T15:00:00Z"
                }))
                .unwrap()
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // C4: four STOPs racing, exactly one confirmation.
    assert_eq!(p.take_sent()["sms"].as_array().unwrap().len(), 1);
}
