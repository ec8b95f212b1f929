//! Per-profile guard settings from the config file, until a shared config module exists:
//!
//! ```toml
//! [profiles.prod]
//! read_only = true    # the write side is never constructed for this profile
//! protected = true    # confirmations require typing function:alias
//! ```
//!
//! The file is `ROLLWATCH_CONFIG`, else `config.toml` in the platform config directory
//! (`~/.config/rollwatch/config.toml` on Linux). Other tables (`[refresh]` ...) are ignored here.
//! The profile name is `--profile` (or `AWS_PROFILE`), else `default`.

use std::path::PathBuf;

use crate::aws::Mode;

/// The guards of one profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProfileSettings {
    pub read_only: bool,
    pub protected: bool,
}

/// The config file's location.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ROLLWATCH_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "rollwatch").map(|d| d.config_dir().join("config.toml"))
}

/// The settings of `profile` in config text.
pub fn parse(text: &str, profile: Option<&str>) -> Result<ProfileSettings, String> {
    let root: toml::Table = toml::from_str(text).map_err(|e| format!("invalid TOML: {e}"))?;
    let name = profile.unwrap_or("default");
    let Some(table) = root
        .get("profiles")
        .and_then(|p| p.as_table())
        .and_then(|p| p.get(name))
    else {
        return Ok(ProfileSettings::default());
    };
    let table = table
        .as_table()
        .ok_or_else(|| format!("[profiles.{name}] must be a table"))?;
    let flag = |key: &str| match table.get(key) {
        None => Ok(false),
        Some(toml::Value::Boolean(b)) => Ok(*b),
        Some(other) => Err(format!(
            "profiles.{name}.{key} must be true or false, found {other}"
        )),
    };
    Ok(ProfileSettings {
        read_only: flag("read_only")?,
        protected: flag("protected")?,
    })
}

/// The settings of `profile` from the config file (a missing file means no guards configured).
pub fn load(profile: Option<&str>) -> Result<ProfileSettings, String> {
    let Some(path) = config_path() else {
        return Ok(ProfileSettings::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, profile).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProfileSettings::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Read-only from the flag or the profile; the reason names which.
pub fn mode(flag: bool, settings: ProfileSettings, profile: Option<&str>) -> Mode {
    if flag {
        Mode::ReadOnly("--read-only".into())
    } else if settings.read_only {
        Mode::ReadOnly(format!(
            "read_only = true in [profiles.{}]",
            profile.unwrap_or("default")
        ))
    } else {
        Mode::Operator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_flags() {
        let text = "[refresh]\nalarms_secs = 5\n[profiles.prod]\nread_only = true\nprotected = true\n[profiles.dev]\n";
        let prod = parse(text, Some("prod")).unwrap_or_default();
        assert!(prod.read_only && prod.protected);
        assert_eq!(parse(text, Some("dev")), Ok(ProfileSettings::default()));
        assert_eq!(parse(text, None), Ok(ProfileSettings::default()));
        let bad = parse("[profiles.default]\nprotected = \"yes\"\n", None);
        assert!(bad.unwrap_err().contains("true or false"));
        assert!(parse("not toml [", None).is_err());
    }

    #[test]
    fn read_only_reason_names_its_source() {
        let ro = ProfileSettings {
            read_only: true,
            protected: false,
        };
        assert_eq!(mode(true, ro, None), Mode::ReadOnly("--read-only".into()));
        assert!(
            matches!(mode(false, ro, Some("prod")), Mode::ReadOnly(w) if w.contains("profiles.prod"))
        );
        assert_eq!(
            mode(false, ProfileSettings::default(), None),
            Mode::Operator
        );
    }
}
