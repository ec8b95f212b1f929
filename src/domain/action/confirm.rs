//! The blast radius (account/region, function:alias, versions, current weight, the new version's
//! invocations per minute, firing alarms) and the confirmation text of an action: what will be
//! sent, what it leaves behind, and what has to be typed to confirm it (`y`, or `function:alias`
//! on a protected profile). Also the AppSpec content promote-now redeploys.

use serde::Serialize;

use super::{ALL_AT_ONCE, Action, SplitResolution, versions};
use crate::domain::Profile;
use crate::domain::{AlarmState, AppSpec, DeploymentView, Source, normalize_pct};

/// Everything an action touches, shown before confirming.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlastRadius {
    pub account: Option<String>,
    pub region: String,
    pub profile: Profile,
    pub deployment_id: String,
    /// Who shifts the alias: a deployment, or nobody rollwatch knows (a split by hand).
    pub source: Source,
    pub status: String,
    /// `function:alias` (or `application/group` when the function is unknown).
    pub subject: String,
    pub current_version: Option<String>,
    pub target_version: Option<String>,
    /// e.g. `v1 90% / v2 10%` (live alias), or `unknown (...)`.
    pub weights: String,
    /// Share of traffic on the new version, 0.0–1.0, when known.
    pub target_weight: Option<f64>,
    /// Invocations per minute on the new version (recent minutes with data).
    pub target_invocations_per_min: Option<f64>,
    /// Alarms in ALARM.
    pub firing_alarms: Vec<String>,
}

/// Builds the blast radius of acting on `view`.
pub fn blast_radius(
    view: &DeploymentView,
    region: &str,
    account: Option<&str>,
    profile: &Profile,
) -> BlastRadius {
    let vs = versions(view);
    let weights = match view.alias.value() {
        Some(a) => std::iter::once((a.primary_version.clone(), a.primary_weight()))
            .chain(a.additional.iter().cloned())
            .map(|(v, w)| format!("v{v} {}", normalize_pct(w)))
            .collect::<Vec<_>>()
            .join(" / "),
        None => match view.alias.failure() {
            Some(f) => format!("unknown (GetAlias failed: {})", f.message),
            None => "unknown (alias not read)".to_string(),
        },
    };
    let target_weight = match (view.alias.value(), &vs) {
        (Some(a), Some((_, target))) => Some(a.weight_of(target)),
        _ => view.weight.map(|w| w.weight),
    };
    let target_invocations_per_min = vs.as_ref().and_then(|(_, target)| {
        view.metrics
            .value()?
            .iter()
            .find(|m| &m.version == target)?
            .invocations_per_minute()
    });
    BlastRadius {
        account: account.map(str::to_string),
        region: region.to_string(),
        profile: profile.clone(),
        deployment_id: view.deployment.id.clone(),
        source: view.deployment.source,
        status: view.deployment.status.as_str().to_string(),
        subject: view.deployment.subject(),
        current_version: vs.as_ref().map(|v| v.0.clone()),
        target_version: vs.map(|v| v.1),
        weights,
        target_weight,
        target_invocations_per_min,
        firing_alarms: view
            .alarm_list()
            .filter(|a| a.state == AlarmState::Alarm)
            .map(|a| a.name.clone())
            .collect(),
    }
}

impl BlastRadius {
    /// The lines shown in the dialog and on the terminal.
    pub fn lines(&self) -> Vec<String> {
        let opt = |v: &Option<String>| v.as_deref().map_or("?".to_string(), |v| format!("v{v}"));
        let ipm = self
            .target_invocations_per_min
            .map_or("unknown".to_string(), |r| format!("{r:.0}/min"));
        let alarms = if self.firing_alarms.is_empty() {
            "none firing".to_string()
        } else {
            format!("FIRING: {}", self.firing_alarms.join(", "))
        };
        vec![
            format!(
                "account {} · region {}{}",
                self.account.as_deref().unwrap_or("unknown"),
                self.region,
                self.profile
                    .name()
                    .map_or(String::new(), |p| format!(" · profile {p}"))
            ),
            match self.source {
                Source::CodeDeploy => format!(
                    "{}  deployment {} ({})",
                    self.subject, self.deployment_id, self.status
                ),
                Source::Alias => format!("{}  split outside any deployment", self.subject),
            },
            format!(
                "versions {} → {} · alias now {}",
                opt(&self.current_version),
                opt(&self.target_version),
                self.weights
            ),
            format!("new version {ipm} · alarms {alarms}"),
        ]
    }
}

/// What the dialog (or the terminal prompt) shows, and what it accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confirmation {
    /// e.g. `Roll back checkout:live?`
    pub title: String,
    /// The calls that will be made, in order.
    pub steps: Vec<String>,
    /// What the action leaves behind, said plainly.
    pub consequences: Vec<String>,
    pub blast: BlastRadius,
    /// On protected profiles: the text to type (`function:alias`); otherwise `y` confirms.
    pub typed: Option<String>,
}

impl Confirmation {
    /// Whether `answer` confirms: the exact `function:alias` on a protected profile, else `y`/`yes`.
    pub fn accepts(&self, answer: &str) -> bool {
        let answer = answer.trim();
        match &self.typed {
            Some(expected) => answer == expected,
            None => answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes"),
        }
    }

    /// The prompt line: what to type.
    pub fn prompt(&self) -> String {
        match &self.typed {
            Some(t) => format!("protected profile: type {t} to confirm (anything else cancels): "),
            None => "confirm? [y/N] ".to_string(),
        }
    }

    /// Everything, one line each: title, blast radius, steps, consequences.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.title.clone()];
        out.extend(self.blast.lines().into_iter().map(|l| format!("  {l}")));
        out.push("will:".into());
        out.extend(
            self.steps
                .iter()
                .enumerate()
                .map(|(i, s)| format!("  {}. {s}", i + 1)),
        );
        if !self.consequences.is_empty() {
            out.push("note:".into());
            out.extend(self.consequences.iter().map(|c| format!("  ! {c}")));
        }
        out
    }
}

/// The confirmation for `action`; `protected` profiles must type `function:alias`.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per action: what each sends and what it leaves, read side by side"
)]
pub fn confirmation(action: &Action, blast: BlastRadius, protected: bool) -> Confirmation {
    let subject = blast.subject.clone();
    let id = blast.deployment_id.clone();
    let old = blast.current_version.clone().unwrap_or_else(|| "?".into());
    let new = blast.target_version.clone().unwrap_or_else(|| "?".into());
    let function = subject.split(':').next().unwrap_or_default().to_string();
    let (title, steps, consequences): (String, Vec<String>, Vec<String>) = match action {
        Action::Rollback => (
            format!("ROLL BACK {subject}?"),
            vec![
                format!("StopDeployment {id} with autoRollbackEnabled=true"),
                format!("follow the rollback deployment until {subject} is back at 100% on v{old}"),
            ],
            vec![format!(
                "deployment {id} ends Stopped; CodeDeploy creates a rollback deployment"
            )],
        ),
        Action::Stop => (
            format!("STOP {subject} WITHOUT ROLLBACK?"),
            vec![format!(
                "StopDeployment {id} with autoRollbackEnabled=false"
            )],
            vec![
                format!(
                    "the alias STAYS SPLIT ({}) — traffic keeps going to both versions",
                    blast.weights
                ),
                format!(
                    "later deployments of {function} WILL FAIL until the split is resolved (alias \
                     back to v{old} or forward to v{new})"
                ),
            ],
        ),
        Action::ContinueReady => (
            format!("CONTINUE {subject}?"),
            vec![format!(
                "ContinueDeployment {id} (READY_WAIT): reroute traffic now"
            )],
            Vec::new(),
        ),
        Action::HookVerdict {
            event,
            execution_id,
            approve,
        } => {
            let (verb, status) = if *approve {
                ("APPROVE", "Succeeded")
            } else {
                ("REJECT", "Failed")
            };
            let after = if *approve {
                format!("the deployment carries on past {event}")
            } else {
                format!("the deployment fails at {event} (and rolls back if the group says so)")
            };
            (
                format!("{verb} the {event} hook of {subject}?"),
                vec![format!(
                    "PutLifecycleEventHookExecutionStatus {id} execution {execution_id} status={status}"
                )],
                vec![after],
            )
        }
        Action::PromoteNow => (
            format!("PROMOTE {subject} NOW (skip the remaining canary/linear wait)?"),
            vec![
                format!("StopDeployment {id} with autoRollbackEnabled=false; wait until Stopped"),
                format!(
                    "GetAlias, then UpdateAlias {subject} to 100% v{old} guarded by its RevisionId"
                ),
                format!(
                    "CreateDeployment of the same AppSpec (v{old} → v{new}) with {ALL_AT_ONCE}"
                ),
                format!("follow it until Succeeded with 100% on v{new}"),
            ],
            vec![
                format!(
                    "{id} ends Stopped; a new deployment shifts 100% to v{new} at once (hooks and \
                     alarms still run)"
                ),
                format!("between the stop and the redeploy the alias is briefly 100% on v{old}"),
            ],
        ),
        Action::ResolveSplit { to } => {
            let version = match to {
                SplitResolution::BackToOld => &old,
                SplitResolution::ForwardToNew => &new,
            };
            (
                format!("SET {subject} TO 100% v{version}?"),
                vec![format!(
                    "GetAlias, then UpdateAlias {subject} FunctionVersion={version} with no \
                     additional weights, guarded by its RevisionId (a concurrent change is \
                     reported, never overwritten)"
                )],
                vec![match blast.source {
                    Source::CodeDeploy => {
                        format!("all traffic goes to v{version}; deployment {id} stays Stopped")
                    }
                    Source::Alias => format!(
                        "all traffic goes to v{version}; no deployment owns the split, so \
                         nothing else changes"
                    ),
                }],
            )
        }
    };
    Confirmation {
        title,
        steps,
        consequences,
        typed: protected.then(|| subject.clone()),
        blast,
    }
}

/// The AppSpec content (JSON) that deploys `spec` again: same function, alias, versions, hooks.
pub fn appspec_content(spec: &AppSpec) -> String {
    let mut hooks = Vec::new();
    if let Some(h) = &spec.before_allow_traffic {
        hooks.push(serde_json::json!({ "BeforeAllowTraffic": h }));
    }
    if let Some(h) = &spec.after_allow_traffic {
        hooks.push(serde_json::json!({ "AfterAllowTraffic": h }));
    }
    let mut doc = serde_json::json!({
        "version": 0.0,
        "Resources": [{
            "rollwatchTarget": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Name": spec.function,
                    "Alias": spec.alias,
                    "CurrentVersion": spec.current_version,
                    "TargetVersion": spec.target_version,
                }
            }
        }]
    });
    if !hooks.is_empty() {
        doc["Hooks"] = serde_json::Value::Array(hooks);
    }
    doc.to_string()
}
