//! Typed identifiers. Hosts bring their own ids (database keys, UUIDs); the
//! newtypes keep a user id from being passed where a client id belongs.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a host-provided identifier.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }
    };
}

id_type!(
    /// An organization (a practice).
    OrganizationId
);
id_type!(
    /// A staff user's login name, unique within an organization. Users are
    /// addressed and messages arrive "from and to the username" (SPEC R1).
    Username
);
id_type!(
    /// A group (an extension with members).
    GroupId
);
id_type!(
    /// A workflow queue.
    QueueId
);
id_type!(
    /// A client or patient record.
    ClientId
);
id_type!(
    /// A conversation thread.
    ConversationId
);
id_type!(
    /// A message.
    MessageId
);
id_type!(
    /// A mass text alert (SPEC B1-B9).
    BroadcastId
);
id_type!(
    /// An appointment in the practice-management system (SPEC B2, B3).
    AppointmentId
);
