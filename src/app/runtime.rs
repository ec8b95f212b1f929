//! The TUI's write side: at start-up, the guards (`--read-only`, the profile's
//! `read_only`/`protected`), one writer per watched profile and region (never constructed in
//! read-only mode: the refusal becomes the reason the keys are disabled), the audit log and the
//! executor ([`setup`]); then an action prepared, run or declined, each in a spawned task whose
//! result comes back to the loop as a [`Msg`] ([`Runtime`], called by the TUI's one performer,
//! `super::perform`).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::actions::{
    AuditLog, Confirmed, Context, Executor, Follow, Initiator, Prepared, Request, prepare, settings,
};
use crate::aws::{AwsWriter, ConnectOptions, Mode, connect_writer};
use crate::config::ProfileSettings;
use crate::domain::{DeploymentView, Place, Profile};
use crate::tui::update::Msg;

/// The write side of one profile: its writers per region, or why it has none.
struct ProfileSide {
    writers: HashMap<String, Arc<AwsWriter>>,
    /// Why this profile's actions are refused (read-only, a writer that could not be built).
    refused: Option<String>,
    protected: bool,
}

/// What the actions need at run time.
pub struct Runtime {
    /// By profile.
    sides: HashMap<Profile, ProfileSide>,
    executor: Executor,
    tx: UnboundedSender<Msg>,
    /// Stops following running actions (on quit); they still write their audit line.
    cancel: tokio_util::sync::CancellationToken,
    /// Actions still running, awaited on quit so no audit line is lost.
    running: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// The result of setting the actions up.
pub struct Setup {
    /// `None` when the actions are disabled.
    pub runtime: Option<Runtime>,
    /// Why the action keys are disabled, if they are (for every profile).
    pub disabled: Option<String>,
    pub read_only: bool,
    /// Where the action results come back.
    pub rx: UnboundedReceiver<Msg>,
    /// Where they are sent (log reads and failed hand-offs too).
    pub(super) tx: UnboundedSender<Msg>,
}

/// One watched profile, for [`setup`]: how to reach it, its regions and its settings.
pub struct ProfileActions {
    pub options: ConnectOptions,
    pub regions: Vec<String>,
    pub settings: ProfileSettings,
}

/// Loads the guards and builds the write side of every profile (none in read-only mode: the
/// refusal becomes the reason its rows' action keys say no). The keys are disabled only when
/// no profile can act.
pub async fn setup(profiles: Vec<ProfileActions>, read_only_flag: bool) -> Setup {
    let (tx, rx) = unbounded_channel();
    let disabled = |why: String, read_only: bool, rx, tx| Setup {
        runtime: None,
        disabled: Some(why),
        read_only,
        rx,
        tx,
    };
    let modes: Vec<Mode> = profiles
        .iter()
        .map(|p| settings::mode(read_only_flag, p.settings, &p.options.profile))
        .collect();
    let all_read_only = modes.iter().all(|m| matches!(m, Mode::ReadOnly(_)));
    // Refuse early: no write side at all when the audit file cannot be appended to.
    let audit = match AuditLog::default_location().and_then(|a| a.check_writable().map(|()| a)) {
        Ok(a) => a,
        Err(e) => {
            return disabled(
                format!("refusing to act without an audit log: {e}"),
                all_read_only,
                rx,
                tx,
            );
        }
    };
    let mut sides = HashMap::new();
    for (p, mode) in profiles.into_iter().zip(modes) {
        let mut side = ProfileSide {
            writers: HashMap::new(),
            refused: None,
            protected: p.settings.protected,
        };
        for region in &p.regions {
            match connect_writer(&p.options, region, &mode).await {
                Ok(w) => {
                    side.writers.insert(region.clone(), Arc::new(w));
                }
                Err(f) => {
                    side.refused = Some(f.message);
                    side.writers.clear();
                    break;
                }
            }
        }
        sides.insert(p.options.profile.clone(), side);
    }
    if sides.values().all(|s| s.refused.is_some()) {
        let mut reasons: Vec<String> = sides.values().filter_map(|s| s.refused.clone()).collect();
        reasons.dedup();
        return disabled(reasons.join("; "), all_read_only, rx, tx);
    }
    let follow = Follow::default();
    let follow_cancel = follow.cancel.clone();
    Setup {
        runtime: Some(Runtime {
            sides,
            cancel: follow_cancel,
            running: std::sync::Mutex::default(),
            executor: Executor::new(audit, follow),
            tx: tx.clone(),
        }),
        disabled: None,
        read_only: false,
        rx,
        tx,
    }
}

impl Setup {
    /// "profile beta: read-only …" for each watched profile whose actions are refused while
    /// others can act (empty when all or none can).
    pub fn profiles_that_cannot_act(&self) -> Vec<String> {
        let Some(runtime) = &self.runtime else {
            return Vec::new();
        };
        let mut out: Vec<String> = runtime
            .sides
            .iter()
            .filter_map(|(profile, side)| {
                let why = side.refused.as_ref()?;
                Some(format!("profile {}: {why}", profile.label()))
            })
            .collect();
        out.sort();
        out
    }
}

impl Runtime {
    /// On quit: stops following running actions and waits (up to 10 s each) for them to write
    /// their audit lines. What was already sent to AWS carries on there.
    pub async fn finish(self) {
        self.cancel.cancel();
        let handles = std::mem::take(
            &mut *self
                .running
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for handle in handles {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), handle).await;
        }
    }

    /// Prepares the action `request` asks for on `view` in a task (STS and GetAlias for the
    /// blast radius): `Msg::Prepared` brings it back, or its refusal.
    pub fn prepare(
        &self,
        view: DeploymentView,
        place: &Place,
        request: Request,
        guard_rule: Option<String>,
    ) {
        let initiator = match guard_rule {
            Some(rule) => Initiator::Guard { rule },
            None => Initiator::person("tui"),
        };
        let (profile, region) = (&place.profile, place.region.as_str());
        let side = self.sides.get(profile);
        let context = Context {
            profile: profile.clone(),
            region: region.to_string(),
            protected: side.is_some_and(|s| s.protected),
            initiator,
        };
        let tx = self.tx.clone();
        let Some(writer) = self.writer(place) else {
            let who = profile.name().unwrap_or("the default credentials");
            let why = match side.and_then(|s| s.refused.clone()) {
                Some(why) => format!("{who}: {why}"),
                None => format!("no write side for {who} in region {region}"),
            };
            let _ = tx.send(Msg::Prepared(Box::new(Prepared::refused(
                &view, &request, context, why,
            ))));
            return;
        };
        tokio::spawn(async move {
            let prepared = Box::pin(prepare(&*writer, &view, &request, context)).await;
            let _ = tx.send(Msg::Prepared(Box::new(prepared)));
        });
    }

    /// Runs a confirmed action in a task: its progress lines come back as
    /// `Msg::ActionProgress`, its report as `Msg::ActionDone`.
    pub fn run(&self, confirmed: Confirmed) {
        let id = confirmed.prepared().deployment_id().to_string();
        let place = Place::new(
            confirmed.prepared().profile().clone(),
            confirmed.prepared().region(),
        );
        let Some(writer) = self.writer(&place) else {
            tracing::warn!("no writer for {place:?}");
            return;
        };
        let executor = self.executor.clone();
        let tx = self.tx.clone();
        let handle = tokio::spawn(async move {
            let (ptx, mut prx) = unbounded_channel::<String>();
            let lines = tx.clone();
            let pid = id.clone();
            let forward = tokio::spawn(async move {
                while let Some(line) = prx.recv().await {
                    let _ = lines.send(Msg::ActionProgress {
                        deployment_id: pid.clone(),
                        line,
                    });
                }
            });
            let report = Box::pin(executor.run(&*writer, confirmed, Some(ptx))).await;
            let _ = forward.await;
            let _ = tx.send(Msg::ActionDone {
                deployment_id: id,
                report: Box::new(report),
            });
        });
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        running.retain(|h| !h.is_finished());
        running.push(handle);
    }

    /// Records a declined or refused action in the audit log (sends nothing to AWS); the
    /// record comes back as `Msg::ActionDone`.
    pub fn decline(&self, prepared: Prepared) {
        let executor = self.executor.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let report = executor.record_unconfirmed(&prepared);
            let _ = tx.send(Msg::ActionDone {
                deployment_id: prepared.deployment_id().to_string(),
                report: Box::new(report),
            });
        });
    }

    /// The writer of `profile` in `region`.
    fn writer(&self, place: &Place) -> Option<Arc<AwsWriter>> {
        self.sides
            .get(&place.profile)?
            .writers
            .get(&place.region)
            .cloned()
    }
}
