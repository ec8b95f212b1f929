//! Lambda response shapes (`FunctionConfiguration`, `AliasConfiguration`) as the botocore model names
//! their members.

use serde_json::{Value, json};

use super::{Alias, Function};

/// `LastModified` as Lambda writes it: `2026-01-01T00:00:00.000+0000` (a string, not a timestamp).
pub fn last_modified(epoch_secs: f64) -> String {
    let millis = (epoch_secs * 1000.0) as i64;
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
        .unwrap_or_default()
}

/// `FunctionConfiguration` of `$LATEST` (`version == None`) or of a published version.
pub fn function_configuration(f: &Function, version: Option<u64>) -> Value {
    let (ver, arn, description, sha, revision, modified) =
        match version.and_then(|n| f.versions.get(&n)) {
            Some(v) => (
                v.number.to_string(),
                format!("{}:{}", f.arn(), v.number),
                v.description.clone(),
                v.code_sha.clone(),
                v.revision.clone(),
                v.last_modified,
            ),
            None => (
                "$LATEST".to_owned(),
                f.arn(),
                f.description.clone(),
                f.code_sha.clone(),
                f.revision.clone(),
                f.last_modified,
            ),
        };
    json!({
        "FunctionName": f.name,
        "FunctionArn": arn,
        "Runtime": f.runtime,
        "Role": f.role,
        "Handler": f.handler,
        "CodeSize": f.code_size,
        "Description": description,
        "Timeout": f.timeout,
        "MemorySize": f.memory,
        "LastModified": last_modified(modified),
        "CodeSha256": sha,
        "Version": ver,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": revision,
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f.log_group},
    })
}

/// `AliasConfiguration`. `RoutingConfig` is present only when the alias has weights.
pub fn alias_configuration(f: &Function, alias: &Alias) -> Value {
    let mut value = json!({
        "AliasArn": format!("{}:{}", f.arn(), alias.name),
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
        "RevisionId": alias.revision,
    });
    if !alias.weights.is_empty() {
        value["RoutingConfig"] = json!({ "AdditionalVersionWeights": alias.weights });
    }
    value
}

#[cfg(test)]
mod tests {
    use super::last_modified;

    #[test]
    fn last_modified_is_lambdas_string_format() {
        assert_eq!(
            last_modified(1_767_225_600.0),
            "2026-01-01T00:00:00.000+0000"
        );
    }
}
