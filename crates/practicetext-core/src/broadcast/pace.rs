//! Pacing: SPEC B5 (alerts go out at a set pace, so conversation texts
//! always go first) and X1 (only inside the recipient's local sending
//! window; outside it they wait, never dropped).
//!
//! The pace is a rate window in the store ([`pace_key`]): every worker that
//! sends alerts from one number acquires it before each alert, so N workers
//! together still send [`Pace::per_minute`] a minute. [`projected_finish`]
//! replays the same rules to say when a run would end.

use chrono::DateTime;
use chrono_tz::Tz;

use crate::hours::QuietHours;
use crate::phone::E164;
use crate::ports::{RateKey, Timestamp};

use super::request::Pace;

/// The rate window that paces alerts from our number `from` (B5). All
/// alerts from one number share it, whichever broadcast they belong to.
pub fn pace_key(from: E164) -> RateKey {
    RateKey::new(format!("broadcast-pace:{from}"))
}

/// Recipients of one time zone, in send order, and the zone's current or
/// next sending window.
struct ZoneQueue {
    tz: Tz,
    seqs: Vec<u32>,
    next: usize,
    window: Option<(Timestamp, Timestamp)>,
}

/// When the last of the recipients, given by the zone their quiet hours
/// follow (in send order; see [`PlannedRecipient::quiet_hours_zone`](super::PlannedRecipient::quiet_hours_zone)),
/// would go out if sending started at `start` (SPEC B5, X1, X5): one every
/// [`Pace::interval`], each only inside its recipient's window of `quiet`;
/// a recipient outside its window waits and later ones in open zones go
/// first, as the runner does. `None` with no recipients, or when no window
/// can be represented.
pub fn projected_finish(
    zones_in_order: impl IntoIterator<Item = Tz>,
    start: Timestamp,
    pace: Pace,
    quiet: &QuietHours,
) -> Option<Timestamp> {
    let mut zones: Vec<ZoneQueue> = Vec::new();
    let mut remaining = 0usize;
    for (seq, tz) in zones_in_order.into_iter().enumerate() {
        let seq = u32::try_from(seq).ok()?;
        match zones.iter_mut().find(|z| z.tz == tz) {
            Some(z) => z.seqs.push(seq),
            None => zones.push(ZoneQueue {
                tz,
                seqs: vec![seq],
                next: 0,
                window: None,
            }),
        }
        remaining += 1;
    }
    let mut t = start;
    let mut last = None;
    while remaining > 0 {
        match next_release(&mut zones, t, quiet)? {
            Release::Now(zone) => {
                if let Some(z) = zones.get_mut(zone) {
                    z.next += 1;
                }
                remaining -= 1;
                last = Some(t);
                t = t.checked_add_signed(pace.interval())?;
            }
            Release::At(open) => t = open,
        }
    }
    last
}

enum Release {
    /// The zone (by position) whose head goes out now.
    Now(usize),
    /// Nothing may go out before this instant.
    At(Timestamp),
}

/// Of the zones with recipients left, the one whose window is open at `t`
/// and whose next recipient comes first in send order; else when the first
/// window opens.
fn next_release(zones: &mut [ZoneQueue], t: Timestamp, quiet: &QuietHours) -> Option<Release> {
    let mut best: Option<(u32, usize)> = None;
    let mut opens = DateTime::<chrono::Utc>::MAX_UTC;
    for (i, z) in zones.iter_mut().enumerate() {
        let Some(&head) = z.seqs.get(z.next) else {
            continue;
        };
        let (from, to) = match z.window {
            Some((from, to)) if t < to => (from, to),
            _ => quiet.window_at(t, z.tz)?,
        };
        z.window = Some((from, to));
        if from <= t {
            if best.is_none_or(|(s, _)| head < s) {
                best = Some((head, i));
            }
        } else {
            opens = opens.min(from);
        }
    }
    Some(match best {
        Some((_, zone)) => Release::Now(zone),
        None => Release::At(opens),
    })
}
