//! What an on-call person must hear about even when not looking at the screen: an alarm going
//! to ALARM, the verdict turning FAIL, a deployment stopped, rolled back or failed, a hook
//! waiting for its verdict, the guard counting down to a rollback. Two successive pictures are
//! compared into [`Notice`]s (pure, like the timeline), and a [`Quiet`] filter drops what the
//! `[notify]` section turned off and what repeats within its minimum interval, so a flapping
//! alarm rings once. How a notice is delivered (bell, OSC 9/777, a command) is the front end's.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AlarmState, Change, DeploymentStatus, DeploymentView, Judgement, Owner, Picture, RegionPicture,
    TimelineEvent,
};

/// One thing to tell the on-call person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// When it was seen (the service's clock).
    pub at: DateTime<Utc>,
    pub region: String,
    /// Whose account the region is (`account` and `profile`, when known): with several
    /// accounts, which one the deployments are in.
    #[serde(flatten)]
    pub owner: Owner,
    /// The deployments it concerns (an alarm watched by several groups concerns them all).
    pub deployment_ids: Vec<String>,
    /// `function:alias` of each, in the same order.
    pub subjects: Vec<String>,
    #[serde(flatten)]
    pub what: What,
}

/// What happened, with what a person needs to act on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// An alarm a deployment group watches went to ALARM: CodeDeploy stops the deployment on
    /// its next poll when the group has alarm-based rollback.
    Alarm { alarm: String, reason: String },
    /// The canary verdict turned FAIL.
    Verdict { reason: String },
    /// The deployment ended Stopped or Failed (a rollback, an alarm, a person, a hook).
    Ended {
        status: DeploymentStatus,
        detail: String,
    },
    /// A hook has been running for a while: it is waiting for its verdict.
    HookWaiting { hook: String, waiting_secs: i64 },
    /// The guard counts down to a rollback (`x` cancels it).
    GuardCountdown { secs: u32 },
    /// An alias was split outside any deployment (by hand, a script, a pipeline): a new
    /// version takes part of the traffic and no release process owns it.
    SplitSeen { shares: String },
    /// That alias is no longer split outside a deployment (whole again, or a deployment's).
    SplitEnded,
}

/// The kinds of notice, each with its own switch in `[notify]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    Alarm,
    Verdict,
    Ended,
    HookWaiting,
    GuardCountdown,
    Split,
}

impl Notice {
    pub fn kind(&self) -> NoticeKind {
        match self.what {
            What::Alarm { .. } => NoticeKind::Alarm,
            What::Verdict { .. } => NoticeKind::Verdict,
            What::Ended { .. } => NoticeKind::Ended,
            What::HookWaiting { .. } => NoticeKind::HookWaiting,
            What::GuardCountdown { .. } => NoticeKind::GuardCountdown,
            What::SplitSeen { .. } | What::SplitEnded => NoticeKind::Split,
        }
    }

    /// One line a person reads in a desktop notification.
    pub fn text(&self) -> String {
        let who = match self.subjects.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        };
        match &self.what {
            What::Alarm { alarm, reason } => format!("ALARM {alarm} ({who}): {reason}"),
            What::Verdict { reason } => format!("verdict FAIL {who}: {reason}"),
            What::Ended { status, detail } => {
                format!("{who} {}{detail}", status.as_str())
            }
            What::HookWaiting { hook, waiting_secs } => format!(
                "{who}: {hook} waiting for its verdict for {}m",
                waiting_secs / 60
            ),
            What::GuardCountdown { secs } => {
                format!("guard rolls back {who} in {secs}s (x cancels)")
            }
            What::SplitSeen { shares } => {
                format!("{who} split outside any deployment: {shares}")
            }
            What::SplitEnded => format!("{who} no longer split outside a deployment"),
        }
    }

    /// What makes two notices "the same" for the minimum interval.
    fn key(&self) -> String {
        let detail = match &self.what {
            What::Alarm { alarm, .. } => alarm.as_str(),
            What::HookWaiting { hook, .. } => hook.as_str(),
            _ => "",
        };
        format!(
            "{:?}/{}/{}/{}/{detail}",
            self.kind(),
            self.owner.account.as_deref().unwrap_or_default(),
            self.region,
            self.deployment_ids.join(",")
        )
    }
}

/// The `[notify]` section of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Ring the terminal bell.
    pub bell: bool,
    /// Desktop notification by escape sequence (OSC 9 and OSC 777, passed through tmux).
    pub osc: bool,
    /// A program and its arguments, run once per notice with the notice as JSON on stdin and in
    /// `ROLLWATCH_NOTICE_*` environment variables (e.g. to post to a chat). Empty: none.
    pub command: Vec<String>,
    /// The same notice (kind, deployment, alarm or hook) is not repeated within this many real
    /// seconds.
    pub min_interval_secs: u32,
    /// A hook running this long (service seconds) is reported as waiting for its verdict.
    pub hook_wait_secs: u32,
    pub alarm: bool,
    pub verdict: bool,
    pub ended: bool,
    pub hook_waiting: bool,
    pub guard: bool,
    /// An alias split outside any deployment, and its end.
    pub split: bool,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            bell: true,
            osc: true,
            command: Vec::new(),
            min_interval_secs: 300,
            hook_wait_secs: 60,
            alarm: true,
            verdict: true,
            ended: true,
            hook_waiting: true,
            guard: true,
            split: true,
        }
    }
}

impl NotifyConfig {
    /// Whether notices of `kind` are wanted.
    pub fn wants(&self, kind: NoticeKind) -> bool {
        match kind {
            NoticeKind::Alarm => self.alarm,
            NoticeKind::Verdict => self.verdict,
            NoticeKind::Ended => self.ended,
            NoticeKind::HookWaiting => self.hook_waiting,
            NoticeKind::GuardCountdown => self.guard,
            NoticeKind::Split => self.split,
        }
    }
}

/// The notices between `old` and `new` (none at start-up: what is already on screen when
/// rollwatch opens is not news). `timeline` is the same pair's timeline, whose status events
/// already cover deployments that ended between two looks.
pub fn notices(
    old: Option<&Picture>,
    new: &Picture,
    timeline: &[TimelineEvent],
    config: &NotifyConfig,
) -> Vec<Notice> {
    let Some(old) = old else {
        return Vec::new();
    };
    let mut out = alarms_fired(old, new);
    for region in &new.regions {
        for view in &region.deployments {
            let notice = |what| Notice {
                at: new.taken_at,
                region: region.region.clone(),
                owner: region.owner.clone(),
                deployment_ids: vec![view.deployment.id.clone()],
                subjects: vec![view.deployment.subject()],
                what,
            };
            let before = old.view(&view.deployment.id);
            if let (Some(verdict), Some(before)) = (&view.verdict, before) {
                let was_fail = before
                    .verdict
                    .as_ref()
                    .is_some_and(|v| v.overall == Judgement::Fail);
                if verdict.overall == Judgement::Fail && !was_fail {
                    let reason = verdict
                        .deciding()
                        .map_or_else(String::new, |m| m.reason.clone());
                    out.push(notice(What::Verdict { reason }));
                }
            }
            if let Some(hook) = waiting_hook(view, new.taken_at, config.hook_wait_secs) {
                let was = before.and_then(|b| waiting_hook(b, old.taken_at, config.hook_wait_secs));
                if was.as_ref().is_none_or(|(name, _)| *name != hook.0) {
                    out.push(notice(What::HookWaiting {
                        hook: hook.0,
                        waiting_secs: hook.1,
                    }));
                }
            }
        }
    }
    out.extend(splits_changed(old, new));
    for event in timeline {
        // A superseded deployment ended long ago: that is not news.
        if matches!(event.change, Change::Superseded { .. }) {
            continue;
        }
        let Some(status @ (DeploymentStatus::Stopped | DeploymentStatus::Failed)) = event.status()
        else {
            continue;
        };
        let found = subject_of(old, new, &event.deployment_id);
        out.push(Notice {
            at: event.at,
            region: found
                .as_ref()
                .map_or_else(String::new, |(r, _)| r.region.clone()),
            owner: found
                .as_ref()
                .map(|(r, _)| r.owner.clone())
                .unwrap_or_default(),
            deployment_ids: vec![event.deployment_id.clone()],
            subjects: found.map(|(_, subject)| subject).into_iter().collect(),
            what: What::Ended {
                status: status.clone(),
                detail: ended_detail(new, &event.deployment_id),
            },
        });
    }
    out
}

/// Aliases split outside any deployment that appeared since the older picture — once the scan
/// has read the whole account (what it finds on its first pass was there before rollwatch
/// started) — and those that ended.
fn splits_changed(old: &Picture, new: &Picture) -> Vec<Notice> {
    let mut out = Vec::new();
    for region in &new.regions {
        let Some(before) = old.regions.iter().find(|r| r.same_place(region)) else {
            continue;
        };
        let notice = |id: &str, what| Notice {
            at: new.taken_at,
            region: region.region.clone(),
            owner: region.owner.clone(),
            deployment_ids: vec![id.to_string()],
            subjects: vec![id.to_string()],
            what,
        };
        let had = |id: &str| before.splits.iter().any(|s| s.id == id);
        if before.alias_scan.last_pass_at.is_some() {
            for split in region.splits.iter().filter(|s| !had(&s.id)) {
                out.push(notice(
                    &split.id,
                    What::SplitSeen {
                        shares: split.shares(),
                    },
                ));
            }
        }
        for gone in before
            .splits
            .iter()
            .filter(|s| !region.splits.iter().any(|n| n.id == s.id))
        {
            out.push(notice(&gone.id, What::SplitEnded));
        }
    }
    out
}

/// Alarms in ALARM now that were not in ALARM in the older picture, one notice per alarm with
/// every deployment that watches it (an alarm belongs to one account and region).
fn alarms_fired(old: &Picture, new: &Picture) -> Vec<Notice> {
    let mut out: Vec<Notice> = Vec::new();
    for region in &new.regions {
        let first_of_region = out.len();
        for view in &region.deployments {
            for alarm in view.alarm_list() {
                if alarm.state != AlarmState::Alarm || was_in_alarm(old, region, &alarm.name) {
                    continue;
                }
                let existing = out[first_of_region..]
                    .iter_mut()
                    .find(|n| matches!(&n.what, What::Alarm { alarm: a, .. } if *a == alarm.name));
                match existing {
                    Some(n) => {
                        n.deployment_ids.push(view.deployment.id.clone());
                        n.subjects.push(view.deployment.subject());
                    }
                    None => out.push(Notice {
                        at: new.taken_at,
                        region: region.region.clone(),
                        owner: region.owner.clone(),
                        deployment_ids: vec![view.deployment.id.clone()],
                        subjects: vec![view.deployment.subject()],
                        what: What::Alarm {
                            alarm: alarm.name.clone(),
                            reason: alarm.reason.clone(),
                        },
                    }),
                }
            }
        }
    }
    out
}

fn was_in_alarm(old: &Picture, region: &RegionPicture, name: &str) -> bool {
    old.regions
        .iter()
        .filter(|r| r.same_place(region))
        .flat_map(|r| &r.deployments)
        .flat_map(DeploymentView::alarm_list)
        .any(|a| a.name == name && a.state == AlarmState::Alarm)
}

/// The hook that has been running at least `wait_secs`, and for how long.
fn waiting_hook(
    view: &DeploymentView,
    now: DateTime<Utc>,
    wait_secs: u32,
) -> Option<(String, i64)> {
    let hook = view.target.value()?.running_hook()?;
    let secs = hook.elapsed(now)?.num_seconds();
    (secs >= i64::from(wait_secs)).then(|| (hook.name.clone(), secs))
}

/// The region (with its owner) and `function:alias` of a deployment, from whichever picture
/// lists it.
fn subject_of<'a>(
    old: &'a Picture,
    new: &'a Picture,
    id: &str,
) -> Option<(&'a RegionPicture, String)> {
    for picture in [new, old] {
        for region in &picture.regions {
            if let Some(v) = region.deployments.iter().find(|v| v.deployment.id == id) {
                return Some((region, v.deployment.subject()));
            }
            let finished = region.recent.value().into_iter().flatten();
            if let Some(d) = finished.into_iter().find(|d| d.id == id) {
                return Some((region, d.subject()));
            }
        }
    }
    None
}

/// ", rolled back by d-…: ALARM_ACTIVE …" from the finished record, when it is listed.
fn ended_detail(new: &Picture, id: &str) -> String {
    let finished = new
        .regions
        .iter()
        .filter_map(|r| r.recent.value())
        .flatten()
        .chain(
            new.regions
                .iter()
                .flat_map(|r| &r.deployments)
                .map(|v| &v.deployment),
        )
        .find(|d| d.id == id);
    let Some(d) = finished else {
        return String::new();
    };
    let rollback = d
        .rollback
        .rollback_deployment_id
        .as_ref()
        .map_or_else(String::new, |r| format!(", rolled back by {r}"));
    let why = d
        .error
        .as_ref()
        .map_or_else(String::new, |e| format!(": {} {}", e.code, e.message));
    format!("{rollback}{why}")
}

/// Drops notices that are turned off or repeat within the minimum interval.
#[derive(Debug, Default)]
pub struct Quiet {
    /// When each notice key was last let through (real time).
    last: HashMap<String, DateTime<Utc>>,
}

impl Quiet {
    /// The notices to deliver at real time `now`.
    pub fn admit(
        &mut self,
        notices: Vec<Notice>,
        config: &NotifyConfig,
        now: DateTime<Utc>,
    ) -> Vec<Notice> {
        let interval = chrono::Duration::seconds(i64::from(config.min_interval_secs));
        let mut out = Vec::new();
        for notice in notices {
            if !config.wants(notice.kind()) {
                continue;
            }
            let key = notice.key();
            if self.last.get(&key).is_some_and(|at| now - *at < interval) {
                continue;
            }
            self.last.insert(key, now);
            out.push(notice);
        }
        // Keys older than the interval can never silence anything again.
        self.last.retain(|_, at| now - *at < interval);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::fixtures::at;

    fn alarm(name: &str, deployment: &str) -> Notice {
        Notice {
            at: at(0),
            region: "us-east-1".into(),
            owner: Owner::default(),
            deployment_ids: vec![deployment.into()],
            subjects: vec!["checkout:live".into()],
            what: What::Alarm {
                alarm: name.into(),
                reason: String::new(),
            },
        }
    }

    #[test]
    fn a_flapping_alarm_rings_once_per_minimum_interval() {
        let config = NotifyConfig::default(); // 300 s
        let mut quiet = Quiet::default();
        assert_eq!(
            quiet.admit(vec![alarm("a", "d-1")], &config, at(0)).len(),
            1
        );
        assert!(
            quiet
                .admit(vec![alarm("a", "d-1")], &config, at(60))
                .is_empty()
        );
        assert!(
            quiet
                .admit(vec![alarm("a", "d-1")], &config, at(299))
                .is_empty()
        );
        // Another alarm, or the same alarm for another deployment, is other news.
        assert_eq!(
            quiet.admit(vec![alarm("b", "d-1")], &config, at(299)).len(),
            1
        );
        assert_eq!(
            quiet.admit(vec![alarm("a", "d-2")], &config, at(299)).len(),
            1
        );
        assert_eq!(
            quiet.admit(vec![alarm("a", "d-1")], &config, at(300)).len(),
            1
        );
    }

    #[test]
    fn each_kind_has_its_own_switch() {
        let mut quiet = Quiet::default();
        let off = NotifyConfig {
            alarm: false,
            ..NotifyConfig::default()
        };
        assert!(quiet.admit(vec![alarm("a", "d-1")], &off, at(0)).is_empty());
        // Switched off, it was not counted: switched on, it rings at once.
        let on = NotifyConfig::default();
        assert_eq!(quiet.admit(vec![alarm("a", "d-1")], &on, at(1)).len(), 1);
    }

    /// A split seen after the scan's first whole pass rings, one there from the start does
    /// not, one kept rings nothing more, and its end rings.
    #[test]
    fn a_split_outside_any_deployment_rings_when_it_appears_and_when_it_ends() {
        use crate::domain::{AliasScan, AliasSplit, AliasWeights, ClockSource, Freshness, Part};
        let split = |id: &str| {
            AliasSplit::of(
                AliasWeights {
                    function: id.into(),
                    alias: "live".into(),
                    primary_version: "1".into(),
                    additional: vec![("2".into(), 0.25)],
                    revision_id: None,
                },
                at(0),
            )
            .expect("split")
        };
        let picture = |splits: Vec<AliasSplit>, passed: bool, secs| Picture {
            schema_version: 1,
            taken_at: at(secs),
            clock: ClockSource::Service,
            regions: vec![RegionPicture {
                region: "us-east-1".into(),
                owner: Owner::default(),
                deployments: Vec::new(),
                listing: Part::Ok { value: 0 },
                recent: Part::Ok { value: Vec::new() },
                listing_freshness: Freshness::default(),
                splits,
                alias_scan: AliasScan {
                    last_pass_at: passed.then(|| at(0)),
                    ..AliasScan::default()
                },
            }],
        };
        let kinds = |notices: Vec<Notice>| -> Vec<(String, String)> {
            notices
                .iter()
                .map(|n| (n.subjects.join(","), n.text()))
                .collect()
        };
        // Found during the first pass: there before rollwatch started, not news.
        let first = picture(vec![split("old")], false, 10);
        assert!(splits_changed(&picture(Vec::new(), false, 0), &first).is_empty());
        // After a whole pass, a new one is news; the one already known is not.
        let known = picture(vec![split("old")], true, 20);
        let new = picture(vec![split("old"), split("reports")], true, 30);
        assert_eq!(
            kinds(splits_changed(&known, &new)),
            [(
                "reports:live".to_string(),
                "reports:live split outside any deployment: v1 75% · v2 25%".to_string()
            )]
        );
        assert!(splits_changed(&new, &new).is_empty(), "kept: nothing more");
        // Whole again: its end rings.
        let whole = picture(vec![split("old")], true, 40);
        assert_eq!(
            kinds(splits_changed(&new, &whole)),
            [(
                "reports:live".to_string(),
                "reports:live no longer split outside a deployment".to_string()
            )]
        );
    }

    /// Two accounts, one region, an alarm of the same name in each: the old picture had
    /// account A's in ALARM; now B's fires too. That is news for B's deployment only.
    #[test]
    fn an_alarm_of_the_same_name_in_another_account_is_its_own_news() {
        use crate::domain::verdict::view::tests::view;
        use crate::domain::{
            AlarmKind, ClockSource, DeploymentAlarm, Freshness, Owner, Part, RegionPicture,
        };
        let region = |account: &str, id: &str, state: AlarmState| {
            let mut v = view(Part::skipped("test"), None);
            v.deployment.id = id.into();
            v.alarms = Part::Ok {
                value: vec![DeploymentAlarm::new(
                    crate::domain::Alarm {
                        name: "checkout-errors".into(),
                        kind: AlarmKind::Metric,
                        state,
                        reason: String::new(),
                        since: None,
                        measure: None,
                        rule: None,
                    },
                    None,
                )],
            };
            RegionPicture {
                region: "us-east-1".into(),
                owner: Owner {
                    profile: crate::domain::Profile::named(account),
                    account: Some(account.into()),
                },
                deployments: vec![v],
                listing: Part::Ok { value: 1 },
                recent: Part::Ok { value: Vec::new() },
                listing_freshness: Freshness::default(),
                splits: Vec::new(),
                alias_scan: crate::domain::AliasScan::default(),
            }
        };
        let picture = |regions, secs| Picture {
            schema_version: 1,
            taken_at: at(secs),
            clock: ClockSource::Service,
            regions,
        };
        let old = picture(
            vec![
                region("a", "d-a", AlarmState::Alarm),
                region("b", "d-b", AlarmState::Ok),
            ],
            0,
        );
        let new = picture(
            vec![
                region("a", "d-a", AlarmState::Alarm),
                region("b", "d-b", AlarmState::Alarm),
            ],
            10,
        );
        let fired = alarms_fired(&old, &new);
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].deployment_ids, vec!["d-b".to_string()]);
        // The notice says whose account it is, for a command posting it to a chat.
        assert_eq!(fired[0].owner.account.as_deref(), Some("b"));
        let json = serde_json::to_value(&fired[0]).expect("notice as JSON");
        assert_eq!(json["account"], "b", "{json}");
        assert_eq!(json["profile"], "b", "{json}");
        // Both fire at once: one notice per account, never one merged across accounts.
        let quiet = picture(
            vec![
                region("a", "d-a", AlarmState::Ok),
                region("b", "d-b", AlarmState::Ok),
            ],
            0,
        );
        let fired = alarms_fired(&quiet, &new);
        let ids: Vec<_> = fired.iter().map(|n| n.deployment_ids.clone()).collect();
        assert_eq!(ids, vec![vec!["d-a".to_string()], vec!["d-b".to_string()]]);
    }
}
