//! Per-profile guards from the config file's `[profiles.NAME]` tables (see
//! [`crate::config::ProfileSettings`]):
//!
//! ```toml
//! [profiles.prod]
//! read_only = true    # the write side is never constructed for this profile
//! protected = true    # confirmations require typing function:alias
//! ```
//!
//! The profile name is `--profile` (or `AWS_PROFILE`), else `default`.

use crate::aws::Mode;
pub use crate::config::ProfileSettings;
use crate::domain::Profile;

/// Read-only from the flag or the profile; the reason names which.
pub fn mode(flag: bool, settings: ProfileSettings, profile: &Profile) -> Mode {
    if flag {
        Mode::ReadOnly("--read-only".into())
    } else if settings.read_only {
        Mode::ReadOnly(format!(
            "read_only = true in [profiles.{}]",
            profile.label()
        ))
    } else {
        Mode::Operator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_reason_names_its_source() {
        let ro = ProfileSettings {
            read_only: true,
            protected: false,
        };
        assert_eq!(
            mode(true, ro, &Profile::default()),
            Mode::ReadOnly("--read-only".into())
        );
        assert!(
            matches!(mode(false, ro, &Profile::named("prod")), Mode::ReadOnly(w) if w.contains("profiles.prod"))
        );
        assert_eq!(
            mode(false, ProfileSettings::default(), &Profile::default()),
            Mode::Operator
        );
    }
}
