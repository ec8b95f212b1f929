//! AppSpec parsing for Lambda deployments: YAML or JSON (JSON is YAML), keys matched
//! case-insensitively (the AWS docs write both `Resources` and `resources`), versions read as
//! strings even when written as numbers.

use serde::Serialize;
use serde_yaml_ng::Value;

/// What a Lambda AppSpec says: which alias moves from which version to which, and its hooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppSpec {
    pub function: String,
    pub alias: String,
    pub current_version: String,
    pub target_version: String,
    pub before_allow_traffic: Option<String>,
    pub after_allow_traffic: Option<String>,
}

impl AppSpec {
    /// The function, alias and versions this AppSpec moves.
    pub fn function_target(&self) -> super::FunctionTarget {
        super::FunctionTarget {
            function: self.function.clone(),
            alias: self.alias.clone(),
            current_version: self.current_version.clone(),
            target_version: self.target_version.clone(),
        }
    }
}

/// Why an AppSpec could not be read; names the field a person has to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppSpecError {
    #[error("AppSpec is not valid YAML or JSON: {0}")]
    Syntax(String),
    #[error("AppSpec has no {0}")]
    Missing(&'static str),
    #[error("AppSpec field {field} is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// Parses AppSpec content (YAML or JSON).
pub fn parse_appspec(content: &str) -> Result<AppSpec, AppSpecError> {
    let root: Value =
        serde_yaml_ng::from_str(content).map_err(|e| AppSpecError::Syntax(e.to_string()))?;
    let resources = get(&root, "resources").ok_or(AppSpecError::Missing("Resources"))?;
    let first = resources
        .as_sequence()
        .and_then(|s| s.first())
        .ok_or(AppSpecError::Missing("Resources[0]"))?;
    // Each resource is `{<logical name>: {Type, Properties}}`.
    let resource = first
        .as_mapping()
        .and_then(|m| m.values().next())
        .ok_or(AppSpecError::Missing("Resources[0].<name>"))?;
    if let Some(kind) = get(resource, "type").and_then(scalar) {
        if !kind.eq_ignore_ascii_case("AWS::Lambda::Function") {
            return Err(AppSpecError::Invalid {
                field: "Resources[0].Type",
                reason: format!("expected AWS::Lambda::Function, found {kind}"),
            });
        }
    }
    let props = get(resource, "properties").ok_or(AppSpecError::Missing("Properties"))?;
    let field = |key: &str, label: &'static str| {
        get(props, key)
            .and_then(scalar)
            .filter(|s| !s.is_empty())
            .ok_or(AppSpecError::Missing(label))
    };
    let spec = AppSpec {
        function: field("name", "Properties.Name")?,
        alias: field("alias", "Properties.Alias")?,
        current_version: field("currentversion", "Properties.CurrentVersion")?,
        target_version: field("targetversion", "Properties.TargetVersion")?,
        before_allow_traffic: hook(&root, "beforeallowtraffic"),
        after_allow_traffic: hook(&root, "afterallowtraffic"),
    };
    if spec.current_version == spec.target_version {
        return Err(AppSpecError::Invalid {
            field: "Properties.TargetVersion",
            reason: format!("equals CurrentVersion ({})", spec.current_version),
        });
    }
    Ok(spec)
}

/// The value under `key` (case-insensitive) of a mapping.
fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_mapping()?
        .iter()
        .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
        .map(|(_, v)| v)
}

/// A scalar as text (numbers too: `CurrentVersion: 1`).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A hook function name from `Hooks: [{BeforeAllowTraffic: fn}, ...]`.
fn hook(root: &Value, name: &str) -> Option<String> {
    get(root, "hooks")?
        .as_sequence()?
        .iter()
        .find_map(|h| get(h, name).and_then(scalar))
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
version: 0.0
Resources:
  - myLambdaFunction:
      Type: AWS::Lambda::Function
      Properties:
        Name: "myLambdaFunction"
        Alias: "live"
        CurrentVersion: "1"
        TargetVersion: "2"
Hooks:
  - BeforeAllowTraffic: "CodeDeployHook_preTraffic"
  - AfterAllowTraffic: "CodeDeployHook_postTraffic"
"#;

    #[test]
    fn yaml_pascal_case() {
        let spec = parse_appspec(YAML).expect("parses");
        assert_eq!(spec.function, "myLambdaFunction");
        assert_eq!(spec.alias, "live");
        assert_eq!(
            (spec.current_version.as_str(), spec.target_version.as_str()),
            ("1", "2")
        );
        assert_eq!(
            spec.before_allow_traffic.as_deref(),
            Some("CodeDeployHook_preTraffic")
        );
        assert_eq!(
            spec.after_allow_traffic.as_deref(),
            Some("CodeDeployHook_postTraffic")
        );
    }

    #[test]
    fn json_as_sent_in_create_deployment() {
        let json = r#"{"version":0.0,"Resources":[{"myLambdaFunction":{"Type":"AWS::Lambda::Function","Properties":{"Name":"myLambdaFunction","Alias":"live","CurrentVersion":"1","TargetVersion":"2"}}}],"Hooks":[{"BeforeAllowTraffic":"CodeDeployHook_preTraffic"}]}"#;
        let spec = parse_appspec(json).expect("parses");
        assert_eq!(spec.target_version, "2");
        assert_eq!(spec.after_allow_traffic, None);
    }

    #[test]
    fn lowercase_keys_and_numeric_versions() {
        let yaml = "version: 0.0\nresources:\n  - fn:\n      type: AWS::Lambda::Function\n      properties:\n        name: f\n        alias: live\n        currentversion: 3\n        targetversion: 4\n";
        let spec = parse_appspec(yaml).expect("parses");
        assert_eq!(
            (spec.current_version.as_str(), spec.target_version.as_str()),
            ("3", "4")
        );
        assert_eq!(spec.before_allow_traffic, None);
    }

    #[test]
    fn missing_fields_are_named() {
        let no_alias = YAML.replace("        Alias: \"live\"\n", "");
        assert_eq!(
            parse_appspec(&no_alias),
            Err(AppSpecError::Missing("Properties.Alias"))
        );
        assert_eq!(
            parse_appspec("version: 0.0"),
            Err(AppSpecError::Missing("Resources"))
        );
        assert_eq!(
            parse_appspec("Resources: []"),
            Err(AppSpecError::Missing("Resources[0]"))
        );
        assert!(matches!(
            parse_appspec("Resources: [\n"),
            Err(AppSpecError::Syntax(_))
        ));
    }

    #[test]
    fn same_versions_and_wrong_type_are_invalid() {
        let same = YAML.replace("TargetVersion: \"2\"", "TargetVersion: \"1\"");
        assert!(matches!(
            parse_appspec(&same),
            Err(AppSpecError::Invalid {
                field: "Properties.TargetVersion",
                ..
            })
        ));
        let ecs = YAML.replace("AWS::Lambda::Function", "AWS::ECS::Service");
        assert!(matches!(
            parse_appspec(&ecs),
            Err(AppSpecError::Invalid { .. })
        ));
    }
}
