//! May this user send this text from that number? SPEC R2 (the user's
//! outbound number, or a chosen one of their assigned numbers; others are
//! refused), R4 (a group member replies from the number the text came in
//! on), R5 (one message per recipient), R6 (SMS must be enabled for the
//! organization, the number and the user, and the user must have an SMS
//! number), R7 (attachments only where enabled), N2 (only US and Canadian
//! numbers), C4 and C6 (opted-out and blocked numbers), X2 (suppressed
//! numbers), P1-P7 (content and length).
//!
//! [`check`] returns one [`SendCheck`] per recipient, each listing every
//! reason it cannot go (the reasons behind a "grayed-out send button"), and
//! the content warnings that do not stop it.

use serde::{Deserialize, Serialize};

use crate::consent::ConsentState;
use crate::directory::{Directory, Route, User};
use crate::ids::{OrganizationId, Username};
use crate::phone::E164;
use crate::routing::{self, Destination, Recipient, RoutingError};
use crate::sensitive::MessageBody;
use crate::text::compliance::{ComplianceChecker, Finding, Mode, Severity};
use crate::text::segments::{self, LengthLimits, SegmentCount};

/// A kind of attachment (R7). Text, links and emoji are always allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A picture.
    Image,
    /// A document (PDF, ...).
    Document,
}

/// A user's request to send a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    /// The user's organization.
    pub organization: OrganizationId,
    /// The sending user.
    pub user: Username,
    /// One or more recipients; each gets its own message (R5).
    pub to: Vec<Recipient>,
    /// The number to send from, if the user picked one (R2).
    #[serde(default)]
    pub from: Option<E164>,
    /// When replying in a conversation: our number it is on (R4).
    #[serde(default)]
    pub reply_on: Option<E164>,
    /// The text.
    pub body: MessageBody,
    /// Attachments.
    #[serde(default)]
    pub attachments: Vec<AttachmentKind>,
}

/// One reason a send cannot go.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendRefusal {
    /// R6: the organization has SMS switched off.
    #[error("texting is not enabled for this organization; an administrator can enable it")]
    OrganizationSmsDisabled,
    /// R6: the sending number has SMS switched off.
    #[error("texting is not enabled on the number {number}; an administrator can enable it")]
    NumberSmsDisabled {
        /// The number (ours, not patient data).
        number: E164,
    },
    /// R6: the user has SMS switched off.
    #[error("texting is not enabled for your user; ask an administrator to enable it")]
    UserSmsDisabled,
    /// R6: the user has no SMS number.
    #[error("no SMS number is assigned to your user; ask an administrator to assign one")]
    NoSmsNumberAssigned,
    /// R2: the chosen number is not one of the user's.
    #[error("the number {number} is not assigned to you; pick one of your SMS numbers")]
    NumberNotAssigned {
        /// The number chosen.
        number: E164,
    },
    /// R2: the number is not one the organization owns.
    #[error("the number {number} does not belong to this organization")]
    NumberNotOwned {
        /// The number.
        number: E164,
    },
    /// R1, N2: the recipient could not be resolved.
    #[error("{0}")]
    Recipient(RoutingError),
    /// C4: the recipient opted out.
    #[error(
        "this recipient opted out of texts from this practice; they must text START to opt back in"
    )]
    RecipientOptedOut,
    /// C6: staff blocked the recipient.
    #[error("this number is blocked; unblock it before texting it")]
    RecipientBlocked,
    /// X2: a permanent delivery failure suppressed the recipient.
    #[error("texts to this number failed permanently; verify the number before texting it again")]
    RecipientSuppressed,
    /// R7: an attachment kind the organization has not enabled.
    #[error(
        "{kind:?} attachments are not enabled for this organization; send text or a link instead"
    )]
    AttachmentsNotEnabled {
        /// Which kind.
        kind: AttachmentKind,
    },
    /// P1-P6: content carriers block.
    #[error("carriers would block this text: {}", summary(.findings))]
    ContentBlocked {
        /// The blocking findings.
        findings: Vec<Finding>,
    },
    /// P7: over the maximum length.
    #[error("{0}")]
    TooLong(crate::text::TextError),
    /// Nothing to send.
    #[error("the message is empty; write a text or attach something")]
    EmptyMessage,
}

fn summary(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

impl SendRefusal {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SendRefusal::OrganizationSmsDisabled => "organization_sms_disabled",
            SendRefusal::NumberSmsDisabled { .. } => "number_sms_disabled",
            SendRefusal::UserSmsDisabled => "user_sms_disabled",
            SendRefusal::NoSmsNumberAssigned => "no_sms_number_assigned",
            SendRefusal::NumberNotAssigned { .. } => "number_not_assigned",
            SendRefusal::NumberNotOwned { .. } => "number_not_owned",
            SendRefusal::Recipient(e) => e.code(),
            SendRefusal::RecipientOptedOut => "recipient_opted_out",
            SendRefusal::RecipientBlocked => "recipient_blocked",
            SendRefusal::RecipientSuppressed => "recipient_suppressed",
            SendRefusal::AttachmentsNotEnabled { .. } => "attachments_not_enabled",
            SendRefusal::ContentBlocked { .. } => "content_blocked",
            SendRefusal::TooLong(e) => e.code(),
            SendRefusal::EmptyMessage => "empty_message",
        }
    }
}

/// `{"code", "message"}`: how a refusal appears in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable code.
    pub code: String,
    /// For a person.
    pub message: String,
}

impl From<&SendRefusal> for Reason {
    fn from(r: &SendRefusal) -> Reason {
        Reason {
            code: r.code().to_owned(),
            message: r.to_string(),
        }
    }
}

/// The answer for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendCheck {
    /// The resolved destination, when the recipient could be resolved.
    pub destination: Option<Destination>,
    /// Our number the text goes out from (SMS only).
    pub from: Option<E164>,
    /// True when nothing stops it.
    pub allowed: bool,
    /// Every reason it cannot go.
    #[serde(serialize_with = "reasons")]
    pub refusals: Vec<SendRefusal>,
    /// Content warnings that do not stop it (P3, P4).
    pub warnings: Vec<Finding>,
    /// Encoding and segments (P7), for SMS.
    pub segments: Option<SegmentCount>,
}

fn reasons<S: serde::Serializer>(r: &[SendRefusal], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(r.iter().map(Reason::from))
}

/// What [`check`] needs besides the request.
pub struct SendContext<'a> {
    /// The sender's organization's directory.
    pub directory: &'a Directory,
    /// Content rules (P1-P6).
    pub content: &'a ComplianceChecker,
    /// Length limits (P7).
    pub limits: &'a LengthLimits,
    /// Consent of an outside number in this organization.
    pub consent: &'a dyn Fn(E164) -> ConsentState,
}

/// Checks a send request, one answer per distinct recipient (R5).
pub fn check(req: &SendRequest, ctx: &SendContext<'_>) -> Vec<SendCheck> {
    let dir = ctx.directory;
    let user = dir.user(&req.user);
    let resolved = routing::resolve_recipients(dir, &req.user, &req.to);
    resolved
        .into_iter()
        .map(|r| match (r, user) {
            (_, None) => refused(
                None,
                SendRefusal::Recipient(RoutingError::UnknownSender {
                    username: req.user.clone(),
                }),
            ),
            (Err(e), Some(_)) => refused(None, SendRefusal::Recipient(e)),
            (Ok(Destination::Chat(to)), Some(_)) => chat_check(req, to),
            (Ok(Destination::Sms(to)), Some(user)) => sms_check(req, ctx, user, to),
        })
        .collect()
}

fn refused(destination: Option<Destination>, why: SendRefusal) -> SendCheck {
    SendCheck {
        destination,
        from: None,
        allowed: false,
        refusals: vec![why],
        warnings: Vec::new(),
        segments: None,
    }
}

/// R1: chat is inside the organization and needs no SMS enablement.
fn chat_check(req: &SendRequest, to: Username) -> SendCheck {
    let mut refusals = Vec::new();
    if req.body.is_blank() && req.attachments.is_empty() {
        refusals.push(SendRefusal::EmptyMessage);
    }
    SendCheck {
        destination: Some(Destination::Chat(to)),
        from: None,
        allowed: refusals.is_empty(),
        refusals,
        warnings: Vec::new(),
        segments: None,
    }
}

fn sms_check(req: &SendRequest, ctx: &SendContext<'_>, user: &User, to: E164) -> SendCheck {
    let dir = ctx.directory;
    let (from, mut refusals) = sending_number(dir, user, req.from, req.reply_on);
    refusals.extend(attachment_refusals(dir, &req.attachments));
    if req.body.is_blank() && req.attachments.is_empty() {
        refusals.push(SendRefusal::EmptyMessage);
    }
    checked(ctx, from, to, &req.body, refusals)
}

/// Checks a text the practice sends itself, with no staff member behind
/// it (a secure-message notice, S3): the organization and `from` must be
/// SMS enabled (R6), the recipient not opted out, blocked or suppressed
/// (C4, C6, X2), the content and length acceptable (P1-P7).
pub fn check_system(ctx: &SendContext<'_>, from: E164, to: E164, body: &MessageBody) -> SendCheck {
    let dir = ctx.directory;
    let mut refusals = Vec::new();
    if !dir.organization.settings.sms_enabled {
        refusals.push(SendRefusal::OrganizationSmsDisabled);
    }
    match dir.number(from) {
        None => refusals.push(SendRefusal::NumberNotOwned { number: from }),
        Some(n) if !n.sms_enabled => refusals.push(SendRefusal::NumberSmsDisabled { number: from }),
        Some(_) => {}
    }
    if body.is_blank() {
        refusals.push(SendRefusal::EmptyMessage);
    }
    checked(ctx, Some(from), to, body, refusals)
}

/// The recipient, content and length checks every SMS goes through.
fn checked(
    ctx: &SendContext<'_>,
    from: Option<E164>,
    to: E164,
    body: &MessageBody,
    mut refusals: Vec<SendRefusal>,
) -> SendCheck {
    refusals.extend(recipient_refusals((ctx.consent)(to)));
    let report = ctx.content.check(body.as_str(), Mode::Conversation);
    // Length is refused below with the organization's limits (P7), once.
    let (blocking, warnings): (Vec<Finding>, Vec<Finding>) = report
        .findings
        .into_iter()
        .filter(|f| f.code != crate::text::compliance::codes::TEXT_TOO_LONG)
        .partition(|f| f.severity == Severity::Block);
    if !blocking.is_empty() {
        refusals.push(SendRefusal::ContentBlocked { findings: blocking });
    }
    let segments = match segments::check_length(body.as_str(), ctx.limits) {
        Ok(count) => Some(count),
        Err(e) => {
            refusals.push(SendRefusal::TooLong(e));
            Some(segments::count(body.as_str()))
        }
    };
    SendCheck {
        destination: Some(Destination::Sms(to)),
        from,
        allowed: refusals.is_empty(),
        refusals,
        warnings,
        segments,
    }
}

/// R2, R4, R6: which of our numbers the text goes out from (`chosen`, the
/// group number a reply is `on`, or the user's outbound number), and every
/// enablement level that is missing. Mass alerts (B1) ask the same.
pub(crate) fn sending_number(
    dir: &Directory,
    user: &User,
    chosen: Option<E164>,
    reply_on: Option<E164>,
) -> (Option<E164>, Vec<SendRefusal>) {
    let mut refusals = Vec::new();
    if !dir.organization.settings.sms_enabled {
        refusals.push(SendRefusal::OrganizationSmsDisabled);
    }
    if !user.sms_enabled {
        refusals.push(SendRefusal::UserSmsDisabled);
    }
    let group_reply = reply_on.filter(|n| member_of_route(dir, *n, user));
    let from = match (chosen, group_reply) {
        (Some(chosen), _) => {
            if !user.may_send_from(chosen) && Some(chosen) != group_reply {
                refusals.push(SendRefusal::NumberNotAssigned { number: chosen });
            }
            Some(chosen)
        }
        (None, Some(group_number)) => Some(group_number),
        (None, None) => user
            .outbound_number
            .or_else(|| user.assigned_numbers.first().copied()),
    };
    match from.map(|n| (n, dir.number(n))) {
        None => refusals.push(SendRefusal::NoSmsNumberAssigned),
        Some((n, None)) => refusals.push(SendRefusal::NumberNotOwned { number: n }),
        Some((n, Some(owned))) if !owned.sms_enabled => {
            refusals.push(SendRefusal::NumberSmsDisabled { number: n })
        }
        Some(_) => {}
    }
    (from, refusals)
}

/// R4: `number` routes to a group `user` belongs to.
fn member_of_route(dir: &Directory, number: E164, user: &User) -> bool {
    match dir.number(number).and_then(|n| n.route.as_ref()) {
        Some(Route::Group(g)) => dir
            .group(g)
            .is_some_and(|g| g.members.contains(&user.username)),
        _ => false,
    }
}

fn recipient_refusals(consent: ConsentState) -> Vec<SendRefusal> {
    let mut out = Vec::new();
    if consent.opted_out {
        out.push(SendRefusal::RecipientOptedOut);
    }
    if consent.blocked {
        out.push(SendRefusal::RecipientBlocked);
    }
    if consent.suppressed {
        out.push(SendRefusal::RecipientSuppressed);
    }
    out
}

fn attachment_refusals(dir: &Directory, attachments: &[AttachmentKind]) -> Vec<SendRefusal> {
    let allowed = dir.organization.settings.attachments;
    let mut kinds: Vec<AttachmentKind> = attachments
        .iter()
        .copied()
        .filter(|k| match k {
            AttachmentKind::Image => !allowed.images,
            AttachmentKind::Document => !allowed.documents,
        })
        .collect();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| SendRefusal::AttachmentsNotEnabled { kind })
        .collect()
}

#[cfg(test)]
mod tests;
