//! CloudWatch alarms watched by a deployment group: their state, since when, why, and what
//! they measure.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// An alarm's state. Ordered by severity: `Ok < InsufficientData < Alarm`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmState {
    Ok,
    InsufficientData,
    Alarm,
    Unknown(String),
}

impl AlarmState {
    /// Parses the API's spelling.
    pub fn parse(s: &str) -> Self {
        match s {
            "OK" => Self::Ok,
            "ALARM" => Self::Alarm,
            "INSUFFICIENT_DATA" => Self::InsufficientData,
            other => Self::Unknown(other.to_string()),
        }
    }

    /// The API spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ok => "OK",
            Self::Alarm => "ALARM",
            Self::InsufficientData => "INSUFFICIENT_DATA",
            Self::Unknown(s) => s,
        }
    }
}

/// Metric alarm or composite alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    Metric,
    Composite,
}

/// What a metric alarm measures, in the terms a person checks it with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmMeasure {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    /// `Sum`, `Average`, ... or an extended statistic such as `p99`.
    pub statistic: String,
    pub comparison: String,
    pub threshold: f64,
    pub period_secs: u32,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: Option<u32>,
}

impl AlarmMeasure {
    /// e.g. `Errors Sum > 1 (2 of 3 × 60 s)`.
    pub fn summary(&self) -> String {
        let op = match self.comparison.as_str() {
            "GreaterThanThreshold" => ">",
            "GreaterThanOrEqualToThreshold" => "≥",
            "LessThanThreshold" => "<",
            "LessThanOrEqualToThreshold" => "≤",
            other => other,
        };
        let m = self.datapoints_to_alarm.unwrap_or(self.evaluation_periods);
        format!(
            "{} {} {op} {} ({m} of {} × {} s)",
            self.metric, self.statistic, self.threshold, self.evaluation_periods, self.period_secs
        )
    }
}

/// One CloudWatch alarm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    pub name: String,
    pub kind: AlarmKind,
    pub state: AlarmState,
    pub reason: String,
    /// When it entered this state (`StateTransitionedTimestamp`; `StateUpdatedTimestamp` moves on
    /// any update and is only the fallback).
    pub since: Option<DateTime<Utc>>,
    /// For metric alarms.
    pub measure: Option<AlarmMeasure>,
    /// For composite alarms.
    pub rule: Option<String>,
}

/// An alarm as it concerns one deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentAlarm {
    #[serde(flatten)]
    pub alarm: Alarm,
    /// In ALARM since before the deployment started: it will stop the deployment on CodeDeploy's
    /// first poll, or it is an old incident the fix is being deployed for (SAM #716).
    pub firing_before_deployment: bool,
}

impl DeploymentAlarm {
    /// Wraps `alarm` for a deployment that started at `deployment_start`.
    pub fn new(alarm: Alarm, deployment_start: Option<DateTime<Utc>>) -> Self {
        let firing_before_deployment = alarm.state == AlarmState::Alarm
            && matches!((alarm.since, deployment_start), (Some(since), Some(start)) if since < start);
        Self {
            alarm,
            firing_before_deployment,
        }
    }
}

/// The most severe state among `alarms` (None when there are none).
pub fn worst_state<'a>(alarms: impl IntoIterator<Item = &'a Alarm>) -> Option<AlarmState> {
    alarms.into_iter().map(|a| a.state.clone()).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn alarm(state: &str, since_min: u32) -> Alarm {
        Alarm {
            name: "errors".into(),
            kind: AlarmKind::Metric,
            state: AlarmState::parse(state),
            reason: String::new(),
            since: Utc.with_ymd_and_hms(2026, 11, 22, 2, since_min, 0).single(),
            measure: None,
            rule: None,
        }
    }

    #[test]
    fn firing_before_the_deployment_is_flagged() {
        let start = Utc.with_ymd_and_hms(2026, 11, 22, 2, 10, 0).single();
        assert!(DeploymentAlarm::new(alarm("ALARM", 5), start).firing_before_deployment);
        assert!(!DeploymentAlarm::new(alarm("ALARM", 15), start).firing_before_deployment);
        assert!(!DeploymentAlarm::new(alarm("OK", 5), start).firing_before_deployment);
        assert!(!DeploymentAlarm::new(alarm("ALARM", 5), None).firing_before_deployment);
    }

    #[test]
    fn worst_state_orders_by_severity() {
        let alarms = [
            alarm("OK", 1),
            alarm("INSUFFICIENT_DATA", 1),
            alarm("ALARM", 1),
        ];
        assert_eq!(worst_state(&alarms), Some(AlarmState::Alarm));
        assert_eq!(
            worst_state(&alarms[..2]),
            Some(AlarmState::InsufficientData)
        );
        assert_eq!(worst_state(&[]), None);
    }

    #[test]
    fn measure_summary_reads_like_the_console() {
        let m = AlarmMeasure {
            namespace: "AWS/Lambda".into(),
            metric: "Errors".into(),
            dimensions: vec![],
            statistic: "Sum".into(),
            comparison: "GreaterThanThreshold".into(),
            threshold: 1.0,
            period_secs: 60,
            evaluation_periods: 3,
            datapoints_to_alarm: Some(2),
        };
        assert_eq!(m.summary(), "Errors Sum > 1 (2 of 3 × 60 s)");
    }
}
