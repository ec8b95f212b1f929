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
}

impl WarningKind {
    /// Every kind, most severe first.
    pub const ALL: [WarningKind; 7] = [
        Self::VerdictFail,
        Self::AliasLeftSplit,
        Self::AlarmFiringBefore,
        Self::GroupWatchesNoAlarms,
        Self::GroupIgnoresAlarmFailures,
        Self::RecordDisagrees,
        Self::PastPredictedEnd,
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

/// The end of the low-traffic warning.
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
        }
    }
}

/// In JSON a warning is its sentence (`snapshot --json`'s `warnings: [string]`).
impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
