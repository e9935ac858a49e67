//! Routing: SPEC R1 (chat between users by username or `:ext:` alias), R2
//! (outbound from the user's number, or a chosen assigned one), R3 (inbound
//! follows the number's route), R4 (groups: every member; replies from the
//! number the text came in on), R5 (one message per recipient), and the
//! directory lint (R3's "does my outbound number route back to me?").

use serde::{Deserialize, Serialize};

use crate::directory::{Directory, Route, User};
use crate::ids::{GroupId, OrganizationId, QueueId, Username};
use crate::phone::{E164, PhoneError};

/// Who an outgoing message is addressed to, as a host passes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// Text as typed in a "to" box: `:1234:` (extension alias), `:alice:`
    /// (username), a bare username, or a phone number in any common form.
    Typed(String),
    /// A user named with their organization, for hosts that know it.
    User {
        /// The user's organization.
        organization: OrganizationId,
        /// The username.
        username: Username,
    },
    /// An outside phone number, already parsed.
    Number(E164),
}

/// Where an outgoing message goes, once resolved (R1, R2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "to")]
pub enum Destination {
    /// Chat to a colleague, never SMS (R1). Always the username, even when
    /// addressed by extension.
    Chat(Username),
    /// SMS to an outside number.
    Sms(E164),
}

/// A recipient that could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    /// `:...:` names no user (by extension or username) of the organization.
    #[error("no user in this organization has the extension or username '{alias}'")]
    UnknownUser {
        /// The alias as typed.
        alias: String,
    },
    /// `::`, `:12 34:` or another alias that cannot be read.
    #[error("'{alias}' is not an alias: write :1234: for an extension or :username: for a user")]
    MalformedAlias {
        /// The alias as typed (cut to 40 characters).
        alias: String,
    },
    /// Users of different organizations cannot chat (R1).
    #[error("users of different organizations cannot chat with each other")]
    CrossOrganization,
    /// A user cannot chat with themselves.
    #[error("you cannot send a chat message to yourself")]
    SelfChat,
    /// The recipient is neither a user nor a textable number.
    #[error("not a user and not a textable phone number: {0}")]
    InvalidNumber(#[source] PhoneError),
    /// The sending user does not exist in the directory.
    #[error("no user '{username}' in this organization")]
    UnknownSender {
        /// The username.
        username: Username,
    },
}

impl RoutingError {
    /// Stable machine-readable code. For an invalid number, the phone
    /// error's own code (`invalid_area_code`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            RoutingError::UnknownUser { .. } => "unknown_user",
            RoutingError::MalformedAlias { .. } => "malformed_alias",
            RoutingError::CrossOrganization => "cross_organization_chat",
            RoutingError::SelfChat => "self_chat",
            RoutingError::InvalidNumber(e) => e.code(),
            RoutingError::UnknownSender { .. } => "unknown_sender",
        }
    }
}

/// Resolves a recipient for `sender` in `dir` (R1). Extension aliases become
/// the username; chat never crosses organizations.
pub fn resolve_recipient(
    dir: &Directory,
    sender: &Username,
    recipient: &Recipient,
) -> Result<Destination, RoutingError> {
    let dest = match recipient {
        Recipient::Number(n) => Destination::Sms(*n),
        Recipient::User {
            organization,
            username,
        } => {
            if organization != &dir.organization.id {
                return Err(RoutingError::CrossOrganization);
            }
            let user = dir
                .user(username)
                .ok_or_else(|| RoutingError::UnknownUser {
                    alias: username.to_string(),
                })?;
            Destination::Chat(user.username.clone())
        }
        Recipient::Typed(text) => resolve_typed(dir, text.trim())?,
    };
    if dest == Destination::Chat(sender.clone()) {
        return Err(RoutingError::SelfChat);
    }
    Ok(dest)
}

fn resolve_typed(dir: &Directory, text: &str) -> Result<Destination, RoutingError> {
    if let Some(inner) = text
        .strip_prefix(':')
        .and_then(|rest| rest.strip_suffix(':'))
    {
        return resolve_alias(dir, text, inner);
    }
    match E164::parse(text) {
        Ok(n) => Ok(Destination::Sms(n)),
        Err(e) => dir
            .user(&Username::from(text))
            .map(|u| Destination::Chat(u.username.clone()))
            .ok_or(RoutingError::InvalidNumber(e)),
    }
}

fn resolve_alias(dir: &Directory, typed: &str, inner: &str) -> Result<Destination, RoutingError> {
    let readable = !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !readable {
        return Err(RoutingError::MalformedAlias {
            alias: typed.chars().take(40).collect(),
        });
    }
    let user = if inner.bytes().all(|b| b.is_ascii_digit()) {
        dir.user_by_extension(inner)
    } else {
        dir.user(&Username::from(inner))
    };
    user.map(|u| Destination::Chat(u.username.clone()))
        .ok_or_else(|| RoutingError::UnknownUser {
            alias: typed.chars().take(40).collect(),
        })
}

/// Resolves several recipients (R5): a text to several outside numbers is
/// one individual message to each, never a group MMS. Duplicates (the same
/// number typed twice in two forms) collapse to one; each recipient keeps
/// its own result so one bad entry does not stop the others.
pub fn resolve_recipients(
    dir: &Directory,
    sender: &Username,
    recipients: &[Recipient],
) -> Vec<Result<Destination, RoutingError>> {
    let mut seen = std::collections::HashSet::new();
    recipients
        .iter()
        .map(|r| resolve_recipient(dir, sender, r))
        .filter(|r| match r {
            Ok(d) => seen.insert(d.clone()),
            Err(_) => true,
        })
        .collect()
}

/// Where an inbound text to one of our numbers goes (R3, R4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Delivery {
    /// To one user.
    User {
        /// The user.
        username: Username,
    },
    /// To every member of a group (R4).
    Group {
        /// The group.
        group: GroupId,
        /// The members it reaches.
        members: Vec<Username>,
    },
    /// To a workflow queue.
    Queue {
        /// The queue.
        queue: QueueId,
    },
    /// Nowhere: the number has no route or its route points at nothing. The
    /// text is still kept (nothing is lost) in the organization's
    /// unrouted inbox; the directory lint reports the cause.
    Unrouted {
        /// Why.
        reason: UnroutedReason,
    },
}

/// Why an inbound text could not be routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnroutedReason {
    /// The number has no SMS route.
    NoRoute,
    /// The route names a user who does not exist.
    MissingUser,
    /// The route names a group that does not exist.
    MissingGroup,
    /// The route's group has no members.
    EmptyGroup,
}

/// Follows `number`'s route (R3). A group reaches every member (R4);
/// members missing from the directory are left out.
pub fn route_inbound(dir: &Directory, number: E164) -> Delivery {
    let unrouted = |reason| Delivery::Unrouted { reason };
    let Some(route) = dir.number(number).and_then(|n| n.route.as_ref()) else {
        return unrouted(UnroutedReason::NoRoute);
    };
    match route {
        Route::User(u) => match dir.user(u) {
            Some(user) => Delivery::User {
                username: user.username.clone(),
            },
            None => unrouted(UnroutedReason::MissingUser),
        },
        Route::Group(g) => {
            let Some(group) = dir.group(g) else {
                return unrouted(UnroutedReason::MissingGroup);
            };
            let members: Vec<Username> = group
                .members
                .iter()
                .filter(|m| dir.user(m).is_some())
                .cloned()
                .collect();
            if members.is_empty() {
                return unrouted(UnroutedReason::EmptyGroup);
            }
            Delivery::Group {
                group: group.id.clone(),
                members,
            }
        }
        Route::Queue(q) => Delivery::Queue { queue: q.clone() },
    }
}

/// True when `number` routes directly to `user` (not through a group or a
/// queue): the condition for a personal auto-responder (A1).
pub fn routes_directly_to(dir: &Directory, number: E164, user: &User) -> bool {
    matches!(route_inbound(dir, number), Delivery::User { username } if username == user.username)
}

/// One misconfiguration the directory lint found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum LintFinding {
    /// A user's outbound number does not route back to them (R3's warning):
    /// replies to their texts land with someone else.
    OutboundNotRoutedBack {
        /// The user.
        username: Username,
        /// Their outbound number.
        number: E164,
        /// Where that number routes instead.
        routes_to: Delivery,
    },
    /// A user's outbound number is not one the organization owns.
    OutboundNotOwned {
        /// The user.
        username: Username,
        /// The number.
        number: E164,
    },
    /// A user's outbound number is not in their assigned numbers.
    OutboundNotAssigned {
        /// The user.
        username: Username,
        /// The number.
        number: E164,
    },
    /// A user may send SMS but has no outbound number (R6).
    SmsUserWithoutNumber {
        /// The user.
        username: Username,
    },
    /// A number whose route is missing or points at nothing.
    NumberRoutedNowhere {
        /// The number.
        number: E164,
        /// Why.
        reason: UnroutedReason,
    },
    /// A group member who is not a user of the organization.
    GroupMemberMissing {
        /// The group.
        group: GroupId,
        /// The missing username.
        username: Username,
    },
}

/// Lists every misconfiguration in `dir` (R3): a user's outbound number that
/// does not route back to them, a route to a missing user or group, a
/// number routed nowhere, an outbound number the organization does not own
/// or the user is not assigned, an SMS user without a number, group
/// members who do not exist. An empty list means the directory is sound.
pub fn lint(dir: &Directory) -> Vec<LintFinding> {
    let mut out = Vec::new();
    for n in &dir.numbers {
        if let Delivery::Unrouted { reason } = route_inbound(dir, n.number) {
            out.push(LintFinding::NumberRoutedNowhere {
                number: n.number,
                reason,
            });
        }
    }
    for u in &dir.users {
        lint_user(dir, u, &mut out);
    }
    for g in &dir.groups {
        for m in g.members.iter().filter(|m| dir.user(m).is_none()) {
            out.push(LintFinding::GroupMemberMissing {
                group: g.id.clone(),
                username: m.clone(),
            });
        }
    }
    out
}

fn lint_user(dir: &Directory, u: &User, out: &mut Vec<LintFinding>) {
    let username = u.username.clone();
    let Some(number) = u.outbound_number else {
        if u.sms_enabled {
            out.push(LintFinding::SmsUserWithoutNumber { username });
        }
        return;
    };
    if dir.number(number).is_none() {
        out.push(LintFinding::OutboundNotOwned { username, number });
        return;
    }
    if !u.assigned_numbers.is_empty() && !u.assigned_numbers.contains(&number) {
        out.push(LintFinding::OutboundNotAssigned {
            username: username.clone(),
            number,
        });
    }
    let routes_to = route_inbound(dir, number);
    let back = match &routes_to {
        Delivery::User { username: to } => to == &u.username,
        Delivery::Group { members, .. } => members.contains(&u.username),
        _ => false,
    };
    if !back {
        out.push(LintFinding::OutboundNotRoutedBack {
            username,
            number,
            routes_to,
        });
    }
}

#[cfg(test)]
mod tests;
