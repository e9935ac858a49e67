//! Consent: SPEC C1-C7 as a ledger. Every change of an outside number's
//! consent within an organization is a [`ConsentChange`] (time, number,
//! keyword or staff member, raw text, scope: C7); the current
//! [`ConsentState`] is derived by folding changes with [`apply`], so the
//! history and the state can never disagree.
//!
//! Opt-out scope is the organization (C1): a STOP to any of the practice's
//! numbers stops texts from all of them. Blocking (C6) and carrier
//! suppression (X2, a permanent delivery failure until a person verifies the
//! number) are separate flags: an opt-in does not unblock, and unblocking
//! does not opt in.

use serde::{Deserialize, Serialize};

use crate::ids::{OrganizationId, Username};
use crate::phone::E164;
use crate::ports::Timestamp;
use crate::sensitive::MessageBody;

/// An outside number's consent within one organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentState {
    /// The number opted out (C1, C2, C5) and has not opted back in (C3).
    pub opted_out: bool,
    /// Staff blocked the number (C6): inbound is quarantined, nothing is sent.
    pub blocked: bool,
    /// A permanent delivery failure suppresses the number until a person
    /// verifies it (X2).
    pub suppressed: bool,
    /// When the state last changed, if ever.
    pub updated_at: Option<Timestamp>,
}

impl ConsentState {
    /// True when nothing but a keyword reply may be sent (opted out), or
    /// nothing at all (blocked, suppressed).
    pub fn blocks_ordinary_sends(&self) -> bool {
        self.opted_out || self.blocked || self.suppressed
    }
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAction {
    /// Opted out (C1 keyword, C2 plain-language request, C5 CANCEL, or staff
    /// recording a request made by phone).
    OptOut,
    /// Opted back in (C3).
    OptIn,
    /// Blocked by staff (C6).
    Block,
    /// Unblocked by staff (C6).
    Unblock,
    /// Suppressed after a permanent delivery failure (X2).
    Suppress,
    /// A person verified a suppressed number (X2).
    Verify,
}

/// Who or what made the change (C7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ConsentSource {
    /// An inbound keyword (STOP, START, ...), normalised.
    Keyword {
        /// The keyword as matched, e.g. `STOP`.
        keyword: String,
    },
    /// A plain-language request ("please stop texting me"), flagged for
    /// staff review (C2).
    PlainLanguage,
    /// A staff member.
    Staff {
        /// Their username.
        username: Username,
    },
    /// The provider or carrier reported it (error code).
    Carrier {
        /// The provider's error code, e.g. 21610.
        error_code: u32,
    },
}

/// The reach of a consent change. Opt-outs apply to every number of the
/// organization (C1); this is recorded so an export is self-explanatory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ConsentScope {
    /// Every number of the organization.
    Organization {
        /// The organization.
        organization: OrganizationId,
    },
}

/// One entry of the consent history (C7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChange {
    /// When.
    pub at: Timestamp,
    /// The outside number.
    pub number: E164,
    /// What changed.
    pub action: ConsentAction,
    /// Who or what changed it.
    pub source: ConsentSource,
    /// The inbound text that caused it, kept verbatim (C1: the keyword text
    /// stays visible).
    #[serde(default)]
    pub raw_text: Option<MessageBody>,
    /// Which of our numbers received it, if it came in as a text.
    #[serde(default)]
    pub via: Option<E164>,
    /// Its reach.
    pub scope: ConsentScope,
}

/// The state after a change, and whether it moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentTransition {
    /// The state before.
    pub before: ConsentState,
    /// The state after.
    pub after: ConsentState,
}

impl ConsentTransition {
    /// True when the change opted the number out just now (it was not
    /// before): the moment for the one confirmation text (C4).
    pub fn newly_opted_out(&self) -> bool {
        !self.before.opted_out && self.after.opted_out
    }
    /// True when the change opted the number back in just now.
    pub fn newly_opted_in(&self) -> bool {
        self.before.opted_out && !self.after.opted_out
    }
    /// True when anything changed.
    pub fn changed(&self) -> bool {
        self.before.opted_out != self.after.opted_out
            || self.before.blocked != self.after.blocked
            || self.before.suppressed != self.after.suppressed
    }
}

/// Applies one change to a state (C1-C7, X2). Every change is recorded in
/// the history even when it changes nothing (a second STOP is still a
/// record of what the patient said).
pub fn apply(state: &ConsentState, change: &ConsentChange) -> ConsentTransition {
    let mut after = state.clone();
    match change.action {
        ConsentAction::OptOut => after.opted_out = true,
        ConsentAction::OptIn => after.opted_out = false,
        ConsentAction::Block => after.blocked = true,
        ConsentAction::Unblock => after.blocked = false,
        ConsentAction::Suppress => after.suppressed = true,
        ConsentAction::Verify => after.suppressed = false,
    }
    if after != *state {
        after.updated_at = Some(change.at);
    }
    ConsentTransition {
        before: state.clone(),
        after,
    }
}

/// Folds a history into the current state (oldest first).
pub fn replay<'a>(history: impl IntoIterator<Item = &'a ConsentChange>) -> ConsentState {
    history
        .into_iter()
        .fold(ConsentState::default(), |s, c| apply(&s, c).after)
}

/// The consent history as CSV (C7 export): a header, then one row per
/// change with time (RFC 3339), number (E.164), action, source, actor or
/// keyword, raw text, receiving number and scope. Written with the `csv`
/// crate (RFC 4180 quoting); cells a spreadsheet would run as a formula are
/// prefixed with `'`.
pub fn export_csv(history: &[ConsentChange]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "time",
        "number",
        "action",
        "source",
        "actor_or_keyword",
        "raw_text",
        "via",
        "scope",
    ];
    // Writing to a Vec cannot fail; a failure would only shorten the export.
    let _ = w.write_record(header);
    for c in history {
        let _ = w.write_record(export_row(c).iter().map(|f| defuse_formula(f)));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn export_row(c: &ConsentChange) -> [String; 8] {
    let (source, detail) = match &c.source {
        ConsentSource::Keyword { keyword } => ("keyword", keyword.clone()),
        ConsentSource::PlainLanguage => ("plain_language", String::new()),
        ConsentSource::Staff { username } => ("staff", username.to_string()),
        ConsentSource::Carrier { error_code } => ("carrier", error_code.to_string()),
    };
    let ConsentScope::Organization { organization } = &c.scope;
    let action = match c.action {
        ConsentAction::OptOut => "opt_out",
        ConsentAction::OptIn => "opt_in",
        ConsentAction::Block => "block",
        ConsentAction::Unblock => "unblock",
        ConsentAction::Suppress => "suppress",
        ConsentAction::Verify => "verify",
    };
    [
        c.at.to_rfc3339(),
        c.number.to_string(),
        action.to_owned(),
        source.to_owned(),
        detail,
        c.raw_text
            .as_ref()
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default(),
        c.via.map(|v| v.to_string()).unwrap_or_default(),
        format!("organization:{organization}"),
    ]
}

/// Prefixes `'` to text a spreadsheet would evaluate (`=`, `+`, `-`, `@`,
/// tab, CR at the start), except E.164 numbers, which are data.
pub(crate) fn defuse_formula(raw: &str) -> String {
    let is_e164 =
        raw.len() == 12 && raw.starts_with("+1") && raw.bytes().skip(2).all(|b| b.is_ascii_digit());
    if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_e164 {
        format!("'{raw}")
    } else {
        raw.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(s: i64) -> Timestamp {
        DateTime::<Utc>::from_timestamp(1_790_000_000 + s, 0).unwrap()
    }
    fn change(s: i64, action: ConsentAction, source: ConsentSource) -> ConsentChange {
        ConsentChange {
            at: at(s),
            number: E164::parse("4162530000").unwrap(),
            action,
            source,
            raw_text: Some(MessageBody::from("Stop.")),
            via: None,
            scope: ConsentScope::Organization {
                organization: "happy-paws".into(),
            },
        }
    }
    fn kw(k: &str) -> ConsentSource {
        ConsentSource::Keyword { keyword: k.into() }
    }

    #[test]
    fn c4_only_the_first_stop_is_a_new_opt_out() {
        let s0 = ConsentState::default();
        let t1 = apply(&s0, &change(0, ConsentAction::OptOut, kw("STOP")));
        assert!(t1.newly_opted_out());
        assert!(t1.after.blocks_ordinary_sends());
        let t2 = apply(&t1.after, &change(5, ConsentAction::OptOut, kw("STOP")));
        assert!(
            !t2.newly_opted_out(),
            "a second STOP must not trigger a second confirmation"
        );
        assert!(!t2.changed());
        assert_eq!(t2.after.updated_at, Some(at(0)));
    }

    #[test]
    fn c3_start_opts_back_in() {
        let out = apply(
            &ConsentState::default(),
            &change(0, ConsentAction::OptOut, kw("STOP")),
        )
        .after;
        let t = apply(&out, &change(10, ConsentAction::OptIn, kw("START")));
        assert!(t.newly_opted_in());
        assert!(!t.after.opted_out);
    }

    #[test]
    fn c6_block_is_independent_of_opt_in_and_out() {
        let staff = ConsentSource::Staff {
            username: "alice".into(),
        };
        let s = replay(&[
            change(0, ConsentAction::Block, staff.clone()),
            change(1, ConsentAction::OptIn, kw("START")),
        ]);
        assert!(s.blocked, "opting in must not unblock");
        let s = replay(&[
            change(0, ConsentAction::OptOut, kw("STOP")),
            change(1, ConsentAction::Block, staff.clone()),
            change(2, ConsentAction::Unblock, staff),
        ]);
        assert!(!s.blocked);
        assert!(s.opted_out, "unblocking must not opt back in");
    }

    #[test]
    fn x2_suppression_lasts_until_verified() {
        let s = replay(&[change(
            0,
            ConsentAction::Suppress,
            ConsentSource::Carrier { error_code: 21211 },
        )]);
        assert!(s.suppressed && s.blocks_ordinary_sends());
        let s = apply(
            &s,
            &change(
                1,
                ConsentAction::Verify,
                ConsentSource::Staff {
                    username: "bob".into(),
                },
            ),
        )
        .after;
        assert!(!s.blocks_ordinary_sends());
    }

    #[test]
    fn c7_history_exports_every_field_as_csv() {
        let mut c = change(0, ConsentAction::OptOut, kw("STOP"));
        c.raw_text = Some(MessageBody::from("=HYPERLINK(\"x\"), stop"));
        c.via = Some(E164::parse("6502530001").unwrap());
        let csv = export_csv(&[
            c,
            change(
                60,
                ConsentAction::Block,
                ConsentSource::Staff {
                    username: "alice".into(),
                },
            ),
        ]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "time,number,action,source,actor_or_keyword,raw_text,via,scope"
        );
        assert!(lines[1].starts_with(&format!(
            "{},+14162530000,opt_out,keyword,STOP,",
            at(0).to_rfc3339()
        )));
        assert!(
            lines[1].contains("\"'=HYPERLINK(\"\"x\"\"), stop\""),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(",+16502530001,organization:happy-paws"));
        assert!(lines[2].contains(",block,staff,alice,"));
    }

    #[test]
    fn c7_changes_round_trip_through_json() {
        let c = change(0, ConsentAction::OptOut, ConsentSource::PlainLanguage);
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"action\":\"opt_out\""));
        assert!(json.contains("\"scope\":{\"kind\":\"organization\""));
        assert_eq!(serde_json::from_str::<ConsentChange>(&json).unwrap(), c);
    }
}
