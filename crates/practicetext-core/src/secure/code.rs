//! One-time unlock codes (SPEC X7): six digits, uniform, from the injected
//! random source; stored only as a salted SHA-256 and compared in constant
//! time.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::SecureError;
use crate::ports::Random;

const CODE_SPACE: u32 = 1_000_000;
/// The largest multiple of 10^6 that fits in a u32: values at or above it
/// are drawn again, so every code is equally likely (no modulo bias).
const ACCEPT_BELOW: u32 = u32::MAX - (u32::MAX % CODE_SPACE);
/// Draws before giving up; a working source needs more than 2 with
/// probability 0.0002 (each draw is rejected with probability 0.000225).
const MAX_DRAWS: usize = 64;

/// A six-digit one-time code (SPEC X7). `Debug` redacts it; it has no serde
/// form on purpose.
#[derive(Clone, PartialEq, Eq)]
pub struct UnlockCode(String);

impl UnlockCode {
    /// A uniform code from `random` (rejection sampling over 32-bit draws).
    pub fn generate(random: &dyn Random) -> Result<UnlockCode, SecureError> {
        for _ in 0..MAX_DRAWS {
            let mut b = [0u8; 4];
            random.fill(&mut b);
            let v = u32::from_le_bytes(b);
            if v < ACCEPT_BELOW {
                return Ok(UnlockCode(format!("{:06}", v % CODE_SPACE)));
            }
        }
        Err(SecureError::RandomFailed)
    }

    /// The six digits, to put in the text message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnlockCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnlockCode(<redacted>)")
    }
}

/// A salted SHA-256 of a code: what is stored while the code is pending.
/// Serialized as base64url; `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CodeDigest {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl CodeDigest {
    pub(crate) fn new(code: &UnlockCode, random: &dyn Random) -> CodeDigest {
        let mut salt = [0u8; 16];
        random.fill(&mut salt);
        CodeDigest {
            salt,
            digest: digest(&salt, code.as_str()),
        }
    }

    /// Constant-time check of what the patient typed (surrounding white
    /// space ignored).
    pub(crate) fn matches(&self, typed: &str) -> bool {
        digest(&self.salt, typed.trim()).ct_eq(&self.digest).into()
    }
}

fn digest(salt: &[u8; 16], code: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(code.as_bytes());
    h.finalize().into()
}

impl fmt::Debug for CodeDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeDigest(<redacted>)")
    }
}

impl Serialize for CodeDigest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut bytes = [0u8; 48];
        bytes[..16].copy_from_slice(&self.salt); // ok: 16 + 32 = 48 bytes
        bytes[16..].copy_from_slice(&self.digest); // ok: same
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl<'de> Deserialize<'de> for CodeDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(s.as_bytes())
            .map_err(|_| serde::de::Error::custom("code digest is not base64url"))?;
        let (salt, digest) = bytes
            .split_first_chunk::<16>()
            .ok_or_else(|| serde::de::Error::custom("code digest is too short"))?;
        let digest: [u8; 32] = digest
            .try_into()
            .map_err(|_| serde::de::Error::custom("code digest has the wrong length"))?;
        Ok(CodeDigest {
            salt: *salt,
            digest,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::testing::SeededRandom;

    /// Returns the given 32-bit values in order, then zeros.
    struct Scripted(Mutex<Vec<u32>>);

    impl Random for Scripted {
        fn fill(&self, dest: &mut [u8]) {
            let mut v = self.0.lock().unwrap();
            let next = if v.is_empty() { 0 } else { v.remove(0) };
            let bytes = next.to_le_bytes();
            for (d, b) in dest.iter_mut().zip(bytes.iter().cycle()) {
                *d = *b;
            }
        }
    }

    #[test]
    fn x7_code_is_six_digits_from_the_random_source() {
        let r = SeededRandom::new(11);
        let a = UnlockCode::generate(&r).unwrap();
        assert_eq!(a.as_str().len(), 6);
        assert!(a.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(UnlockCode::generate(&SeededRandom::new(11)).unwrap(), a);
        let small = Scripted(Mutex::new(vec![42]));
        assert_eq!(UnlockCode::generate(&small).unwrap().as_str(), "000042");
    }

    #[test]
    fn x7_code_has_no_modulo_bias() {
        // The top of the u32 range would favour low codes; it is redrawn.
        const { assert!(ACCEPT_BELOW.is_multiple_of(CODE_SPACE)) };
        const { assert!(u32::MAX - ACCEPT_BELOW < CODE_SPACE) };
        let r = Scripted(Mutex::new(vec![ACCEPT_BELOW, u32::MAX, 1_234_567]));
        assert_eq!(UnlockCode::generate(&r).unwrap().as_str(), "234567");
        let stuck = Scripted(Mutex::new(vec![u32::MAX; MAX_DRAWS]));
        assert_eq!(
            UnlockCode::generate(&stuck).unwrap_err(),
            SecureError::RandomFailed
        );
    }

    #[test]
    fn x7_codes_spread_evenly() {
        // 20 000 codes from the seeded source: each leading digit near 10%.
        let r = SeededRandom::new(12);
        let mut counts = [0u32; 10];
        for _ in 0..20_000 {
            let c = UnlockCode::generate(&r).unwrap();
            let d = c.as_str().as_bytes()[0] - b'0';
            counts[usize::from(d)] += 1;
        }
        assert!(
            counts.iter().all(|&n| (1_800..=2_200).contains(&n)),
            "{counts:?}"
        );
    }

    #[test]
    fn x7_code_is_stored_salted_and_checked() {
        let r = SeededRandom::new(13);
        let code = UnlockCode::generate(&r).unwrap();
        let d = CodeDigest::new(&code, &r);
        assert!(d.matches(code.as_str()));
        assert!(d.matches(&format!(" {} ", code.as_str())));
        assert!(!d.matches("000000x"));
        let json = serde_json::to_string(&d).unwrap();
        assert!(!json.contains(code.as_str()));
        let back: CodeDigest = serde_json::from_str(&json).unwrap();
        assert!(back.matches(code.as_str()));
        assert!(!format!("{code:?} {d:?}").contains(code.as_str()));
    }
}
