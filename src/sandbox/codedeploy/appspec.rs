//! Lambda `AppSpec` parsing (YAML or JSON, keys case-insensitive) into the function, alias,
//! versions and hooks a deployment acts on.

use serde_yaml_ng::Value;

/// What a Lambda `AppSpec` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub function: String,
    pub alias: String,
    pub current: String,
    pub target: String,
    pub before_hook: Option<String>,
    pub after_hook: Option<String>,
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?
        .iter()
        .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
        .map(|(_, v)| v)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses `AppSpec` content; the error says what is wrong.
pub fn parse(content: &str) -> Result<AppSpec, String> {
    let doc: Value = serde_yaml_ng::from_str(content)
        .map_err(|e| format!("the AppSpec is not valid YAML or JSON: {e}"))?;
    let resources = get(&doc, "Resources")
        .and_then(Value::as_sequence)
        .ok_or("the AppSpec has no Resources list")?;
    let resource = resources
        .first()
        .and_then(Value::as_mapping)
        .and_then(|m| m.values().next())
        .ok_or("the AppSpec Resources list is empty")?;
    let props = get(resource, "Properties").ok_or("the AppSpec resource has no Properties")?;
    let field = |key: &str| {
        get(props, key)
            .and_then(text)
            .filter(|s| !s.is_empty())
            .ok_or(format!("the AppSpec resource has no {key}"))
    };
    let hooks = get(&doc, "Hooks")
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    let hook = |name: &str| hooks.iter().find_map(|h| get(h, name).and_then(text));
    let spec = AppSpec {
        function: field("Name")?,
        alias: field("Alias")?,
        current: field("CurrentVersion")?,
        target: field("TargetVersion")?,
        before_hook: hook("BeforeAllowTraffic"),
        after_hook: hook("AfterAllowTraffic"),
    };
    Ok(spec)
}

/// The JSON `AppSpec` for a function (what scenarios and rollbacks submit).
pub fn render(spec: &AppSpec) -> String {
    let mut hooks = Vec::new();
    if let Some(h) = &spec.before_hook {
        hooks.push(serde_json::json!({"BeforeAllowTraffic": h}));
    }
    if let Some(h) = &spec.after_hook {
        hooks.push(serde_json::json!({"AfterAllowTraffic": h}));
    }
    serde_json::json!({
        "version": 0.0,
        "Resources": [{ spec.function.clone(): {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Name": spec.function, "Alias": spec.alias,
                           "CurrentVersion": spec.current, "TargetVersion": spec.target},
        }}],
        "Hooks": hooks,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_with_lowercase_keys_and_hooks() {
        let yaml = "version: 0.0\nresources:\n  - f:\n      type: AWS::Lambda::Function\n      properties:\n        name: f\n        alias: live\n        currentversion: 1\n        targetversion: \"2\"\nHooks:\n  - BeforeAllowTraffic: pre\n";
        let spec = parse(yaml).expect("parses");
        assert_eq!((spec.current.as_str(), spec.target.as_str()), ("1", "2"));
        assert_eq!(spec.before_hook.as_deref(), Some("pre"));
        assert_eq!(parse(&render(&spec)), Ok(spec));
    }

    #[test]
    fn missing_alias_is_reported() {
        let err =
            parse(r#"{"Resources":[{"f":{"Properties":{"Name":"f"}}}]}"#).expect_err("no alias");
        assert!(err.contains("Alias"), "{err}");
    }
}
