//! The guard (opt-in with `--guard`): it rolls back a deployment whose canary verdict has stayed
//! Fail for `fail_for_secs`, after a visible countdown of `countdown_secs` that the on-call can
//! cancel with one key. Pure: it is fed each picture and each tick with "now" on the service's
//! clock and that clock's rate (simulated seconds per real second: 1 on AWS, the speed of an
//! accelerated sandbox), and says what to show and when to fire. "Stays Fail" is measured on the
//! service's clock (the data's own time); the countdown is in real seconds, because a person
//! has to read it and react. A verdict that stops being Fail, or a deployment that ends,
//! disarms it; a cancelled or fired deployment is never armed again in this session.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Source;
use super::picture::Picture;
use super::verdict::Judgement;

/// The shortest countdown: the on-call must be able to read it and press the key.
pub const MIN_COUNTDOWN_SECS: u32 = 5;

/// The `[guard]` section of the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuardConfig {
    /// Seconds the verdict must stay Fail (on the service's clock) before the countdown starts.
    pub fail_for_secs: u32,
    /// Real seconds of visible countdown before the rollback is sent (at least 5).
    pub countdown_secs: u32,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            fail_for_secs: 120,
            countdown_secs: 30,
        }
    }
}

/// Where the guard is for one deployment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// The verdict has been Fail since `since` (service time).
    Failing { since: DateTime<Utc> },
    /// The rollback is sent at `fire_at` (service time) unless cancelled.
    CountingDown { fire_at: DateTime<Utc> },
    /// The on-call cancelled: the guard stands down for this deployment.
    Cancelled,
    /// The rollback was requested.
    Fired,
}

#[derive(Debug, Clone, PartialEq)]
struct Track {
    phase: Phase,
    region: String,
    /// `function:alias`.
    subject: String,
    /// The verdict's headline, e.g. "FAIL p99 812 ms vs 401 ms (×2.0), …".
    reason: String,
    /// The metrics behind the verdict are stale: the guard waits (no countdown runs out).
    stale: bool,
    /// The last tick held this deployment (its countdown restarts in full when it resumes).
    held: bool,
}

/// What the front end should show or do.
#[derive(Debug, Clone, PartialEq)]
pub enum GuardEvent {
    /// The verdict turned Fail: the countdown starts after `fail_for_secs` if it stays so.
    Armed { id: String, reason: String },
    /// The countdown started: the rollback is sent in `secs` real seconds.
    CountdownStarted { id: String, secs: u32 },
    /// No longer armed: the verdict recovered or the deployment ended.
    Disarmed { id: String, why: String },
    /// The on-call cancelled.
    Cancelled { id: String },
    /// The guard holds `id`: its countdown does not run while `why` (stale metrics).
    Held { id: String, why: String },
    /// Roll back `id` now; `rule` says why, for the audit line.
    Fire {
        id: String,
        region: String,
        rule: String,
    },
}

/// An armed deployment, as the banner shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Armed {
    pub id: String,
    pub subject: String,
    pub reason: String,
    /// Real seconds until the countdown starts (while Failing) …
    pub countdown_starts_in: Option<u64>,
    /// … or until the rollback is sent (while counting down).
    pub fires_in: Option<u64>,
    /// Why the countdown does not run now, if it does not.
    pub held: Option<String>,
}

/// The guard's state across pictures.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    config: GuardConfig,
    /// Simulated seconds per real second, from the last picture's clock.
    rate: f64,
    tracks: BTreeMap<String, Track>,
    /// The front end cannot show the guard (terminal too small): nothing runs out.
    unseen: bool,
}

/// Why a held guard waits, for people.
const STALE_METRICS: &str = "the metrics behind the verdict are stale";
const UNSEEN: &str = "the terminal is too small to show the countdown";

impl Guard {
    pub fn new(config: GuardConfig) -> Self {
        Self {
            config: GuardConfig {
                countdown_secs: config.countdown_secs.max(MIN_COUNTDOWN_SECS),
                ..config
            },
            rate: 1.0,
            tracks: BTreeMap::new(),
            unseen: false,
        }
    }

    /// Whether the front end can show the guard: while it cannot, no countdown runs out (each
    /// shows its full length again once visible).
    pub fn set_visible(&mut self, visible: bool) {
        self.unseen = !visible;
    }

    pub fn config(&self) -> GuardConfig {
        self.config
    }

    /// A new picture taken at `now` on a clock running at `rate`.
    pub fn observe(&mut self, picture: &Picture, now: DateTime<Utc>, rate: f64) -> Vec<GuardEvent> {
        if rate.is_finite() && rate > 0.0 {
            self.rate = rate;
        }
        let mut events = Vec::new();
        let mut seen = Vec::new();
        for region in &picture.regions {
            for view in &region.deployments {
                let id = &view.deployment.id;
                seen.push(id.clone());
                // Nobody's release process owns a split outside any deployment: never guarded.
                let failing = view.deployment.source == Source::CodeDeploy
                    && view.deployment.status.is_active()
                    && view
                        .verdict
                        .as_ref()
                        .is_some_and(|v| v.overall == Judgement::Fail);
                // The guard acts on fresh data only: metrics older than their staleness limit
                // (or failing to refresh) hold it.
                let metrics = &view.freshness.metrics;
                let stale = metrics.is_stale(now) || metrics.last_error.is_some();
                match (self.tracks.get_mut(id), failing) {
                    (None, true) => {
                        let reason = view
                            .verdict
                            .as_ref()
                            .map_or_else(String::new, super::verdict::Verdict::headline);
                        self.tracks.insert(
                            id.clone(),
                            Track {
                                phase: Phase::Failing { since: now },
                                region: region.region.clone(),
                                subject: view.deployment.subject(),
                                reason: reason.clone(),
                                stale,
                                held: false,
                            },
                        );
                        events.push(GuardEvent::Armed {
                            id: id.clone(),
                            reason,
                        });
                    }
                    (Some(track), true) => {
                        if let Some(v) = &view.verdict {
                            track.reason = v.headline();
                        }
                        if stale && !track.stale {
                            events.push(GuardEvent::Held {
                                id: id.clone(),
                                why: STALE_METRICS.to_string(),
                            });
                        }
                        track.stale = stale;
                    }
                    (Some(track), false) => {
                        if matches!(
                            track.phase,
                            Phase::Failing { .. } | Phase::CountingDown { .. }
                        ) {
                            let why = if view.deployment.status.is_active() {
                                "the verdict is no longer Fail"
                            } else {
                                "the deployment ended"
                            };
                            self.tracks.remove(id);
                            events.push(GuardEvent::Disarmed {
                                id: id.clone(),
                                why: why.to_string(),
                            });
                        }
                    }
                    (None, false) => {}
                }
            }
        }
        let gone: Vec<String> = self
            .tracks
            .keys()
            .filter(|id| !seen.contains(id))
            .cloned()
            .collect();
        for id in gone {
            if let Some(track) = self.tracks.remove(&id)
                && matches!(
                    track.phase,
                    Phase::Failing { .. } | Phase::CountingDown { .. }
                )
            {
                events.push(GuardEvent::Disarmed {
                    id,
                    why: "the deployment ended".to_string(),
                });
            }
        }
        events.extend(self.tick(now));
        events
    }

    /// Time passed: starts countdowns that are due and fires those that ran out.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<GuardEvent> {
        let fail_for = chrono::Duration::seconds(i64::from(self.config.fail_for_secs));
        let countdown = self.service_span(self.config.countdown_secs);
        let mut events = Vec::new();
        for (id, track) in &mut self.tracks {
            if self.unseen || track.stale {
                // Held: the countdown does not run, and shows its full length again when it can.
                if let Phase::CountingDown { fire_at } = &mut track.phase {
                    *fire_at = (*fire_at).max(now + countdown);
                }
                track.held = true;
                continue;
            }
            if std::mem::take(&mut track.held) {
                if let Phase::CountingDown { fire_at } = &mut track.phase {
                    *fire_at = now + countdown;
                }
            }
            if let Phase::Failing { since } = track.phase
                && now - since >= fail_for
            {
                track.phase = Phase::CountingDown {
                    fire_at: now + countdown,
                };
                events.push(GuardEvent::CountdownStarted {
                    id: id.clone(),
                    secs: self.config.countdown_secs,
                });
            }
            if let Phase::CountingDown { fire_at } = track.phase
                && now >= fire_at
            {
                track.phase = Phase::Fired;
                events.push(GuardEvent::Fire {
                    id: id.clone(),
                    region: track.region.clone(),
                    rule: format!(
                        "verdict FAIL for {}s, then a {}s countdown nobody cancelled: {}",
                        self.config.fail_for_secs, self.config.countdown_secs, track.reason
                    ),
                });
            }
        }
        events
    }

    /// The cancel key: the guard stands down for every armed deployment.
    pub fn cancel_all(&mut self) -> Vec<GuardEvent> {
        let mut events = Vec::new();
        for (id, track) in &mut self.tracks {
            if matches!(
                track.phase,
                Phase::Failing { .. } | Phase::CountingDown { .. }
            ) {
                track.phase = Phase::Cancelled;
                events.push(GuardEvent::Cancelled { id: id.clone() });
            }
        }
        events
    }

    /// The armed deployments at `now`, counting down first.
    pub fn armed(&self, now: DateTime<Utc>) -> Vec<Armed> {
        let real_secs = |until: DateTime<Utc>| {
            let service = (until - now).num_milliseconds().max(0) as f64 / 1000.0;
            (service / self.rate).ceil() as u64
        };
        let fail_for = chrono::Duration::seconds(i64::from(self.config.fail_for_secs));
        let mut out: Vec<Armed> = self
            .tracks
            .iter()
            .filter_map(|(id, t)| {
                let (starts, fires) = match t.phase {
                    Phase::Failing { since } => (Some(real_secs(since + fail_for)), None),
                    Phase::CountingDown { fire_at } => (None, Some(real_secs(fire_at))),
                    Phase::Cancelled | Phase::Fired => return None,
                };
                let held = if self.unseen {
                    Some(UNSEEN.to_string())
                } else {
                    t.stale.then(|| STALE_METRICS.to_string())
                };
                Some(Armed {
                    id: id.clone(),
                    subject: t.subject.clone(),
                    reason: t.reason.clone(),
                    countdown_starts_in: starts,
                    fires_in: fires,
                    held,
                })
            })
            .collect();
        out.sort_by_key(|a| (a.fires_in.is_none(), a.fires_in, a.countdown_starts_in));
        out
    }

    /// The phase of `id`, if the guard has seen it fail.
    pub fn phase(&self, id: &str) -> Option<Phase> {
        self.tracks.get(id).map(|t| t.phase)
    }

    /// `real_secs` real seconds on the service's clock.
    fn service_span(&self, real_secs: u32) -> chrono::Duration {
        chrono::Duration::milliseconds((f64::from(real_secs) * self.rate * 1000.0).round() as i64)
    }
}

#[cfg(test)]
mod tests;
