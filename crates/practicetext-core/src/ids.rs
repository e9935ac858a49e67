//! Typed identifiers. Hosts bring their own ids (database keys, UUIDs); the
//! newtypes keep a user id from being passed where a client id belongs.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Shared, not copied: cloning one (the engine and the stores do it
        /// for every message) only counts a reference.
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wraps a host-provided identifier.
            pub fn new(id: impl Into<String>) -> Self {
                $name(Arc::from(id.into()))
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
                write!(f, concat!(stringify!($name), "({:?})"), &*self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(Arc::from(s))
            }
        }

        /// The identifier as a JSON string (as `#[serde(transparent)]` over a
        /// `String` writes it).
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::new)
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
