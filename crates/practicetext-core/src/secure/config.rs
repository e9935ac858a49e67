//! Settings of secure text. Every setting is validated when it is set, so a
//! [`SecureConfig`] in hand is always usable; limits that protect patients
//! can only be tightened (SPEC S4: at most 72 hours; SPEC X7: a one-time
//! code lives at most 10 minutes and allows at most 5 tries).

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::SecureError;
use super::link::LINK_TTL_MAX_HOURS;

/// Argon2id cost parameters for PIN hashes (SPEC S5). Defaults are OWASP's
/// recommendation: 19 MiB of memory, 2 passes, 1 lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinHashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub passes: u32,
    /// Lanes (parallelism).
    pub lanes: u32,
}

impl Default for PinHashParams {
    fn default() -> Self {
        PinHashParams {
            memory_kib: 19_456,
            passes: 2,
            lanes: 1,
        }
    }
}

/// OWASP's weakest listed argon2id setting is 7 MiB with 5 passes; every
/// listed setting spends at least about this much memory x passes.
const MIN_MEMORY_KIB: u32 = 7_168;
const MIN_MEMORY_TIMES_PASSES: u64 = 7_168 * 5;

impl PinHashParams {
    /// Refuses parameters weaker than OWASP's minimum or that argon2 cannot
    /// use.
    pub fn validate(&self) -> Result<(), SecureError> {
        let work = u64::from(self.memory_kib) * u64::from(self.passes);
        if self.memory_kib < MIN_MEMORY_KIB || work < MIN_MEMORY_TIMES_PASSES {
            return Err(SecureError::PinHashTooWeak);
        }
        self.to_argon2().map(|_| ())
    }

    pub(crate) fn to_argon2(self) -> Result<argon2::Params, SecureError> {
        argon2::Params::new(self.memory_kib, self.passes, self.lanes, None).map_err(|e| {
            SecureError::PinHashParamsInvalid {
                reason: e.to_string(),
            }
        })
    }
}

/// The settings of secure text, each checked when set.
///
/// ```
/// use chrono::TimeDelta;
/// use practicetext_core::secure::SecureConfig;
///
/// let c = SecureConfig::default().with_link_ttl(TimeDelta::hours(24))?;
/// assert_eq!(c.link_ttl(), TimeDelta::hours(24));
/// let e = SecureConfig::default().with_link_ttl(TimeDelta::hours(73)).unwrap_err();
/// assert_eq!(e.code(), "link_ttl_too_long");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SecureSettings", into = "SecureSettings")]
pub struct SecureConfig {
    link_ttl: TimeDelta,
    pin_hash: PinHashParams,
    pin_attempts: u32,
    unlock_code_ttl: TimeDelta,
    unlock_code_tries: u32,
    unlock_codes_per_lock: u32,
}

impl Default for SecureConfig {
    fn default() -> Self {
        SecureConfig {
            link_ttl: TimeDelta::hours(LINK_TTL_MAX_HOURS),
            pin_hash: PinHashParams::default(),
            pin_attempts: 5,
            unlock_code_ttl: TimeDelta::minutes(MAX_CODE_TTL_MINUTES),
            unlock_code_tries: MAX_CODE_TRIES,
            unlock_codes_per_lock: 3,
        }
    }
}

const MAX_CODE_TTL_MINUTES: i64 = 10;
const MAX_CODE_TRIES: u32 = 5;

impl SecureConfig {
    /// How long a link works after it is sent (SPEC S4). Default and
    /// maximum 72 hours.
    pub fn link_ttl(&self) -> TimeDelta {
        self.link_ttl
    }
    /// Argon2id parameters for PIN hashes (SPEC S5).
    pub fn pin_hash(&self) -> PinHashParams {
        self.pin_hash
    }
    /// Wrong PINs in a row before PIN entry locks (default 5).
    pub fn pin_attempts(&self) -> u32 {
        self.pin_attempts
    }
    /// How long a one-time unlock code works (SPEC X7; default and maximum
    /// 10 minutes).
    pub fn unlock_code_ttl(&self) -> TimeDelta {
        self.unlock_code_ttl
    }
    /// Wrong entries a one-time code allows before it is void (SPEC X7;
    /// default and maximum 5).
    pub fn unlock_code_tries(&self) -> u32 {
        self.unlock_code_tries
    }
    /// One-time codes that may be sent between two staff unlocks or
    /// successful identity verifications (default 3); after that only staff
    /// can unlock. This bounds identity guesses by someone holding the phone.
    pub fn unlock_codes_per_lock(&self) -> u32 {
        self.unlock_codes_per_lock
    }

    /// Sets the link lifetime. More than 72 hours is refused
    /// (`link_ttl_too_long`), as is zero or less (SPEC S4).
    pub fn with_link_ttl(mut self, ttl: TimeDelta) -> Result<Self, SecureError> {
        if ttl > TimeDelta::hours(LINK_TTL_MAX_HOURS) {
            return Err(SecureError::LinkTtlTooLong {
                requested_minutes: ttl.num_minutes(),
            });
        }
        if ttl <= TimeDelta::zero() {
            return Err(SecureError::LinkTtlNotPositive);
        }
        self.link_ttl = ttl;
        Ok(self)
    }

    /// Sets the PIN hash parameters (refused below OWASP's minimum).
    pub fn with_pin_hash(mut self, params: PinHashParams) -> Result<Self, SecureError> {
        params.validate()?;
        self.pin_hash = params;
        Ok(self)
    }

    /// Sets the wrong PINs allowed in a row (1 to 10).
    pub fn with_pin_attempts(mut self, attempts: u32) -> Result<Self, SecureError> {
        self.pin_attempts = in_range("pin_attempts", attempts, 1, 10)?;
        Ok(self)
    }

    /// Sets the one-time code lifetime (1 to 10 minutes, SPEC X7).
    pub fn with_unlock_code_ttl(mut self, ttl: TimeDelta) -> Result<Self, SecureError> {
        if ttl < TimeDelta::minutes(1) || ttl > TimeDelta::minutes(MAX_CODE_TTL_MINUTES) {
            return Err(SecureError::SettingOutOfRange {
                setting: "unlock_code_ttl_minutes",
                min: 1,
                max: MAX_CODE_TTL_MINUTES,
            });
        }
        self.unlock_code_ttl = ttl;
        Ok(self)
    }

    /// Sets the tries a one-time code allows (1 to 5, SPEC X7).
    pub fn with_unlock_code_tries(mut self, tries: u32) -> Result<Self, SecureError> {
        self.unlock_code_tries = in_range("unlock_code_tries", tries, 1, MAX_CODE_TRIES)?;
        Ok(self)
    }

    /// Sets the one-time codes allowed per lock (1 to 5, SPEC X7).
    pub fn with_unlock_codes_per_lock(mut self, codes: u32) -> Result<Self, SecureError> {
        self.unlock_codes_per_lock = in_range("unlock_codes_per_lock", codes, 1, 5)?;
        Ok(self)
    }
}

fn in_range(setting: &'static str, v: u32, min: u32, max: u32) -> Result<u32, SecureError> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(SecureError::SettingOutOfRange {
            setting,
            min: min.into(),
            max: max.into(),
        })
    }
}

/// The JSON form of [`SecureConfig`]: durations in whole seconds, every
/// field optional (missing fields take the defaults).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SecureSettings {
    link_ttl_seconds: i64,
    pin_hash: PinHashParams,
    pin_attempts: u32,
    unlock_code_ttl_seconds: i64,
    unlock_code_tries: u32,
    unlock_codes_per_lock: u32,
}

impl Default for SecureSettings {
    fn default() -> Self {
        SecureConfig::default().into()
    }
}

impl From<SecureConfig> for SecureSettings {
    fn from(c: SecureConfig) -> Self {
        SecureSettings {
            link_ttl_seconds: c.link_ttl.num_seconds(),
            pin_hash: c.pin_hash,
            pin_attempts: c.pin_attempts,
            unlock_code_ttl_seconds: c.unlock_code_ttl.num_seconds(),
            unlock_code_tries: c.unlock_code_tries,
            unlock_codes_per_lock: c.unlock_codes_per_lock,
        }
    }
}

impl TryFrom<SecureSettings> for SecureConfig {
    type Error = String;
    fn try_from(s: SecureSettings) -> Result<Self, Self::Error> {
        let seconds = |v: i64| TimeDelta::try_seconds(v).unwrap_or(TimeDelta::MAX);
        let mut problems = Vec::new();
        let mut c = SecureConfig::default();
        let steps: [&dyn Fn(SecureConfig) -> Result<SecureConfig, SecureError>; 6] = [
            &|c| c.with_link_ttl(seconds(s.link_ttl_seconds)),
            &|c| c.with_pin_hash(s.pin_hash),
            &|c| c.with_pin_attempts(s.pin_attempts),
            &|c| c.with_unlock_code_ttl(seconds(s.unlock_code_ttl_seconds)),
            &|c| c.with_unlock_code_tries(s.unlock_code_tries),
            &|c| c.with_unlock_codes_per_lock(s.unlock_codes_per_lock),
        ];
        for step in steps {
            match step(c.clone()) {
                Ok(next) => c = next,
                Err(e) => problems.push(format!("{}: {e}", e.code())),
            }
        }
        if problems.is_empty() {
            Ok(c)
        } else {
            Err(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s4_link_ttl_defaults_to_72_hours() {
        assert_eq!(SecureConfig::default().link_ttl(), TimeDelta::hours(72));
    }

    #[test]
    fn s4_link_ttl_is_configurable_only_downward() {
        let c = SecureConfig::default()
            .with_link_ttl(TimeDelta::hours(72))
            .unwrap();
        assert_eq!(c.link_ttl(), TimeDelta::hours(72));
        let c = c.with_link_ttl(TimeDelta::hours(1)).unwrap();
        assert_eq!(c.link_ttl(), TimeDelta::hours(1));
        let over = TimeDelta::hours(72) + TimeDelta::seconds(1);
        let e = SecureConfig::default().with_link_ttl(over).unwrap_err();
        assert_eq!(e.code(), "link_ttl_too_long");
        assert!(e.to_string().contains("72 hours"));
        let e = SecureConfig::default()
            .with_link_ttl(TimeDelta::zero())
            .unwrap_err();
        assert_eq!(e.code(), "link_ttl_not_positive");
    }

    #[test]
    fn s4_json_config_asking_more_than_72_hours_is_refused() {
        let e = serde_json::from_str::<SecureConfig>(r#"{"link_ttl_seconds": 259201}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("link_ttl_too_long"), "{e}");
        let ok: SecureConfig = serde_json::from_str(r#"{"link_ttl_seconds": 3600}"#).unwrap();
        assert_eq!(ok.link_ttl(), TimeDelta::hours(1));
        let round: SecureConfig =
            serde_json::from_str(&serde_json::to_string(&ok).unwrap()).unwrap();
        assert_eq!(round, ok);
    }

    #[test]
    fn s5_pin_hash_defaults_are_owasp_and_weaker_is_refused() {
        let d = PinHashParams::default();
        assert_eq!((d.memory_kib, d.passes, d.lanes), (19_456, 2, 1));
        assert!(d.validate().is_ok());
        for weak in [(4096, 10, 1), (19_456, 1, 1), (7_168, 4, 1)] {
            let p = PinHashParams {
                memory_kib: weak.0,
                passes: weak.1,
                lanes: weak.2,
            };
            assert_eq!(p.validate().unwrap_err().code(), "pin_hash_too_weak");
        }
        let ok = PinHashParams {
            memory_kib: 7_168,
            passes: 5,
            lanes: 1,
        };
        assert!(ok.validate().is_ok());
        let bad_lanes = PinHashParams { lanes: 0, ..d };
        assert_eq!(
            bad_lanes.validate().unwrap_err().code(),
            "pin_hash_params_invalid"
        );
    }

    #[test]
    fn x7_code_limits_are_configurable_only_downward() {
        let c = SecureConfig::default();
        assert_eq!(c.unlock_code_ttl(), TimeDelta::minutes(10));
        assert_eq!(c.unlock_code_tries(), 5);
        assert!(
            c.clone()
                .with_unlock_code_ttl(TimeDelta::minutes(11))
                .is_err()
        );
        assert!(c.clone().with_unlock_code_tries(6).is_err());
        assert!(c.clone().with_unlock_code_tries(0).is_err());
        assert_eq!(
            c.with_unlock_code_ttl(TimeDelta::minutes(5))
                .unwrap()
                .unlock_code_ttl(),
            TimeDelta::minutes(5)
        );
    }

    #[test]
    fn config_json_lists_every_problem() {
        let e = serde_json::from_str::<SecureConfig>(
            r#"{"link_ttl_seconds": 999999, "pin_attempts": 0}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("link_ttl_too_long") && e.contains("setting_out_of_range"));
    }
}
