//! The IAM policies in assets/iam cover every AWS operation rollwatch calls: the read-only one
//! every read of the watching side, the operator one everything (reads, writes, hook log search).

use std::collections::BTreeSet;
use std::path::Path;

fn actions(file: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/iam")
        .join(file);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// `.get_alias()` → `GetAlias` for every SDK operation called under `dir`.
fn operations(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            operations(&path, out);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for prefix in [
            "list_",
            "batch_get_",
            "get_",
            "describe_",
            "filter_",
            "stop_",
            "continue_",
            "put_",
            "create_",
            "update_",
        ] {
            for (at, _) in text.match_indices(&format!(".{prefix}")) {
                let rest = &text[at + 1..];
                let Some(end) = rest.find(|c: char| !(c.is_ascii_lowercase() || c == '_')) else {
                    continue;
                };
                if !rest[end..].starts_with("()") {
                    continue;
                }
                let pascal: String = rest[..end]
                    .split('_')
                    .map(|w| {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    })
                    .collect();
                out.insert(pascal);
            }
        }
    }
}

#[test]
fn the_operator_policy_allows_every_operation_rollwatch_calls() {
    let operator = actions("rollwatch-operator.json");
    let mut ops = BTreeSet::new();
    operations(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws"),
        &mut ops,
    );
    // Not AWS operations, or allowed to everyone.
    for exempt in ["CreateTime", "GetCallerIdentity"] {
        ops.remove(exempt);
    }
    assert!(ops.len() >= 18, "{ops:?}");
    let missing: Vec<&String> = ops
        .iter()
        .filter(|op| !operator.iter().any(|a| a.ends_with(&format!(":{op}"))))
        .collect();
    assert!(missing.is_empty(), "operator policy lacks {missing:?}");
}

#[test]
fn the_read_only_policy_is_the_reads_and_nothing_that_writes() {
    let read_only = actions("rollwatch-read-only.json");
    let operator = actions("rollwatch-operator.json");
    assert!(read_only.is_subset(&operator));
    for a in &read_only {
        let op = a.split(':').nth(1).unwrap();
        assert!(
            ["List", "BatchGet", "Get", "Describe"]
                .iter()
                .any(|p| op.starts_with(p)),
            "{a} is not a read"
        );
    }
    for needed in [
        "lambda:GetAlias",
        "codedeploy:BatchGetDeployments",
        "cloudwatch:GetMetricData",
    ] {
        assert!(read_only.contains(needed), "{needed}");
    }
}
