//! `CloudWatch` Logs filter patterns, the subset people use with `FilterLogEvents`:
//! - text terms, all of which must appear (`ERROR timeout`), case-sensitive;
//! - `"quoted phrases"` matched as a whole;
//! - `?term` alternatives: at least one of them must appear (`?ERROR ?Exception`);
//! - `-term` exclusions: none of them may appear (`ERROR -Retrying`);
//! - JSON patterns `{ $.level = "ERROR" }`, with `=`, `!=`, `<`, `<=`, `>`, `>=`, `*` wildcards
//!   in string values, `EXISTS` / `NOT EXISTS`, and conditions joined by `&&` / `||`.
//!
//! Space-delimited `[...]` patterns are refused with a clear error.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    All,
    Text {
        all: Vec<String>,
        any: Vec<String>,
        none: Vec<String>,
    },
    /// Disjunction of conjunctions of JSON conditions.
    Json(Vec<Vec<Cond>>),
}

/// One JSON condition: selector path, operator, value (`None` for EXISTS checks).
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    path: Vec<String>,
    op: String,
    value: Option<String>,
}

fn text_terms(src: &str) -> Result<Pattern, String> {
    let (mut all, mut any, mut none) = (Vec::new(), Vec::new(), Vec::new());
    let mut chars = src.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let prefix = if c == '?' || c == '-' {
            chars.next();
            Some(c)
        } else {
            None
        };
        let mut term = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => term.extend(chars.next()),
                    '"' => {
                        closed = true;
                        break;
                    }
                    _ => term.push(c),
                }
            }
            if !closed {
                return Err("Invalid filter pattern: unterminated quoted string".to_owned());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                term.push(c);
                chars.next();
            }
        }
        if term.is_empty() {
            continue;
        }
        match prefix {
            Some('?') => any.push(term),
            Some(_) => none.push(term),
            None => all.push(term),
        }
    }
    if all.is_empty() && any.is_empty() && none.is_empty() {
        return Ok(Pattern::All);
    }
    Ok(Pattern::Text { all, any, none })
}

fn json_cond(src: &str) -> Result<Cond, String> {
    let src = src.trim();
    let bad = || format!("Invalid filter pattern: cannot parse condition '{src}'");
    let cut = src
        .find(|c: char| c.is_whitespace() || "!=<>".contains(c))
        .unwrap_or(src.len());
    let (selector, rest) = (&src[..cut], src[cut..].trim());
    let path_src = selector
        .strip_prefix("$.")
        .or_else(|| (selector == "$").then_some(""))
        .ok_or_else(bad)?;
    let path: Vec<String> = path_src
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    match rest {
        "IS NULL" | "NOT EXISTS" => {
            return Ok(Cond {
                path,
                op: "NOT EXISTS".to_owned(),
                value: None,
            });
        }
        "EXISTS" => {
            return Ok(Cond {
                path,
                op: "EXISTS".to_owned(),
                value: None,
            });
        }
        _ => {}
    }
    let op = ["!=", "<=", ">=", "=", "<", ">"]
        .into_iter()
        .find(|op| rest.starts_with(op))
        .ok_or_else(bad)?;
    let raw = rest[op.len()..].trim();
    let value = raw
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(raw);
    if value.is_empty() && raw.is_empty() {
        return Err(bad());
    }
    Ok(Cond {
        path,
        op: op.to_owned(),
        value: Some(value.to_owned()),
    })
}

/// Parses a filter pattern.
pub fn parse(src: &str) -> Result<Pattern, String> {
    let trimmed = src.trim();
    if trimmed.is_empty() {
        return Ok(Pattern::All);
    }
    if trimmed.starts_with('[') {
        return Err(
            "Space-delimited filter patterns ([...]) are not supported by the sandbox".to_owned(),
        );
    }
    if let Some(inner) = trimmed.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or("Invalid filter pattern: missing }")?;
        let inner = inner.replace(['(', ')'], " ");
        let groups = inner
            .split("||")
            .map(|group| {
                group
                    .split("&&")
                    .map(json_cond)
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Pattern::Json(groups));
    }
    text_terms(trimmed)
}

fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

fn cond_matches(c: &Cond, doc: &Value) -> bool {
    let mut v = doc;
    for key in &c.path {
        match v
            .get(key.as_str())
            .or_else(|| key.parse::<usize>().ok().and_then(|i| v.get(i)))
        {
            Some(next) => v = next,
            None => return c.op == "NOT EXISTS",
        }
    }
    let Some(want) = c.value.as_deref() else {
        return c.op == "EXISTS";
    };
    let numeric = match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    if let (Some(have), Ok(want)) = (numeric, want.parse::<f64>()) {
        return match c.op.as_str() {
            "=" => (have - want).abs() < f64::EPSILON,
            "!=" => (have - want).abs() >= f64::EPSILON,
            "<" => have < want,
            "<=" => have <= want,
            ">" => have > want,
            _ => have >= want,
        };
    }
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    };
    match c.op.as_str() {
        "=" => wildcard(want, &text),
        "!=" => !wildcard(want, &text),
        _ => false,
    }
}

impl Pattern {
    /// Whether a log message matches.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Text { all, any, none } => {
                all.iter().all(|t| message.contains(t.as_str()))
                    && (any.is_empty() || any.iter().any(|t| message.contains(t.as_str())))
                    && !none.iter().any(|t| message.contains(t.as_str()))
            }
            Pattern::Json(groups) => {
                let Some(start) = message.find('{') else {
                    return false;
                };
                let Ok(doc) = serde_json::from_str::<Value>(message[start..].trim_end()) else {
                    return false;
                };
                groups
                    .iter()
                    .any(|g| g.iter().all(|c| cond_matches(c, &doc)))
            }
        }
    }
}
