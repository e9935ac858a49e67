//! Secure links (SPEC S4): unguessable tokens, stored only as hashes, that
//! expire 72 hours after they are sent.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ports::{Random, Timestamp};

/// The longest a link may live (SPEC S4). Configuration may only shorten it.
pub const LINK_TTL_MAX_HOURS: i64 = 72;

/// Random bytes in a token: 256 bits (SPEC S4 asks for at least 128).
const TOKEN_BYTES: usize = 32;
/// Length of a token in URL-safe base64 without padding.
const TOKEN_CHARS: usize = 43;

/// The secret in a secure link: 256 random bits, URL-safe base64 without
/// padding (43 characters). Only its [`TokenHash`] is stored. `Debug`
/// redacts it (SPEC S4).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LinkToken(String);

impl LinkToken {
    /// A new token from `random` (SPEC S4).
    pub fn generate(random: &dyn Random) -> LinkToken {
        let mut bytes = [0u8; TOKEN_BYTES];
        random.fill(&mut bytes);
        LinkToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Reads a token as it appears in a link. Anything that is not a
    /// well-formed token is refused with the same error as an unknown token
    /// ([`SecureError::LinkNotFound`](super::SecureError::LinkNotFound)),
    /// so a guess learns nothing from the answer.
    pub fn parse(input: &str) -> Result<LinkToken, super::SecureError> {
        let s = input.trim();
        let well_formed = s.len() == TOKEN_CHARS
            && URL_SAFE_NO_PAD
                .decode(s)
                .is_ok_and(|b| b.len() == TOKEN_BYTES);
        if well_formed {
            Ok(LinkToken(s.to_owned()))
        } else {
            Err(super::SecureError::LinkNotFound)
        }
    }

    /// The token text, for building the link.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the token text: what the store keeps (SPEC S4).
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for LinkToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        LinkToken::parse(&s).map_err(|e| serde::de::Error::custom(e.code()))
    }
}

/// SHA-256 of a [`LinkToken`]: the only form in which a token is stored.
/// Serialized as URL-safe base64; `Debug` redacts it. Equality is constant
/// time.
#[derive(Clone, Copy, Eq, PartialOrd, Ord)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::hash::Hash for TokenHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(<redacted>)")
    }
}

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(s.as_bytes())
            .map_err(|_| serde::de::Error::custom("token hash is not base64url"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("token hash is not 32 bytes"))?;
        Ok(TokenHash(arr))
    }
}

/// One link sent for a secure conversation (SPEC S4).
///
/// Reissue policy: when a new link is issued for the same conversation,
/// every older link stops working at once (`replaced_at`), so only the link
/// in the latest message opens the conversation. A lost phone or an old
/// email then holds nothing usable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecureLink {
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// When the link was sent.
    pub sent_at: Timestamp,
    /// First instant at which it no longer works: `sent_at` + lifetime.
    pub expires_at: Timestamp,
    /// When a newer link replaced it.
    #[serde(default)]
    pub replaced_at: Option<Timestamp>,
    /// The expiry has been recorded as an event.
    #[serde(default)]
    pub expiry_recorded: bool,
}

/// Where a link stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkState {
    Live,
    Expired,
    Replaced,
}

impl SecureLink {
    /// Live until `expires_at` (exclusive): at 71:59:59 a 72-hour link
    /// works, at 72:00:00 it has expired (SPEC S4). A replaced link is dead
    /// whatever the time.
    pub(crate) fn state_at(&self, now: Timestamp) -> LinkState {
        if self.replaced_at.is_some() {
            LinkState::Replaced
        } else if now >= self.expires_at {
            LinkState::Expired
        } else {
            LinkState::Live
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeededRandom;

    #[test]
    fn s4_token_is_256_bits_url_safe_without_padding() {
        let t = LinkToken::generate(&SeededRandom::new(1));
        assert_eq!(t.as_str().len(), 43);
        assert!(
            t.as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        let decoded = URL_SAFE_NO_PAD.decode(t.as_str()).unwrap();
        assert_eq!(decoded.len() * 8, 256);
        assert_eq!(LinkToken::parse(t.as_str()).unwrap(), t);
    }

    #[test]
    fn s4_tokens_differ_and_come_from_the_random_source() {
        let r = SeededRandom::new(2);
        let a = LinkToken::generate(&r);
        let b = LinkToken::generate(&r);
        assert_ne!(a, b);
        assert_eq!(LinkToken::generate(&SeededRandom::new(2)), a);
    }

    #[test]
    fn s4_hash_is_sha256_of_the_token() {
        let t = LinkToken::generate(&SeededRandom::new(3));
        let expected: [u8; 32] = Sha256::digest(t.as_str().as_bytes()).into();
        assert_eq!(t.hash().as_bytes(), &expected);
        let json = serde_json::to_string(&t.hash()).unwrap();
        assert!(!json.contains(t.as_str()));
        let back: TokenHash = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t.hash());
    }

    #[test]
    fn s4_malformed_tokens_are_refused_like_unknown_ones() {
        for bad in ["", "abc", "!".repeat(43).as_str(), &"A".repeat(44)] {
            assert_eq!(
                LinkToken::parse(bad).unwrap_err(),
                super::super::SecureError::LinkNotFound
            );
        }
    }

    #[test]
    fn s4_token_and_hash_never_show_in_debug() {
        let t = LinkToken::generate(&SeededRandom::new(4));
        let h = t.hash();
        let shown = format!("{t:?} {h:?}");
        assert!(!shown.contains(t.as_str()));
        assert!(!shown.contains(&URL_SAFE_NO_PAD.encode(h.as_bytes())));
    }
}
