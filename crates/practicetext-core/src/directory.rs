//! The directory of an organization: its settings, users, groups, the phone
//! numbers it owns with their routes, and its clients. Plain serde data; the
//! routing, enablement and auto-reply decisions read it (SPEC R1-R7).

use std::collections::HashSet;
use std::fmt;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, GroupId, OrganizationId, QueueId, Username};
use crate::phone::E164;
use crate::sensitive::{DateOfBirth, EmailAddress, PersonName};

/// A practice: owns numbers, users, groups and clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Host-provided id.
    pub id: OrganizationId,
    /// The practice name, used in opt-out confirmations and help replies.
    pub name: String,
    /// What the organization has switched on.
    #[serde(default)]
    pub settings: OrganizationSettings,
}

/// Organization-wide switches (SPEC R6, R7, B1) and its time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganizationSettings {
    /// SMS is enabled for the organization at all (R6, first level).
    pub sms_enabled: bool,
    /// Two-way texting (inbox, replies, mass alerts) is enabled (B1).
    pub two_way_enabled: bool,
    /// IANA time zone of the practice, e.g. `America/Chicago`: business
    /// hours, "tomorrow" for mass alerts and usage days are in it.
    pub time_zone: Tz,
    /// Which kinds of content besides text and links may be sent (R7).
    pub attachments: Attachments,
    /// The organization's texting policy: after-hours responder, auto-reply
    /// limits, help reply, keyword and content-term extensions, own domains,
    /// length limits.
    pub policy: crate::policy::TextingPolicy,
}

impl Default for OrganizationSettings {
    fn default() -> Self {
        OrganizationSettings {
            sms_enabled: true,
            two_way_enabled: true,
            time_zone: chrono_tz::America::New_York,
            attachments: Attachments::default(),
            policy: Default::default(),
        }
    }
}

/// Attachment capabilities (R7): text, links and emoji are always allowed;
/// pictures and documents only where enabled. Default: neither.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attachments {
    /// Pictures (MMS images).
    pub images: bool,
    /// Documents (PDF and the like).
    pub documents: bool,
}

/// A staff member's role. Only an admin may send a mass alert (B1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Practice administrator.
    Admin,
    /// Any other staff member.
    #[default]
    Staff,
}

/// A phone-system extension, 2 to 10 digits (`1234`). In chat addresses it is
/// written `:1234:` and converted to the username (R1).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Extension(String);

impl Extension {
    /// Validates an extension: 2 to 10 ASCII digits.
    pub fn parse(s: &str) -> Result<Extension, DirectoryError> {
        let ok = (2..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Extension(s.to_owned()))
        } else {
            Err(DirectoryError::InvalidExtension {
                extension: s.chars().take(16).collect(),
            })
        }
    }
    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extension({})", self.0)
    }
}

impl TryFrom<String> for Extension {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Extension::parse(&s).map_err(|e| format!("{}: {e}", e.code()))
    }
}

impl From<Extension> for String {
    fn from(e: Extension) -> String {
        e.0
    }
}

/// A staff login (R1, R2, R6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Login name; unique in the organization.
    pub username: Username,
    /// The organization the user belongs to.
    pub organization: OrganizationId,
    /// Name shown to colleagues.
    #[serde(default)]
    pub display_name: String,
    /// Extensions that alias this user in chat (`:1234:`).
    #[serde(default)]
    pub extensions: Vec<Extension>,
    /// Admin or staff.
    #[serde(default)]
    pub role: Role,
    /// SMS is enabled for this user (R6, third level).
    #[serde(default)]
    pub sms_enabled: bool,
    /// The number this user's texts go out from (R2, A3).
    #[serde(default)]
    pub outbound_number: Option<E164>,
    /// Every SMS number the user may send from; includes the outbound number.
    #[serde(default)]
    pub assigned_numbers: Vec<E164>,
    /// The user's personal auto-responder (A1), if configured.
    #[serde(default)]
    pub auto_responder: Option<crate::autoreply::AutoResponder>,
}

impl User {
    /// True when `number` is the outbound number or one of the assigned ones.
    pub fn may_send_from(&self, number: E164) -> bool {
        self.outbound_number == Some(number) || self.assigned_numbers.contains(&number)
    }
}

/// A group: an extension with members (R4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Host-provided id.
    pub id: GroupId,
    /// The organization the group belongs to.
    pub organization: OrganizationId,
    /// Name shown to staff.
    #[serde(default)]
    pub name: String,
    /// The group's extension, if it has one.
    #[serde(default)]
    pub extension: Option<Extension>,
    /// Usernames of the members.
    #[serde(default)]
    pub members: Vec<Username>,
}

/// What a number's inbound SMS is delivered to (R3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// One user.
    User(Username),
    /// Every member of a group (R4).
    Group(GroupId),
    /// A workflow queue.
    Queue(QueueId),
}

/// A phone number the organization owns (R3, R6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedNumber {
    /// The number.
    pub number: E164,
    /// The owner.
    pub organization: OrganizationId,
    /// SMS is enabled on this number (R6, second level).
    #[serde(default)]
    pub sms_enabled: bool,
    /// Where its inbound texts go; `None` means nowhere (a lint finding).
    #[serde(default)]
    pub route: Option<Route>,
}

/// Whether a client record is a patient or another contact (S2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// A patient (or a pet owner in a veterinary practice).
    #[default]
    Patient,
    /// Another contact (a referring office, a caregiver...).
    Contact,
}

/// A client or patient: the outside party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// Host-provided id.
    pub id: ClientId,
    /// The organization the client belongs to.
    pub organization: OrganizationId,
    /// Patient or contact.
    #[serde(default)]
    pub kind: ClientKind,
    /// First name.
    #[serde(default)]
    pub first_name: PersonName,
    /// Last name.
    #[serde(default)]
    pub last_name: PersonName,
    /// Date of birth, if known.
    #[serde(default)]
    pub date_of_birth: Option<DateOfBirth>,
    /// Mobile number, if known.
    #[serde(default)]
    pub cell_phone: Option<E164>,
    /// Email, if known.
    #[serde(default)]
    pub email: Option<EmailAddress>,
}

impl Client {
    /// "First Last", trimmed.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name.as_str(), self.last_name.as_str())
            .trim()
            .to_owned()
    }
}

/// A consistent view of one organization's directory, as the decisions need
/// it. Stores build it; tests and hosts can build it by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    /// The organization.
    pub organization: Organization,
    /// Its users.
    #[serde(default)]
    pub users: Vec<User>,
    /// Its groups.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// The numbers it owns.
    #[serde(default)]
    pub numbers: Vec<OwnedNumber>,
}

impl Directory {
    /// The user with this username.
    pub fn user(&self, username: &Username) -> Option<&User> {
        self.users.iter().find(|u| &u.username == username)
    }
    /// The user one of whose extensions is `ext`.
    pub fn user_by_extension(&self, ext: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.extensions.iter().any(|e| e.as_str() == ext))
    }
    /// The group with this id.
    pub fn group(&self, id: &GroupId) -> Option<&Group> {
        self.groups.iter().find(|g| &g.id == id)
    }
    /// The owned number record for `number`.
    pub fn number(&self, number: E164) -> Option<&OwnedNumber> {
        self.numbers.iter().find(|n| n.number == number)
    }

    /// Checks that every record belongs to this organization and that names,
    /// extensions and numbers are unique. A directory that fails this is
    /// refused before any decision is made on it.
    pub fn validate(&self) -> Result<(), DirectoryError> {
        let org = &self.organization.id;
        let foreign = self
            .users
            .iter()
            .map(|u| &u.organization)
            .chain(self.groups.iter().map(|g| &g.organization))
            .chain(self.numbers.iter().map(|n| &n.organization))
            .any(|o| o != org);
        if foreign {
            return Err(DirectoryError::ForeignRecord);
        }
        let mut names = HashSet::new();
        let mut exts = HashSet::new();
        for u in &self.users {
            if !names.insert(u.username.as_str()) {
                return Err(DirectoryError::DuplicateUser {
                    username: u.username.clone(),
                });
            }
            for e in &u.extensions {
                if !exts.insert(e.as_str()) {
                    return Err(DirectoryError::DuplicateExtension {
                        extension: e.as_str().to_owned(),
                    });
                }
            }
        }
        for g in &self.groups {
            if let Some(e) = &g.extension
                && !exts.insert(e.as_str())
            {
                return Err(DirectoryError::DuplicateExtension {
                    extension: e.as_str().to_owned(),
                });
            }
        }
        let mut numbers = HashSet::new();
        for n in &self.numbers {
            if !numbers.insert(n.number) {
                return Err(DirectoryError::DuplicateNumber {
                    number: n.number.redacted(),
                });
            }
        }
        Ok(())
    }
}

/// A directory record that is malformed or inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// An extension that is not 2 to 10 digits.
    #[error("'{extension}' is not an extension: use 2 to 10 digits")]
    InvalidExtension {
        /// What was given (cut to 16 characters).
        extension: String,
    },
    /// Two users with one username.
    #[error("the username '{username}' is used twice in this organization")]
    DuplicateUser {
        /// The username.
        username: Username,
    },
    /// Two users or groups with one extension.
    #[error("extension {extension} is assigned twice; each extension must alias one user or group")]
    DuplicateExtension {
        /// The extension.
        extension: String,
    },
    /// One number listed twice.
    #[error("the number {number} is listed twice in this organization")]
    DuplicateNumber {
        /// The number, redacted.
        number: String,
    },
    /// A user, group or number of another organization in this directory.
    #[error(
        "the directory contains a record of another organization; records never cross organizations"
    )]
    ForeignRecord,
}

impl DirectoryError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DirectoryError::InvalidExtension { .. } => "invalid_extension",
            DirectoryError::DuplicateUser { .. } => "duplicate_user",
            DirectoryError::DuplicateExtension { .. } => "duplicate_extension",
            DirectoryError::DuplicateNumber { .. } => "duplicate_number",
            DirectoryError::ForeignRecord => "foreign_record",
        }
    }
}
