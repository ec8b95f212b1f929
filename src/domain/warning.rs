//! What a warning says: its [`WarningKind`] (what tests, the signal oracle and the banner's
//! folding match on) and its facts as a [`Warning`], which becomes words only where a person
//! reads it (`Display`). Which views raise which warnings is [`super::warnings`].

use std::fmt;

use serde::Serialize;

use super::normalize_pct;

/// What a warning is about, without its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    VerdictFail,
    AliasLeftSplit,
    AlarmFiringBefore,
    GroupWatchesNoAlarms,
    GroupIgnoresAlarmFailures,
    RecordDisagrees,
    PastPredictedEnd,
    CanaryTooShort,
}

impl WarningKind {
    /// Every kind, most severe first.
    pub const ALL: [WarningKind; 8] = [
        Self::VerdictFail,
        Self::AliasLeftSplit,
        Self::AlarmFiringBefore,
        Self::GroupWatchesNoAlarms,
        Self::GroupIgnoresAlarmFailures,
        Self::RecordDisagrees,
        Self::PastPredictedEnd,
        Self::CanaryTooShort,
    ];

    /// The kind's name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Self::VerdictFail => "verdict_fail",
            Self::AliasLeftSplit => "alias_left_split",
            Self::AlarmFiringBefore => "alarm_firing_before",
            Self::GroupWatchesNoAlarms => "group_watches_no_alarms",
            Self::GroupIgnoresAlarmFailures => "group_ignores_alarm_failures",
            Self::RecordDisagrees => "record_disagrees",
            Self::PastPredictedEnd => "past_predicted_end",
            Self::CanaryTooShort => "canary_too_short",
        }
    }
}

/// One warning about one deployment, with the facts it states.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// The canary verdict is FAIL (`headline`); `caught`: an alarm of the group is firing.
    VerdictFail { headline: String, caught: bool },
    /// The alias is split (`split`: version → share) with no deployment in progress.
    AliasLeftSplit {
        function: String,
        alias: String,
        split: Vec<(String, f64)>,
    },
    /// `alarm` was in ALARM before the deployment began.
    AlarmFiringBefore { alarm: String },
    /// The group watches no alarms (or has alarm monitoring off).
    GroupWatchesNoAlarms,
    /// The group ignores alarm poll failures.
    GroupIgnoresAlarmFailures,
    /// Reads of the live alias and of CodeDeploy's record prove they disagree.
    RecordDisagrees {
        version: String,
        live: f64,
        recorded: f64,
    },
    /// Still in progress past the predicted end of traffic shifting.
    PastPredictedEnd,
    /// Just started, this canary cannot catch a doubled error rate before its full shift: the
    /// smallest error-rate ratio it catches (`None`: not even ×50) in its `minutes`; `others`
    /// more canaries started in the same minutes that cannot either (folded into this one).
    CanaryTooShort {
        errors: Option<f64>,
        minutes: usize,
        others: usize,
    },
}

impl Warning {
    /// What it is about.
    pub fn kind(&self) -> WarningKind {
        match self {
            Self::VerdictFail { .. } => WarningKind::VerdictFail,
            Self::AliasLeftSplit { .. } => WarningKind::AliasLeftSplit,
            Self::AlarmFiringBefore { .. } => WarningKind::AlarmFiringBefore,
            Self::GroupWatchesNoAlarms => WarningKind::GroupWatchesNoAlarms,
            Self::GroupIgnoresAlarmFailures => WarningKind::GroupIgnoresAlarmFailures,
            Self::RecordDisagrees { .. } => WarningKind::RecordDisagrees,
            Self::PastPredictedEnd => WarningKind::PastPredictedEnd,
            Self::CanaryTooShort { .. } => WarningKind::CanaryTooShort,
        }
    }

    /// Whether this warning and `other` say the same thing about the same deployment (their
    /// facts may have moved: a count, a weight).
    pub fn same_subject(&self, other: &Warning) -> bool {
        match (self, other) {
            (Self::AlarmFiringBefore { alarm: a }, Self::AlarmFiringBefore { alarm: b }) => a == b,
            _ => self.kind() == other.kind(),
        }
    }
}

/// Each warning in words, as the banner and `snapshot` say it.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::VerdictFail { headline, caught } => {
                let tail = if *caught {
                    ""
                } else {
                    " — CodeDeploy's alarms are not catching this"
                };
                write!(f, "canary verdict {headline}{tail}")
            }
            Self::AliasLeftSplit {
                function,
                alias,
                split,
            } => {
                let split: Vec<String> = split
                    .iter()
                    .map(|(v, w)| format!("v{v} {}", normalize_pct(*w)))
                    .collect();
                write!(
                    f,
                    "alias {function}:{alias} is left split ({}) with no deployment in progress: \
                     later deployments of {function} will fail until the alias is reset",
                    split.join(" / ")
                )
            }
            Self::AlarmFiringBefore { alarm } => write!(
                f,
                "alarm {alarm} was already in ALARM before this deployment began: CodeDeploy \
                 will stop it on its first alarm poll"
            ),
            Self::GroupWatchesNoAlarms => f.write_str(
                "the deployment group watches no alarms: CodeDeploy will not stop a bad release \
                 on its own",
            ),
            Self::GroupIgnoresAlarmFailures => f.write_str(
                "the deployment group ignores alarm poll failures: if CodeDeploy cannot read the \
                 alarms, the release continues",
            ),
            Self::RecordDisagrees {
                version,
                live,
                recorded,
            } => write!(
                f,
                "the live alias gives v{version} {} but CodeDeploy's record says {}: was the \
                 alias changed outside CodeDeploy?",
                normalize_pct(*live),
                normalize_pct(*recorded)
            ),
            Self::PastPredictedEnd => {
                f.write_str("past the predicted end of traffic shifting and still in progress")
            }
            Self::CanaryTooShort {
                errors,
                minutes,
                others,
            } => {
                let catches = errors.map_or_else(
                    || "no change of its error rate".to_owned(),
                    |r| format!("errors ×{r:.1} or worse"),
                );
                write!(
                    f,
                    "this {minutes}-min canary can catch only {catches} at its traffic, not a doubled error rate: watch its alarms"
                )?;
                match others {
                    0 => Ok(()),
                    1 => f.write_str(" (and 1 more canary that started with it)"),
                    n => write!(f, " (and {n} more canaries that started with it)"),
                }
            }
        }
    }
}

/// In JSON a warning is its sentence (`snapshot --json`'s `warnings: [string]`).
impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
