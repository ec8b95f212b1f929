//! The actions tests' environment: a frozen-clock sandbox, rollwatch's own reader and writer
//! pointed at it, the picture's view of a deployment, an executor whose follow advances the sandbox clock instead of
//! sleeping, and the sandbox's call counters.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rollwatch::actions::{
    AuditLog, Context, Executor, Follow, Initiator, Pause, Prepared, Report, Request, prepare,
};
use rollwatch::aws::{AwsReader, AwsWriter, Mode, connect, connect_writer};

pub use super::run::options;
use rollwatch::domain::DeploymentView;
use rollwatch::engine::{PictureOptions, collect_picture};
use rollwatch::sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

/// A sandbox with rollwatch's reader, writer and an executor writing to a temp audit log.
pub struct Env {
    pub sandbox: Arc<Sandbox>,
    pub readers: Vec<std::sync::Arc<AwsReader>>,
    pub writer: AwsWriter,
    pub executor: Executor,
    pub audit: AuditLog,
    pub dir: tempfile::TempDir,
}

pub fn sandbox_config(scenario: &str, faults: Option<&str>) -> SandboxConfig {
    let config = super::sdk::config(scenario);
    match faults {
        Some(rules) => config.faults(rules),
        None => config,
    }
}

/// Advances the sandbox clock by `secs` per poll.
pub struct Advance(pub Arc<Sandbox>, pub f64);

impl Pause for Advance {
    fn pause(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.0.advance(self.1);
        Box::pin(tokio::task::yield_now())
    }
}

pub async fn env(scenario: &str, faults: Option<&str>) -> Env {
    env_with_timeout(scenario, faults, 10).await
}

/// An environment whose calls time out after `call_timeout_secs`.
pub async fn env_with_timeout(scenario: &str, faults: Option<&str>, call_timeout_secs: u32) -> Env {
    let sandbox = Arc::new(
        Sandbox::start(sandbox_config(scenario, faults))
            .await
            .unwrap(),
    );
    let mut opts = options(&sandbox);
    opts.limits.call_timeout_secs = call_timeout_secs;
    let readers = connect(&opts)
        .await
        .unwrap()
        .into_iter()
        .map(Arc::new)
        .collect();
    let writer = connect_writer(&opts, sandbox.region(), &Mode::Operator)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let audit = AuditLog::at(dir.path().join("audit.jsonl"));
    let executor = Executor::new(
        audit.clone(),
        Follow {
            pause: Arc::new(Advance(sandbox.clone(), 15.0)),
            max_polls: 400,
            cancel: tokio_util::sync::CancellationToken::new(),
        },
    );
    Env {
        sandbox,
        readers,
        writer,
        executor,
        audit,
        dir,
    }
}

pub fn context(protected: bool) -> Context {
    Context {
        profile: rollwatch::domain::Profile::named("sandbox"),
        region: "us-east-1".into(),
        protected,
        initiator: Initiator::Person {
            local_user: "alice".into(),
            via: "test".into(),
        },
    }
}

impl Env {
    /// The audit log as `rollwatch audit` shows it: one record per attempt.
    pub fn records(&self) -> Vec<rollwatch::actions::AuditRecord> {
        rollwatch::actions::paired(
            self.audit
                .read()
                .unwrap()
                .into_iter()
                .map(Result::unwrap)
                .collect(),
        )
    }

    /// The picture's view of the deployment of `function` (the newest one shown).
    pub async fn view(&self, function: &str) -> DeploymentView {
        let picture = collect_picture(&self.readers, PictureOptions::default()).await;
        picture
            .regions
            .into_iter()
            .flat_map(|r| r.deployments)
            .find(|v| v.deployment.subject().starts_with(&format!("{function}:")))
            .unwrap_or_else(|| panic!("no deployment of {function} in the picture"))
    }

    pub async fn prepare(&self, function: &str, request: Request) -> Prepared {
        let view = self.view(function).await;
        prepare(&self.writer, &view, &request, context(false)).await
    }

    /// Prepares, confirms with `y` and runs.
    pub async fn run(&self, function: &str, request: Request) -> Report {
        let prepared = self.prepare(function, request).await;
        if let Some(why) = prepared.refusal() {
            panic!("refused: {why}");
        }
        self.confirm_and_run(prepared).await
    }

    /// Confirms `prepared` with `y` and runs it.
    pub async fn confirm_and_run(&self, prepared: Prepared) -> Report {
        let confirmed = prepared.confirm("y").unwrap();
        self.executor.run(&self.writer, confirmed, None).await
    }

    /// The live alias as (primary version, additional weights).
    pub async fn alias(&self, function: &str) -> (String, Vec<(String, f64)>) {
        let a = rollwatch::aws::DeploymentWriter::alias(&self.writer, function, "live")
            .await
            .unwrap();
        (a.primary_version, a.additional)
    }

    pub async fn stats(&self) -> Value {
        super::http::stats_of(&self.sandbox).await
    }
}
