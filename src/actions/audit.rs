//! The audit log: every attempted action (done, failed, refused or cancelled) appended as one
//! JSON line to `audit.jsonl` in the state directory — time, caller identity (STS), the local
//! user and who initiated it (a person, or the guard), profile, region, deployment, action and
//! variant, weights before, every AWS call with its response or error, and the outcome.
//!
//! Audit first: before the first mutating call an "attempt" line is appended and synced to
//! disk, and no call is sent if that fails; the outcome line (same `attempt_id`) follows. If the
//! process dies in between, [`paired`] shows the attempt as "outcome unknown". The file is
//! created 0600 in a 0700 directory (Unix). A write failure is returned to the caller to show,
//! never swallowed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::Profile;
use crate::domain::{AliasWeights, Failure};

/// Who (or what) started an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Initiator {
    /// A person at the TUI or the command line (`via`: `tui`, `cli`).
    Person { local_user: String, via: String },
    /// The guard (`--guard`): `rule` says what it saw, e.g. "verdict FAIL for 120s, …".
    Guard { rule: String },
}

impl Initiator {
    /// A person on this machine (`$USER`/`$USERNAME`), acting through `via`.
    pub fn person(via: &str) -> Self {
        let local_user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_string());
        Self::Person {
            local_user,
            via: via.to_string(),
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every step worked and the end state was reached.
    Done,
    /// An AWS call failed, or the end state was not reached.
    Failed,
    /// Not applicable to the deployment's state, or read-only.
    Refused,
    /// The confirmation was declined.
    Cancelled,
    /// Already in flight for this deployment: nothing was done (not written to the log).
    Busy,
    /// The attempt line, written before the first mutating call; its outcome line follows.
    Attempted,
    /// An attempt whose outcome line never came (the process died, or could not write it):
    /// only ever shown by [`paired`], never written.
    Unknown,
}

/// One AWS call and what came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    pub at: DateTime<Utc>,
    /// `codedeploy:StopDeployment`.
    pub call: String,
    pub request: Value,
    /// The response (when it worked).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub response: Value,
    /// The classified error (when it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AuditError>,
}

/// A failure as the audit keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditError {
    pub kind: String,
    pub message: String,
    pub hint: String,
}

impl From<&Failure> for AuditError {
    fn from(f: &Failure) -> Self {
        Self {
            kind: serde_json::to_value(f.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            message: f.message.clone(),
            hint: f.hint.clone(),
        }
    }
}

/// One line of `audit.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub time: DateTime<Utc>,
    /// Pairs an attempt line with its outcome line (none on refusals and cancellations, which
    /// send nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    /// STS caller ARN (`None` when GetCallerIdentity failed or was not made).
    pub caller_arn: Option<String>,
    pub account: Option<String>,
    pub initiator: Initiator,
    /// The profile's name, or null for the default credential chain.
    #[serde(default)]
    pub profile: Profile,
    pub region: String,
    pub deployment_id: String,
    /// `function:alias`.
    pub subject: String,
    /// `rollback`, `stop`, `continue`, `resolve`.
    pub action: String,
    /// `promote-now`, `approve-hook`, `back-to-old` ...
    pub variant: Option<String>,
    pub weights_before: Option<Weights>,
    pub calls: Vec<CallRecord>,
    pub outcome: Outcome,
    /// What happened, for people.
    pub message: String,
}

/// Alias weights as the audit keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub function: String,
    pub alias: String,
    pub primary_version: String,
    /// (version, share 0–1) beyond the primary.
    pub additional: Vec<(String, f64)>,
    pub revision_id: Option<String>,
}

impl From<&AliasWeights> for Weights {
    fn from(a: &AliasWeights) -> Self {
        Self {
            function: a.function.clone(),
            alias: a.alias.clone(),
            primary_version: a.primary_version.clone(),
            additional: a.additional.clone(),
            revision_id: a.revision_id.clone(),
        }
    }
}

/// The append-only audit file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    lock: Arc<Mutex<()>>,
}

/// The state directory: `ROLLWATCH_STATE_DIR`, else the platform's state (or local data)
/// directory for rollwatch.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ROLLWATCH_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("", "", "rollwatch")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

impl AuditLog {
    /// `audit.jsonl` in [`state_dir`].
    pub fn default_location() -> Result<Self, String> {
        let dir = state_dir().ok_or_else(|| {
            "no home directory to keep the audit log in: set ROLLWATCH_STATE_DIR".to_string()
        })?;
        Ok(Self::at(dir.join("audit.jsonl")))
    }

    /// The audit file at `path`.
    pub fn at(path: PathBuf) -> Self {
        Self {
            path,
            lock: Arc::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line, synced to disk. The error says which file could not be
    /// written and why.
    pub fn append(&self, record: &AuditRecord) -> Result<(), String> {
        let mut line = serde_json::to_string(record)
            .map_err(|e| format!("audit record could not be encoded: {e}"))?;
        line.push('\n');
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fail = |e: std::io::Error| {
            format!(
                "AUDIT LOG NOT WRITTEN to {}: {e} (the action itself was not undone)",
                self.path.display()
            )
        };
        let mut file = self.open().map_err(fail)?;
        file.write_all(line.as_bytes()).map_err(fail)?;
        file.sync_data().map_err(fail)
    }

    /// Opens the file for appending (creating it 0600, and its directory 0700).
    fn open(&self) -> std::io::Result<std::fs::File> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&self.path)
    }

    /// Checks, before anything is sent, that the audit file can be appended to: actions and
    /// the guard are refused at start when it cannot. The error says why and how to fix it.
    pub fn check_writable(&self) -> Result<(), String> {
        self.open().map(|_| ()).map_err(|e| {
            format!(
                "the audit log {} cannot be written ({e}): actions and the guard are disabled; \
                 fix the directory's permissions or set ROLLWATCH_STATE_DIR to a writable one",
                self.path.display()
            )
        })
    }

    /// Every line: a record, or the unreadable line with why.
    pub fn read(&self) -> Result<Vec<Result<AuditRecord, String>>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|e| format!("unreadable line ({e}): {l}")))
            .collect())
    }
}

/// Creates `dir` (and its parents) readable by its owner only (0700 on Unix).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// One record per attempt: the outcome line where one was written (replacing its attempt
/// line), the attempt line marked [`Outcome::Unknown`] where none was, and every line without
/// an attempt id as it is. In file order.
pub fn paired(records: Vec<AuditRecord>) -> Vec<AuditRecord> {
    let finished: std::collections::HashSet<String> = records
        .iter()
        .filter(|r| r.outcome != Outcome::Attempted)
        .filter_map(|r| r.attempt_id.clone())
        .collect();
    records
        .into_iter()
        .filter_map(|mut r| match (&r.attempt_id, r.outcome) {
            (Some(id), Outcome::Attempted) if !finished.contains(id) => {
                r.outcome = Outcome::Unknown;
                r.message = format!(
                    "outcome unknown: rollwatch recorded the attempt but not how it ended (it \
                     was stopped or crashed) — check the deployment and CloudTrail. {}",
                    r.message
                );
                Some(r)
            }
            (Some(_), Outcome::Attempted) => None,
            _ => Some(r),
        })
        .collect()
}

/// A record for people: a heading line, then one line per call.
pub fn readable(record: &AuditRecord) -> Vec<String> {
    let who = match &record.initiator {
        Initiator::Person { local_user, via } => format!("{local_user} via {via}"),
        Initiator::Guard { rule } => format!("guard {rule}"),
    };
    let action = match &record.variant {
        Some(v) => format!("{} ({v})", record.action),
        None => record.action.clone(),
    };
    let mut out = vec![format!(
        "{}  {:<9} {} {}  {action}  by {} [{}]  {}/{}",
        record.time.format("%Y-%m-%d %H:%M:%S UTC"),
        format!("{:?}", record.outcome).to_uppercase(),
        record.deployment_id,
        record.subject,
        record.caller_arn.as_deref().unwrap_or("caller unknown"),
        who,
        record.profile.label(),
        record.region,
    )];
    out.push(format!("    {}", record.message));
    for call in &record.calls {
        let result = match &call.error {
            Some(e) => format!("ERROR {}", e.message),
            None => "ok".to_string(),
        };
        out.push(format!(
            "    {} {} {} → {result}",
            call.at.format("%H:%M:%S"),
            call.call,
            call.request
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> AuditRecord {
        AuditRecord {
            time: DateTime::UNIX_EPOCH,
            attempt_id: None,
            caller_arn: Some("arn:aws:sts::123456789012:assumed-role/oncall/alice".into()),
            account: Some("123456789012".into()),
            initiator: Initiator::Person {
                local_user: "alice".into(),
                via: "tui".into(),
            },
            profile: Profile::named("prod"),
            region: "eu-west-1".into(),
            deployment_id: "d-ABC".into(),
            subject: "checkout:live".into(),
            action: "continue".into(),
            variant: Some("promote-now".into()),
            weights_before: None,
            calls: vec![CallRecord {
                at: DateTime::UNIX_EPOCH,
                call: "codedeploy:StopDeployment".into(),
                request: serde_json::json!({"autoRollbackEnabled": false}),
                response: Value::Null,
                error: Some(AuditError {
                    kind: "access_denied".into(),
                    message: "AccessDeniedException: no".into(),
                    hint: "grant".into(),
                }),
            }],
            outcome: Outcome::Failed,
            message: "StopDeployment failed".into(),
        }
    }

    #[test]
    fn appends_one_line_per_attempt_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = AuditLog::at(dir.path().join("nested/audit.jsonl"));
        assert_eq!(log.read(), Ok(Vec::new()));
        assert_eq!(log.append(&record()), Ok(()));
        assert_eq!(log.append(&record()), Ok(()));
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        assert_eq!(text.lines().count(), 2);
        let back = log.read().unwrap_or_default();
        assert_eq!(back[1], Ok(record()));
    }

    #[test]
    fn a_write_failure_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap_or_else(|e| panic!("{e}"));
        let log = AuditLog::at(blocker.join("audit.jsonl"));
        let err = log.append(&record()).unwrap_err();
        assert!(err.starts_with("AUDIT LOG NOT WRITTEN to "), "{err}");
        let err = log.check_writable().unwrap_err();
        assert!(err.contains("actions and the guard are disabled"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn the_audit_file_and_its_directory_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = AuditLog::at(dir.path().join("state/audit.jsonl"));
        assert_eq!(log.check_writable(), Ok(()));
        assert_eq!(log.append(&record()), Ok(()));
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or_default()
        };
        assert_eq!(mode(log.path()), 0o600);
        assert_eq!(mode(&dir.path().join("state")), 0o700);
    }

    #[test]
    fn an_attempt_without_its_outcome_reads_as_unknown() {
        let attempt = |id: &str| AuditRecord {
            attempt_id: Some(id.into()),
            outcome: Outcome::Attempted,
            calls: Vec::new(),
            ..record()
        };
        let done = AuditRecord {
            attempt_id: Some("a1".into()),
            outcome: Outcome::Done,
            ..record()
        };
        let refused = AuditRecord {
            outcome: Outcome::Refused,
            ..record()
        };
        let out = paired(vec![refused, attempt("a1"), attempt("a2"), done]);
        let outcomes: Vec<Outcome> = out.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Refused, Outcome::Unknown, Outcome::Done],
            "one record per attempt, in order"
        );
        assert!(
            out[1].message.starts_with("outcome unknown"),
            "{}",
            out[1].message
        );
        assert!(out[1].message.contains("CloudTrail"));
    }

    #[test]
    fn readable_names_the_person_the_action_and_each_call() {
        let lines = readable(&record());
        assert_eq!(
            lines[0],
            "1970-01-01 00:00:00 UTC  FAILED    d-ABC checkout:live  continue (promote-now)  by \
             arn:aws:sts::123456789012:assumed-role/oncall/alice [alice via tui]  prod/eu-west-1"
        );
        assert!(
            lines[2].contains("codedeploy:StopDeployment"),
            "{}",
            lines[2]
        );
        assert!(
            lines[2].ends_with("→ ERROR AccessDeniedException: no"),
            "{}",
            lines[2]
        );
    }
}
