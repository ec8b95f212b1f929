//! A scripted in-memory [`DeploymentReader`] for engine tests: one region of `n` deployments
//! whose traffic all started at [`FakeReader::t0`] (a whole stack on the same schedule), a
//! service clock that follows tokio's (paused) clock, per-service token buckets on that clock,
//! call logs, and switchable failures. Its CodeDeploy shifts each alias at exactly the times a
//! canary or linear config gives (written out here, not taken from the domain's plan), and its
//! record (`targetVersionWeight`) moves with the alias.

use std::sync::Mutex;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::time::Instant;

use crate::aws::{DeploymentReader, Listing, Rate, Service};
use crate::domain::{
    Alarm, AlarmKind, AlarmState, AliasWeights, AppSpec, ClockReading, ClockSource, Deployment,
    DeploymentConfig, DeploymentStatus, EventStatus, Failure, FailureKind, FunctionTarget,
    GroupSettings, LambdaTarget, LifecycleEvent, MetricWindow, MetricsRequest, MinutePoint,
    Revision, VersionMetrics,
};

/// Calls the fake received, with the service time of each.
#[derive(Debug, Default, Clone)]
pub struct Calls {
    pub alias: Vec<(DateTime<Utc>, String)>,
    pub targets: Vec<(DateTime<Utc>, String)>,
    pub records: Vec<DateTime<Utc>>,
    pub alarms: Vec<DateTime<Utc>>,
    pub metrics: Vec<DateTime<Utc>>,
    /// The window of each metrics call.
    pub metric_windows: Vec<MetricWindow>,
    pub listings: usize,
    pub reserved: Vec<(Service, usize, usize)>,
}

impl Calls {
    /// Every call to `service`, with its service time.
    pub fn of(&self, service: Service) -> Vec<DateTime<Utc>> {
        match service {
            Service::Lambda => self.alias.iter().map(|(t, _)| *t).collect(),
            Service::CloudWatch => self.alarms.iter().chain(&self.metrics).copied().collect(),
            Service::CodeDeploy => self
                .targets
                .iter()
                .map(|(t, _)| *t)
                .chain(self.records.iter().copied())
                .collect(),
        }
    }
}

/// How the fake's deployments shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Canary 10% at t0, 100% at t0 + 5 min.
    Canary5,
    /// Linear 10% every minute from t0, 100% at t0 + 9 min.
    Linear1,
}

impl Shape {
    fn config_name(self) -> &'static str {
        match self {
            Self::Canary5 => "CodeDeployDefault.LambdaCanary10Percent5Minutes",
            Self::Linear1 => "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        }
    }

    /// The target's share `secs` after traffic started.
    fn weight(self, secs: i64) -> f64 {
        if secs < 0 {
            return 0.0;
        }
        match self {
            Self::Canary5 if secs < 300 => 0.1,
            Self::Canary5 => 1.0,
            Self::Linear1 => f64::from(u32::try_from(secs / 60).unwrap_or(9).min(9) + 1) / 10.0,
        }
    }
}

/// A token bucket on tokio's clock (the real budgets use the wall clock, which a paused test
/// clock does not move).
#[derive(Debug)]
struct Bucket {
    rate: Rate,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: Rate) -> Self {
        Self {
            rate,
            tokens: f64::from(rate.burst),
            at: Instant::now(),
        }
    }

    fn take(&mut self, wanted: usize) -> usize {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * f64::from(self.rate.per_sec);
        self.tokens = (self.tokens + refill).min(f64::from(self.rate.burst));
        self.at = now;
        // All or nothing, at most a burst (as the real budget).
        let wanted = wanted.min(self.rate.burst as usize);
        if self.tokens.floor() as usize >= wanted {
            self.tokens -= wanted as f64;
            wanted
        } else {
            0
        }
    }
}

/// `n` deployments of `orders-NN:live` from v1 to v2 whose traffic started at
/// [`FakeReader::t0`].
pub struct FakeReader {
    start: Instant,
    count: usize,
    shape: Shape,
    pub calls: Mutex<Calls>,
    pub throttle_alarms: Mutex<bool>,
    pub fail_alias: Mutex<bool>,
    /// The Lambda budget grants nothing.
    pub block_lambda: Mutex<bool>,
    /// The next alarms read panics (a bug inside rollwatch's read task).
    pub panic_alarms: Mutex<bool>,
    buckets: Mutex<[Bucket; 3]>,
}

impl FakeReader {
    /// One canary (10% for 5 minutes), with rollwatch's default budgets.
    pub fn new() -> Self {
        Self::fleet(1, Shape::Canary5, crate::aws::Limits::default())
    }

    /// `count` deployments shaped `shape`, within `limits`.
    pub fn fleet(count: usize, shape: Shape, limits: crate::aws::Limits) -> Self {
        Self {
            start: Instant::now(),
            count,
            shape,
            calls: Mutex::default(),
            throttle_alarms: Mutex::new(false),
            fail_alias: Mutex::new(false),
            block_lambda: Mutex::new(false),
            panic_alarms: Mutex::new(false),
            buckets: Mutex::new([
                Bucket::new(limits.codedeploy),
                Bucket::new(limits.lambda),
                Bucket::new(limits.cloudwatch),
            ]),
        }
    }

    /// When the deployments' traffic started (the service clock starts here too).
    pub fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
            .single()
            .unwrap_or_default()
    }

    /// Service time now.
    pub fn now(&self) -> DateTime<Utc> {
        Self::t0() + Duration::from_std(self.start.elapsed()).unwrap_or_default()
    }

    /// The target's share now, on every alias.
    pub fn weight_now(&self) -> f64 {
        self.shape.weight((self.now() - Self::t0()).num_seconds())
    }

    /// The times each deployment's alias moved (the same for all of them).
    pub fn shift_times(&self, until: DateTime<Utc>) -> Vec<(DateTime<Utc>, f64)> {
        let mut out = Vec::new();
        let mut last = 0.0;
        let mut secs = 0;
        while Self::t0() + Duration::seconds(secs) <= until {
            let w = self.shape.weight(secs);
            if w > last {
                out.push((Self::t0() + Duration::seconds(secs), w));
                last = w;
            }
            secs += 1;
        }
        out
    }

    pub fn calls(&self) -> Calls {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn log(&self, f: impl FnOnce(&mut Calls)) {
        if let Ok(mut c) = self.calls.lock() {
            f(&mut c);
        }
    }

    fn ids(&self) -> Vec<String> {
        (0..self.count).map(|i| format!("d-{i:04}")).collect()
    }

    fn function(id: &str) -> FunctionTarget {
        FunctionTarget {
            function: format!("orders-{}", id.trim_start_matches("d-")),
            alias: "live".into(),
            current_version: "1".into(),
            target_version: "2".into(),
        }
    }

    fn deployment(&self, id: &str) -> Deployment {
        let done = self.weight_now() >= 1.0
            && self.now() >= Self::t0() + Duration::seconds(FINISH_AFTER_SECS);
        let status = if done {
            DeploymentStatus::Succeeded
        } else {
            DeploymentStatus::InProgress
        };
        Deployment {
            application: "orders-app".into(),
            create_time: Some(Self::t0() - Duration::seconds(5)),
            start_time: Some(Self::t0() - Duration::seconds(5)),
            revision: Some(Revision {
                kind: "AppSpecContent".into(),
                content: None,
                sha256: Some(format!("sha-{id}")),
                location: None,
            }),
            ..crate::domain::fixtures::deployment(id, status, self.shape.config_name())
        }
    }
}

/// The deployments end this long after traffic started (long enough for the tests).
const FINISH_AFTER_SECS: i64 = 3600;

fn failure(kind: FailureKind, operation: &str) -> Failure {
    Failure::new(kind, "fake", operation, "scripted failure", None)
}

impl DeploymentReader for FakeReader {
    fn region(&self) -> &'static str {
        "us-east-1"
    }

    fn clock(&self) -> ClockReading {
        ClockReading {
            now: self.now(),
            rate: 1.0,
            rate_known: true,
            source: ClockSource::Service,
        }
    }

    async fn list_deployments(&self, listing: Listing) -> Result<Vec<String>, Failure> {
        self.log(|c| c.listings += 1);
        Ok(match listing {
            Listing::Active | Listing::CreatedSince(_) => self.ids(),
            Listing::FinishedSince(_) => Vec::new(),
        })
    }

    async fn deployments(&self, ids: &[String]) -> Result<Vec<Deployment>, Failure> {
        let now = self.now();
        self.log(|c| c.records.push(now));
        let known = self.ids();
        Ok(ids
            .iter()
            .filter(|id| known.contains(id))
            .map(|id| self.deployment(id))
            .collect())
    }

    async fn lambda_target(
        &self,
        id: &str,
        _target_id: Option<&str>,
    ) -> Result<Option<LambdaTarget>, Failure> {
        let now = self.now();
        self.log(|c| c.targets.push((now, id.to_string())));
        let event = |name: &str, status, start: i64| LifecycleEvent {
            name: name.into(),
            status,
            start: Some(Self::t0() + Duration::seconds(start)),
            end: None,
            diagnostics: None,
        };
        Ok(Some(LambdaTarget {
            target_id: Self::function(id).function,
            status: EventStatus::InProgress,
            function: Self::function(id),
            recorded_weight: self.weight_now(),
            last_updated: Some(now),
            events: vec![
                event("BeforeAllowTraffic", EventStatus::Succeeded, -5),
                event("AllowTraffic", EventStatus::InProgress, 0),
            ],
        }))
    }

    async fn appspecs(
        &self,
        _application: &str,
        revisions: &[Revision],
    ) -> Vec<Result<AppSpec, Failure>> {
        revisions
            .iter()
            .map(|r| {
                let id = r
                    .sha256
                    .as_deref()
                    .unwrap_or_default()
                    .trim_start_matches("sha-");
                let f = Self::function(id);
                Ok(AppSpec {
                    function: f.function,
                    alias: f.alias,
                    current_version: f.current_version,
                    target_version: f.target_version,
                    before_allow_traffic: None,
                    after_allow_traffic: None,
                })
            })
            .collect()
    }

    async fn deployment_config(&self, name: &str) -> Result<DeploymentConfig, Failure> {
        DeploymentConfig::predefined(name)
            .ok_or_else(|| failure(FailureKind::NotFound, "GetDeploymentConfig"))
    }

    async fn group_settings(
        &self,
        _application: &str,
        groups: &[String],
    ) -> Result<Vec<(String, GroupSettings)>, Failure> {
        Ok(groups
            .iter()
            .map(|g| {
                (
                    g.clone(),
                    GroupSettings {
                        alarms_enabled: true,
                        alarm_names: vec![format!("{g}-errors")],
                        ..GroupSettings::default()
                    },
                )
            })
            .collect())
    }

    fn reserve(&self, service: Service, wanted: usize) -> usize {
        if service == Service::Lambda && self.block_lambda.lock().is_ok_and(|b| *b) {
            self.log(|c| c.reserved.push((service, wanted, 0)));
            return 0;
        }
        let granted = self.buckets.lock().map_or(0, |mut b| {
            let i = match service {
                Service::CodeDeploy => 0,
                Service::Lambda => 1,
                Service::CloudWatch => 2,
            };
            b[i].take(wanted)
        });
        self.log(|c| c.reserved.push((service, wanted, granted)));
        granted
    }

    fn rate(&self, service: Service) -> Rate {
        self.buckets.lock().map_or(
            Rate {
                per_sec: 1,
                burst: 1,
            },
            |b| match service {
                Service::CodeDeploy => b[0].rate,
                Service::Lambda => b[1].rate,
                Service::CloudWatch => b[2].rate,
            },
        )
    }

    async fn function_names(
        &self,
        _marker: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), Failure> {
        Ok((Vec::new(), None))
    }

    async fn function_aliases(&self, _function: &str) -> Result<Vec<AliasWeights>, Failure> {
        Ok(Vec::new())
    }

    async fn alias(&self, function: &str, alias: &str) -> Result<AliasWeights, Failure> {
        let now = self.now();
        self.log(|c| c.alias.push((now, function.to_string())));
        if self.fail_alias.lock().is_ok_and(|f| *f) {
            return Err(failure(FailureKind::Throttled, "GetAlias"));
        }
        let weight = self.weight_now();
        let (primary, additional) = if weight >= 1.0 {
            ("2", Vec::new())
        } else {
            ("1", vec![("2".to_string(), weight)])
        };
        Ok(AliasWeights {
            function: function.into(),
            alias: alias.into(),
            primary_version: primary.into(),
            additional,
            revision_id: None,
        })
    }

    async fn alarms(&self, names: &[String]) -> Result<Vec<Alarm>, Failure> {
        let now = self.now();
        self.log(|c| c.alarms.push(now));
        let panic = self
            .panic_alarms
            .lock()
            .is_ok_and(|mut p| std::mem::take(&mut *p));
        assert!(!panic, "a scripted bug in the alarms read");
        if self.throttle_alarms.lock().is_ok_and(|t| *t) {
            return Err(failure(FailureKind::Throttled, "DescribeAlarms"));
        }
        Ok(names
            .iter()
            .map(|n| Alarm {
                name: n.clone(),
                kind: AlarmKind::Metric,
                state: AlarmState::Ok,
                reason: String::new(),
                since: Some(Self::t0()),
                measure: None,
                rule: None,
            })
            .collect())
    }

    async fn version_metrics(
        &self,
        requests: &[MetricsRequest],
        window: MetricWindow,
    ) -> Result<Vec<Vec<VersionMetrics>>, Failure> {
        let now = self.now();
        self.log(|c| {
            c.metrics.push(now);
            c.metric_windows.push(window);
        });
        // Steady traffic every minute of the window (before the deployment too), and the
        // slow-invocation counts when a threshold is asked for (as CloudWatch's PR(:T)).
        let points = |r: &MetricsRequest| -> Vec<MinutePoint> {
            window
                .minutes()
                .map(|at| MinutePoint {
                    at,
                    invocations: Some(100.0),
                    errors: Some(0.0),
                    throttles: Some(0.0),
                    error_rate: Some(0.0),
                    duration_avg_ms: Some(100.0),
                    duration_p50_ms: Some(90.0),
                    duration_p99_ms: Some(200.0),
                    slow: r.slow_above_ms.map(|_| 1.0),
                    business: Vec::new(),
                })
                .collect()
        };
        Ok(requests
            .iter()
            .map(|r| {
                r.versions
                    .iter()
                    .map(|v| VersionMetrics {
                        version: v.clone(),
                        points: points(r),
                        slow_above_ms: r.slow_above_ms,
                    })
                    .collect()
            })
            .collect())
    }
}
