//! A scripted in-memory [`DeploymentReader`] for engine tests: one region, a service clock that
//! follows tokio's (paused) clock, call logs, and switchable failures.

use std::sync::Mutex;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::time::Instant;

use crate::aws::{DeploymentReader, Listing};
use crate::domain::{
    Alarm, AlarmKind, AlarmState, AliasWeights, AppSpec, ClockReading, ClockSource, Creator,
    Deployment, DeploymentConfig, DeploymentStatus, EventStatus, Failure, FailureKind,
    FunctionTarget, GroupSettings, LambdaTarget, LifecycleEvent, MetricWindow, MetricsRequest,
    Revision, RollbackLinks, VersionMetrics,
};

/// Calls the fake received, with the service time of each.
#[derive(Debug, Default, Clone)]
pub struct Calls {
    pub alias: Vec<DateTime<Utc>>,
    pub alarms: Vec<DateTime<Utc>>,
    pub metrics: Vec<DateTime<Utc>>,
    pub listings: usize,
    pub permits_asked: usize,
    pub permits_granted: usize,
}

/// One canary deployment (Canary 10%/5m) of `orders:live` from v1 to v2 whose traffic started
/// at the service time [`FakeReader::t0`].
pub struct FakeReader {
    start: Instant,
    pub calls: Mutex<Calls>,
    pub throttle_alarms: Mutex<bool>,
    pub fail_alias: Mutex<bool>,
    /// Permits granted per call of `lambda_permits` (None: all).
    pub permits: Mutex<Option<usize>>,
}

impl FakeReader {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            calls: Mutex::default(),
            throttle_alarms: Mutex::new(false),
            fail_alias: Mutex::new(false),
            permits: Mutex::new(None),
        }
    }

    /// When the fake deployment's traffic started (the service clock starts here too).
    pub fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn now(&self) -> DateTime<Utc> {
        Self::t0() + Duration::from_std(self.start.elapsed()).unwrap_or_default()
    }

    pub fn calls(&self) -> Calls {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn deployment() -> Deployment {
        Deployment {
            id: "d-CANARY".into(),
            application: "orders-app".into(),
            group: "orders-dg".into(),
            status: DeploymentStatus::InProgress,
            creator: Creator::User,
            config_name: "CodeDeployDefault.LambdaCanary10Percent5Minutes".into(),
            create_time: Some(Self::t0() - Duration::seconds(5)),
            start_time: Some(Self::t0() - Duration::seconds(5)),
            complete_time: None,
            target: None,
            rollback: RollbackLinks::default(),
            error: None,
            status_messages: Vec::new(),
            external_id: None,
            description: None,
            revision: Some(Revision {
                kind: "AppSpecContent".into(),
                content: None,
                sha256: Some("x".into()),
                location: None,
            }),
        }
    }

    fn function() -> FunctionTarget {
        FunctionTarget {
            function: "orders".into(),
            alias: "live".into(),
            current_version: "1".into(),
            target_version: "2".into(),
        }
    }
}

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
            source: ClockSource::Service,
        }
    }

    async fn list_deployments(&self, listing: Listing) -> Result<Vec<String>, Failure> {
        if let Ok(mut c) = self.calls.lock() {
            c.listings += 1;
        }
        Ok(match listing {
            Listing::Active => vec!["d-CANARY".into()],
            Listing::FinishedSince(_) => Vec::new(),
        })
    }

    async fn deployments(&self, ids: &[String]) -> Result<Vec<Deployment>, Failure> {
        Ok(ids
            .iter()
            .filter(|id| *id == "d-CANARY")
            .map(|_| Self::deployment())
            .collect())
    }

    async fn target_ids(&self, _deployment_id: &str) -> Result<Vec<String>, Failure> {
        Ok(vec!["orders".into()])
    }

    async fn lambda_target(
        &self,
        _id: &str,
        _ids: &[String],
    ) -> Result<Option<LambdaTarget>, Failure> {
        let event = |name: &str, status, start: i64| LifecycleEvent {
            name: name.into(),
            status,
            start: Some(Self::t0() + Duration::seconds(start)),
            end: None,
            diagnostics: None,
        };
        Ok(Some(LambdaTarget {
            target_id: "orders".into(),
            status: EventStatus::InProgress,
            function: Self::function(),
            recorded_weight: 0.1,
            last_updated: Some(Self::t0()),
            events: vec![
                event("BeforeAllowTraffic", EventStatus::Succeeded, -5),
                event("AllowTraffic", EventStatus::InProgress, 0),
            ],
        }))
    }

    async fn appspec(&self, _application: &str, _revision: &Revision) -> Result<AppSpec, Failure> {
        let f = Self::function();
        Ok(AppSpec {
            function: f.function,
            alias: f.alias,
            current_version: f.current_version,
            target_version: f.target_version,
            before_allow_traffic: None,
            after_allow_traffic: None,
        })
    }

    async fn deployment_config(&self, name: &str) -> Result<DeploymentConfig, Failure> {
        DeploymentConfig::predefined(name)
            .ok_or_else(|| failure(FailureKind::NotFound, "GetDeploymentConfig"))
    }

    async fn group_settings(
        &self,
        _application: &str,
        _group: &str,
    ) -> Result<GroupSettings, Failure> {
        Ok(GroupSettings {
            alarms_enabled: true,
            alarm_names: vec!["orders-errors".into()],
            ..GroupSettings::default()
        })
    }

    fn lambda_permits(&self, wanted: usize) -> usize {
        let granted = self
            .permits
            .lock()
            .ok()
            .and_then(|p| *p)
            .map_or(wanted, |p| p.min(wanted));
        if let Ok(mut c) = self.calls.lock() {
            c.permits_asked += wanted;
            c.permits_granted += granted;
        }
        granted
    }

    async fn alias(&self, function: &str, alias: &str) -> Result<AliasWeights, Failure> {
        let now = self.now();
        if let Ok(mut c) = self.calls.lock() {
            c.alias.push(now);
        }
        if self.fail_alias.lock().is_ok_and(|f| *f) {
            return Err(failure(FailureKind::Throttled, "GetAlias"));
        }
        let weight = if now >= Self::t0() + Duration::minutes(5) {
            1.0
        } else {
            0.1
        };
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
        if let Ok(mut c) = self.calls.lock() {
            c.alarms.push(self.now());
        }
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
        _window: MetricWindow,
    ) -> Result<Vec<Vec<VersionMetrics>>, Failure> {
        if let Ok(mut c) = self.calls.lock() {
            c.metrics.push(self.now());
        }
        Ok(requests
            .iter()
            .map(|r| {
                r.versions
                    .iter()
                    .map(|v| VersionMetrics {
                        version: v.clone(),
                        points: Vec::new(),
                    })
                    .collect()
            })
            .collect())
    }
}
