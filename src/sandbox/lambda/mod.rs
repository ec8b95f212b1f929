//! Simulated Lambda control plane: functions, published versions and weighted aliases (no code
//! ever runs). The HTTP side lives in [`ops`]; the simulation changes aliases through
//! [`Lambda::set_routing`], which records every change in the ground truth.

pub mod json;
pub mod ops;
pub mod request;
pub mod write;

use std::collections::BTreeMap;

use serde_json::json;

use crate::sandbox::ids::IdGen;
use crate::sandbox::observe::Observer;

/// How long a simulated execution environment (and so its log stream) lives.
const ENVIRONMENT_LIFETIME_SECS: f64 = 2.0 * 3600.0;

/// Account id used in every ARN.
pub const ACCOUNT: &str = "123456789012";
/// Region the sandbox answers as.
pub const REGION: &str = "us-east-1";

/// A published version.
#[derive(Debug, Clone)]
pub struct Version {
    pub number: u64,
    pub description: String,
    pub code_sha: String,
    pub revision: String,
    pub last_modified: f64,
}

/// A (possibly weighted) alias.
#[derive(Debug, Clone)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    pub weights: BTreeMap<String, f64>,
    pub description: String,
    pub revision: String,
}

/// A function with its `$LATEST` configuration, versions and aliases.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub description: String,
    pub memory: u32,
    pub timeout: u32,
    pub code_sha: String,
    pub code_size: u64,
    pub revision: String,
    pub last_modified: f64,
    pub log_group: String,
    pub versions: BTreeMap<u64, Version>,
    pub aliases: BTreeMap<String, Alias>,
}

impl Function {
    /// `arn:aws:lambda:us-east-1:123456789012:function:<name>`.
    pub fn arn(&self) -> String {
        function_arn(&self.name)
    }

    /// The version an alias's primary points at, and its weights, if the alias exists.
    pub fn alias(&self, name: &str) -> Option<&Alias> {
        self.aliases.get(name)
    }
}

/// The ARN of a function.
pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

/// All simulated Lambda state.
#[derive(Debug)]
pub struct Lambda {
    pub functions: BTreeMap<String, Function>,
    pub ids: IdGen,
    /// Execution environment per (function, version): its log stream name and start time.
    streams: BTreeMap<(String, String), (String, f64)>,
}

/// What a scenario or `CreateFunction` supplies for a new function.
#[derive(Debug, Clone, Default)]
pub struct NewFunction {
    pub name: String,
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub memory: Option<u32>,
    pub timeout: Option<u32>,
    pub code_sha: String,
    pub code_size: u64,
    pub log_group: Option<String>,
}

impl Lambda {
    /// No functions.
    pub fn new(seed: u64) -> Self {
        Self {
            functions: BTreeMap::new(),
            ids: IdGen::new(seed ^ 0x001a_3bda),
            streams: BTreeMap::new(),
        }
    }

    /// Creates a function (false if one with that name exists).
    pub fn create_function(&mut self, spec: NewFunction, now: f64) -> bool {
        if self.functions.contains_key(&spec.name) {
            return false;
        }
        let revision = self.ids.uuid();
        let log_group = spec
            .log_group
            .unwrap_or_else(|| format!("/aws/lambda/{}", spec.name));
        let function = Function {
            runtime: spec.runtime.unwrap_or_else(|| "python3.12".into()),
            role: spec
                .role
                .unwrap_or_else(|| format!("arn:aws:iam::{ACCOUNT}:role/lambda-role")),
            handler: spec.handler.unwrap_or_else(|| "app.handler".into()),
            description: spec.description.unwrap_or_default(),
            memory: spec.memory.unwrap_or(128),
            timeout: spec.timeout.unwrap_or(3),
            code_sha: spec.code_sha,
            code_size: spec.code_size,
            revision,
            last_modified: now,
            log_group,
            versions: BTreeMap::new(),
            aliases: BTreeMap::new(),
            name: spec.name.clone(),
        };
        self.functions.insert(spec.name, function);
        true
    }

    /// Publishes a new version of `$LATEST`; returns its number.
    pub fn publish(&mut self, name: &str, description: Option<String>, now: f64) -> Option<u64> {
        let revision = self.ids.uuid();
        let function = self.functions.get_mut(name)?;
        let number = function.versions.keys().next_back().map_or(1, |n| n + 1);
        let version = Version {
            number,
            description: description.unwrap_or_else(|| function.description.clone()),
            code_sha: function.code_sha.clone(),
            revision,
            last_modified: now,
        };
        function.versions.insert(number, version);
        Some(number)
    }

    /// Sets an alias's routing (creating the alias if `create`), with a new `RevisionId`, and
    /// records a `weight` ground-truth event tagged with `source` (`api`, `codedeploy`, ...).
    #[allow(clippy::too_many_arguments)]
    pub fn set_routing(
        &mut self,
        obs: &mut Observer,
        now: f64,
        function: &str,
        alias: &str,
        version: &str,
        weights: BTreeMap<String, f64>,
        source: &str,
        deployment_id: Option<&str>,
    ) -> bool {
        let revision = self.ids.uuid();
        let Some(f) = self.functions.get_mut(function) else {
            return false;
        };
        let entry = f.aliases.entry(alias.to_owned()).or_insert_with(|| Alias {
            name: alias.to_owned(),
            function_version: version.to_owned(),
            weights: BTreeMap::new(),
            description: String::new(),
            revision: String::new(),
        });
        version.clone_into(&mut entry.function_version);
        entry.weights = weights;
        entry.revision = revision;
        obs.event(
            now,
            "weight",
            deployment_id,
            Some(function),
            json!({
                "alias": alias,
                "function_version": entry.function_version,
                "additional_version_weights": entry.weights,
                "source": source,
            }),
        );
        true
    }
}

impl Lambda {
    /// The log group and stream of the execution environment running `version` of `function`
    /// (`YYYY/MM/DD/[<version>]<guid>`, dated when the environment started; environments are
    /// recycled every two simulated hours, so streams of the current day exist).
    pub fn log_stream(&mut self, function: &str, version: &str, now: f64) -> (String, String) {
        let group = self.functions.get(function).map_or_else(
            || format!("/aws/lambda/{function}"),
            |f| f.log_group.clone(),
        );
        let custom = group != format!("/aws/lambda/{function}");
        let key = (function.to_owned(), version.to_owned());
        if let Some((stream, started)) = self.streams.get(&key) {
            if now - started < ENVIRONMENT_LIFETIME_SECS {
                return (group, stream.clone());
            }
        }
        let date = chrono::DateTime::from_timestamp(now as i64, 0)
            .map(|t| t.format("%Y/%m/%d").to_string())
            .unwrap_or_default();
        let prefix = if custom { function } else { "" };
        let stream = format!("{date}/{prefix}[{version}]{}", self.ids.hex32());
        self.streams.insert(key, (stream.clone(), now));
        (group, stream)
    }
}

/// Splits a `FunctionName` path label (name, full or partial ARN, or `name:qualifier`) into the
/// function name and an optional qualifier.
pub fn parse_function_name(raw: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] | [_, "function", name] => {
            ((*name).to_owned(), None)
        }
        ["arn", _, "lambda", _, _, "function", name, q] | [_, "function", name, q] | [name, q] => {
            ((*name).to_owned(), Some((*q).to_owned()))
        }
        _ => (raw.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_in_every_form() {
        assert_eq!(parse_function_name("f"), ("f".into(), None));
        assert_eq!(
            parse_function_name("f:live"),
            ("f".into(), Some("live".into()))
        );
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f:3";
        assert_eq!(parse_function_name(arn), ("f".into(), Some("3".into())));
        assert_eq!(
            parse_function_name("123456789012:function:f"),
            ("f".into(), None)
        );
    }

    #[test]
    fn every_routing_change_gets_a_new_revision_and_an_event() {
        let mut lambda = Lambda::new(1);
        let mut obs = Observer::default();
        let spec = NewFunction {
            name: "f".into(),
            ..NewFunction::default()
        };
        assert!(lambda.create_function(spec, 0.0));
        lambda.publish("f", None, 0.0);
        lambda.set_routing(
            &mut obs,
            0.0,
            "f",
            "live",
            "1",
            BTreeMap::new(),
            "test",
            None,
        );
        let r1 = lambda.functions["f"].aliases["live"].revision.clone();
        lambda.set_routing(
            &mut obs,
            1.0,
            "f",
            "live",
            "1",
            BTreeMap::new(),
            "test",
            None,
        );
        assert_ne!(r1, lambda.functions["f"].aliases["live"].revision);
        assert_eq!(obs.events_since(0).count(), 2);
    }
}
