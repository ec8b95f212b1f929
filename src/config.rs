//! The config file: TOML at the standard config location (`directories`' ProjectDirs for
//! "rollwatch"), overridable with `--config PATH` or `ROLLWATCH_CONFIG`. Sections `[keys]`
//! (keymap as data: action name → key strings), `[colors]`, `[refresh]` (the engine's
//! [`EngineConfig`]), `[ui]`, `[schedule]` (the timing model's uncertain points), `[verdict]`
//! (thresholds, per function), `[guard]` (used with `--guard`), `[notify]` and `[profiles.NAME]`
//! (`read_only`, `protected`); every field is optional and the defaults are the embedded
//! `assets/config.default.toml`. A file that doesn't parse, or has an unknown key, is an error
//! naming the file, the line and the field — never a panic, never silently ignored.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::Color;
use serde::Deserialize;

use crate::domain::notify::NotifyConfig;
use crate::domain::{GuardConfig, ScheduleModel, VerdictConfig};
use crate::engine::{EngineConfig, Rules};
use crate::keymap::{KeyAction, KeySpec};

/// The default config file, as printed by `rollwatch config --print-default`.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/config.default.toml");

/// The whole config file.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// A key action's name → keys; actions not listed keep their default keys.
    pub keys: BTreeMap<KeyAction, Vec<KeySpec>>,
    pub colors: Colors,
    pub refresh: EngineConfig,
    pub ui: Ui,
    pub schedule: ScheduleModel,
    pub verdict: VerdictConfig,
    pub guard: GuardConfig,
    pub notify: NotifyConfig,
    pub watch: WatchConfig,
    /// Guards per AWS profile, keyed by profile name (`default` without `--profile`).
    pub profiles: BTreeMap<String, ProfileSettings>,
}

/// The `[watch]` section: what to follow beyond what is found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchConfig {
    /// Aliases (`function:alias`) read at the normal pace, beside the scan of the account: a
    /// split of one of them that no deployment owns is shown within one alias refresh.
    pub aliases: Vec<String>,
}

impl WatchConfig {
    /// Entries that are not `function:alias`, as "watch: aliases …" lines.
    fn problems(&self) -> Vec<String> {
        self.aliases
            .iter()
            .filter(|a| {
                a.split_once(':').is_none_or(|(f, alias)| {
                    f.is_empty() || alias.is_empty() || alias.contains(':')
                })
            })
            .map(|a| format!("watch: aliases {a:?} is not function:alias (e.g. \"orders:live\")"))
            .collect()
    }
}

impl Config {
    /// What the engine reads and how often: `[refresh]`, with the aliases `[watch]` names.
    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            watched_aliases: self
                .watch
                .aliases
                .iter()
                .filter_map(|a| {
                    let (function, alias) = a.split_once(':')?;
                    Some((function.to_string(), alias.to_string()))
                })
                .collect(),
            ..self.refresh.clone()
        }
    }

    /// How views are assembled and judged.
    pub fn rules(&self) -> Rules {
        Rules {
            schedule: self.schedule,
            verdict: std::sync::Arc::new(self.verdict.clone()),
        }
    }

    /// The guards of `profile` (`default` when none is named).
    pub fn profile(&self, profile: &crate::domain::Profile) -> ProfileSettings {
        self.profiles
            .get(profile.label())
            .copied()
            .unwrap_or_default()
    }
}

/// `[profiles.NAME]`: the guards of one AWS profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileSettings {
    /// The write side is never constructed for this profile.
    pub read_only: bool,
    /// Confirmations require typing `function:alias`.
    pub protected: bool,
}

/// `[ui]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ui {
    pub icons: Icons,
    /// Times on screen in UTC or the local time zone (`z` toggles).
    pub time: TimeZoneChoice,
    /// Profiles watched together in one table when `--profile` is not given.
    pub profiles: Vec<String>,
}

/// The time zone times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeZoneChoice {
    #[default]
    Utc,
    Local,
}

impl TimeZoneChoice {
    /// The other one (`z`).
    #[must_use]
    pub fn toggled(self) -> Self {
        match self {
            Self::Utc => Self::Local,
            Self::Local => Self::Utc,
        }
    }
}

/// Which symbols to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Icons {
    #[default]
    Unicode,
    Ascii,
}

/// A color as written in the file: a name, `#rrggbb` or a 0–255 index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColorSpec(pub Color);

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Color::from_str(&s).map(ColorSpec).map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown color `{s}` (use a name such as red or light_blue, \"#rrggbb\" or 0-255)"
            ))
        })
    }
}

/// `[colors]`: the palette, by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Colors {
    pub ok: ColorSpec,
    pub warning: ColorSpec,
    pub error: ColorSpec,
    pub active: ColorSpec,
    pub accent: ColorSpec,
    pub muted: ColorSpec,
    pub old_version: ColorSpec,
    pub new_version: ColorSpec,
    pub selection: ColorSpec,
}

impl Default for Colors {
    fn default() -> Self {
        Self {
            ok: ColorSpec(Color::Green),
            warning: ColorSpec(Color::Yellow),
            error: ColorSpec(Color::Red),
            active: ColorSpec(Color::LightBlue),
            accent: ColorSpec(Color::Cyan),
            muted: ColorSpec(Color::DarkGray),
            old_version: ColorSpec(Color::Blue),
            new_version: ColorSpec(Color::Magenta),
            selection: ColorSpec(Color::DarkGray),
        }
    }
}

/// A config file that cannot be used, located precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the parser located the problem.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The key (field) at that place, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Where the config file is looked for: `explicit` (`--config` / `ROLLWATCH_CONFIG`), else the
/// standard location.
pub fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    directories::ProjectDirs::from("", "", "rollwatch").map(|d| d.config_dir().join("config.toml"))
}

/// Loads the config: the explicit file must exist; the standard one may be absent (defaults).
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let Some(path) = config_path(explicit) else {
        return Ok(Config::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            Ok(Config::default())
        }
        Err(err) => Err(ConfigError {
            path,
            line: None,
            column: None,
            field: None,
            message: format!("cannot read the config file: {err}"),
        }),
    }
}

/// Parses `text` (read from `path`, which is only used in errors).
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let config = toml::from_str::<Config>(text).map_err(|err| {
        let span = err.span();
        let (line, column) = span
            .as_ref()
            .map(|s| line_col(text, s.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        let field = span.and_then(|s| field_at(text, s.start));
        ConfigError {
            path: path.to_path_buf(),
            line,
            column,
            field,
            message: err.message().trim().to_string(),
        }
    })?;
    let problems = config
        .verdict
        .problems()
        .into_iter()
        .chain(config.watch.problems());
    match problems.into_iter().next() {
        Some(problem) => Err(out_of_range(text, path, &problem)),
        None => Ok(config),
    }
}

/// A value that parses but is out of range: "verdict.functions.f: tolerance -1 must be 0 or
/// more", located at the first line that sets that key in that table.
fn out_of_range(text: &str, path: &Path, problem: &str) -> ConfigError {
    let (table, rest) = problem.split_once(": ").unwrap_or(("", problem));
    let key = rest.split_whitespace().next().unwrap_or_default();
    let mut current = String::new();
    let mut line = None;
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.starts_with('[') {
            current = l.trim_matches(|c| c == '[' || c == ']').trim().to_string();
        } else if current == table
            && l.split('=').next().is_some_and(|k| k.trim() == key)
            && l.contains('=')
        {
            line = Some(i + 1);
            break;
        }
    }
    ConfigError {
        path: path.to_path_buf(),
        line,
        column: line.map(|_| 1),
        field: Some(format!("{table}.{key}")),
        message: rest.to_string(),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The key of the `key = value` line at `offset`, with its table: `refresh.details_secs`.
fn field_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..)?.lines().next()?;
    let key = line.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || !line.contains('=') {
        return None;
    }
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watched_alias_that_is_not_function_alias_is_an_error_at_its_line() {
        let text = "[watch]\naliases = [\"orders:live\", \"orders\"]\n";
        let err = parse(text, Path::new("c.toml")).expect_err("not function:alias");
        assert_eq!(err.line, Some(2), "{err:?}");
        assert!(err.message.contains("function:alias"), "{err:?}");
        let ok = parse(
            "[watch]\naliases = [\"orders:live\"]\n",
            Path::new("c.toml"),
        )
        .expect("parses");
        assert_eq!(
            ok.engine().watched_aliases,
            [("orders".to_string(), "live".to_string())]
        );
    }

    #[test]
    fn the_embedded_default_is_the_default() {
        let parsed = parse(DEFAULT_CONFIG, Path::new("default.toml")).expect("default parses");
        assert_eq!(parsed.colors, Colors::default());
        assert_eq!(parsed.refresh, EngineConfig::default());
        assert_eq!(parsed.ui, Ui::default());
        assert_eq!(parsed.schedule, ScheduleModel::default());
        assert_eq!(
            parsed.verdict.defaults(),
            VerdictConfig::default().defaults()
        );
        assert!(parsed.verdict.enabled);
        assert_eq!(parsed.guard, GuardConfig::default());
        assert_eq!(parsed.notify, NotifyConfig::default());
        assert!(parsed.profiles.is_empty());
        let defaults = crate::keymap::Keymap::default();
        assert_eq!(
            crate::keymap::Keymap::with_overrides(&parsed.keys),
            defaults
        );
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(parse("", Path::new("x")), Ok(Config::default()));
    }

    #[test]
    fn profiles_verdict_guard_and_schedule_are_read() {
        let text = "[profiles.prod]\nread_only = true\nprotected = true\n[profiles.dev]\n\
                    [verdict]\nconfidence = 0.99\n[verdict.functions.checkout]\nmin_invocations = 500\n\
                    [guard]\nfail_for_secs = 60\ncountdown_secs = 10\n\
                    [schedule]\nhold_at_100_for_one_interval = true\n";
        let c = parse(text, Path::new("c.toml")).expect("parses");
        let prod = c.profile(&crate::domain::Profile::named("prod"));
        assert!(prod.read_only && prod.protected);
        assert_eq!(
            c.profile(&crate::domain::Profile::named("dev")),
            ProfileSettings::default()
        );
        assert_eq!(
            c.profile(&crate::domain::Profile::default()),
            ProfileSettings::default()
        );
        let rules = c.rules();
        assert!(rules.schedule.hold_at_100_for_one_interval);
        assert_eq!(rules.verdict.for_function("checkout").min_invocations, 500);
        assert!((rules.verdict.for_function("orders").confidence - 0.99).abs() < 1e-12);
        assert_eq!(c.guard.fail_for_secs, 60);
        assert_eq!(c.guard.countdown_secs, 10);
    }

    #[test]
    fn bad_values_name_the_file_line_and_field() {
        let err = parse(
            "[profiles.default]\nprotected = \"yes\"\n",
            Path::new("c.toml"),
        )
        .expect_err("a string is not a bool");
        assert_eq!(err.line, Some(2));
        assert_eq!(err.field.as_deref(), Some("profiles.default.protected"));
        let err = parse("[verdict]\nconfidance = 0.9\n", Path::new("c.toml")).expect_err("typo");
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.message.contains("confidance"), "{err}");
        let text = "[verdict]\nconfidence = 0.9\n\n[verdict.functions.f]\ntolerance = -1.0\n";
        let err = parse(text, Path::new("c.toml")).expect_err("out of range");
        assert_eq!(
            err.to_string(),
            "c.toml:5:1: field `verdict.functions.f.tolerance`: tolerance -1 must be 0 or more"
        );
    }
}
