//! Composite alarms: `PutCompositeAlarm` with an `AlarmRule` over other alarms' states —
//! `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)`, `TRUE`, `FALSE`, `NOT`, `AND`, `OR`
//! and parentheses, names quoted or not, or given as ARNs. The composite is ALARM when its rule
//! is true and OK otherwise; it is re-evaluated with the metric alarms (once a simulated minute,
//! after them, so a child's transition shows in the same evaluation).

use chrono::DateTime;
use serde_json::json;

use super::AlarmState;
use super::codec::Ts;
use super::model::{CompositeAlarmOut, PutCompositeAlarmInput, arn};
use super::status::Status;

/// A parsed alarm rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Const(bool),
    Is(AlarmState, String),
    Not(Box<Rule>),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
}

struct Parser<'a> {
    src: &'a str,
    depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        self.src = self.src.trim_start();
    }
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        if !self
            .src
            .get(..word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
        {
            return false;
        }
        let rest = self.src.get(word.len()..).unwrap_or_default();
        if rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return false;
        }
        self.src = rest;
        true
    }
    fn or(&mut self) -> Result<Rule, String> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            left = Rule::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Rule, String> {
        let mut left = self.not()?;
        while self.keyword("AND") {
            left = Rule::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }
    fn not(&mut self) -> Result<Rule, String> {
        self.depth += 1;
        if self.depth > 100 {
            return Err("The alarm rule is nested too deeply.".to_owned());
        }
        let rule = if self.keyword("NOT") {
            Rule::Not(Box::new(self.not()?))
        } else {
            self.atom()?
        };
        self.depth -= 1;
        Ok(rule)
    }
    fn atom(&mut self) -> Result<Rule, String> {
        self.skip_ws();
        if let Some(rest) = self.src.strip_prefix('(') {
            self.src = rest;
            let rule = self.or()?;
            self.skip_ws();
            self.src = self
                .src
                .strip_prefix(')')
                .ok_or("Missing ) in the alarm rule.")?;
            return Ok(rule);
        }
        if self.keyword("TRUE") {
            return Ok(Rule::Const(true));
        }
        if self.keyword("FALSE") {
            return Ok(Rule::Const(false));
        }
        for (word, state) in [
            ("INSUFFICIENT_DATA", AlarmState::InsufficientData),
            ("ALARM", AlarmState::Alarm),
            ("OK", AlarmState::Ok),
        ] {
            if self.keyword(word) {
                self.skip_ws();
                let rest = self
                    .src
                    .strip_prefix('(')
                    .ok_or_else(|| format!("Expected ( after {word}."))?;
                let rest = rest.trim_start();
                let (name, rest) = if let Some(quoted) = rest.strip_prefix('"') {
                    let end = quoted.find('"').ok_or("Unterminated quoted alarm name.")?;
                    (&quoted[..end], &quoted[end + 1..])
                } else {
                    let end = rest.find(')').ok_or("Missing ) in the alarm rule.")?;
                    (rest[..end].trim(), &rest[end..])
                };
                self.src = rest
                    .trim_start()
                    .strip_prefix(')')
                    .ok_or("Missing ) in the alarm rule.")?;
                let name = name.rsplit_once(":alarm:").map_or(name, |(_, n)| n);
                if name.is_empty() {
                    return Err(format!("Empty alarm name in {word}()."));
                }
                return Ok(Rule::Is(state, name.to_owned()));
            }
        }
        Err(format!(
            "Unexpected text in the alarm rule: {}",
            self.src.chars().take(30).collect::<String>()
        ))
    }
}

/// Parses an `AlarmRule`.
pub fn parse(src: &str) -> Result<Rule, String> {
    let mut p = Parser { src, depth: 0 };
    let rule = p.or()?;
    p.skip_ws();
    if !p.src.is_empty() {
        return Err(format!(
            "Unexpected text in the alarm rule: {}",
            p.src.chars().take(30).collect::<String>()
        ));
    }
    Ok(rule)
}

impl Rule {
    /// Evaluates the rule with `state_of` giving each referenced alarm's state.
    pub fn eval(&self, state_of: &dyn Fn(&str) -> Option<AlarmState>) -> bool {
        match self {
            Rule::Const(b) => *b,
            Rule::Is(state, name) => state_of(name) == Some(*state),
            Rule::Not(r) => !r.eval(state_of),
            Rule::And(a, b) => a.eval(state_of) && b.eval(state_of),
            Rule::Or(a, b) => a.eval(state_of) || b.eval(state_of),
        }
    }

    /// Every alarm name the rule references.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Rule::Const(_) => Vec::new(),
            Rule::Is(_, name) => vec![name.as_str()],
            Rule::Not(r) => r.names(),
            Rule::And(a, b) | Rule::Or(a, b) => a.names().into_iter().chain(b.names()).collect(),
        }
    }
}

/// A stored composite alarm.
#[derive(Debug, Clone)]
pub struct Composite {
    pub name: String,
    pub rule_src: String,
    pub rule: Rule,
    pub description: Option<String>,
    pub actions_enabled: bool,
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub status: Status,
    pub configured: f64,
}

impl Composite {
    /// Builds a composite alarm from `PutCompositeAlarm` input (the rule parsed, not yet checked
    /// against existing alarms).
    pub fn from_input(input: PutCompositeAlarmInput, now: f64) -> Result<Self, String> {
        let rule = parse(&input.alarm_rule)?;
        Ok(Self {
            name: input.alarm_name,
            rule_src: input.alarm_rule,
            rule,
            description: input.alarm_description,
            actions_enabled: input.actions_enabled.unwrap_or(true),
            ok_actions: input.ok_actions,
            alarm_actions: input.alarm_actions,
            insufficient_data_actions: input.insufficient_data_actions,
            status: Status::initial(now),
            configured: now,
        })
    }

    /// The state the rule gives now, with `CloudWatch`'s reason text and reason data (the first
    /// referenced alarm in the triggering state).
    pub fn outcome(
        &self,
        state_of: &dyn Fn(&str) -> Option<(AlarmState, f64)>,
    ) -> (AlarmState, String, String) {
        let to = if self.rule.eval(&|n| state_of(n).map(|s| s.0)) {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        };
        let names = self.rule.names();
        let trigger = names
            .iter()
            .filter_map(|n| state_of(n).map(|s| (*n, s)))
            .find(|(_, (s, _))| *s == to)
            .or_else(|| names.first().and_then(|n| state_of(n).map(|s| (*n, s))));
        let Some((name, (state, at))) = trigger else {
            return (
                to,
                format!("The alarm rule evaluated to {}.", to == AlarmState::Alarm),
                "{}".to_owned(),
            );
        };
        let when = DateTime::from_timestamp(at.floor() as i64, 0).map_or_else(String::new, |d| {
            d.format("%A %d %B, %Y %H:%M:%S UTC").to_string()
        });
        let reason = format!("{} transitioned to {} at {when}", arn(name), state.as_str());
        let data = json!({"triggeringAlarms": [{"arn": arn(name), "state": {"value": state.as_str(), "timestamp": super::alarms::long_date(at)}}]});
        (to, reason, data.to_string())
    }

    /// The `CompositeAlarm` wire shape.
    pub fn out(&self) -> CompositeAlarmOut {
        CompositeAlarmOut {
            alarm_name: self.name.clone(),
            alarm_arn: arn(&self.name),
            alarm_description: self.description.clone(),
            alarm_rule: self.rule_src.clone(),
            alarm_configuration_updated_timestamp: Ts(self.configured),
            actions_enabled: self.actions_enabled,
            ok_actions: self.ok_actions.clone(),
            alarm_actions: self.alarm_actions.clone(),
            insufficient_data_actions: self.insufficient_data_actions.clone(),
            state_value: self.status.state.as_str().to_owned(),
            state_reason: self.status.reason.clone(),
            state_reason_data: self.status.reason_data.clone(),
            state_updated_timestamp: Ts(self.status.updated),
            state_transitioned_timestamp: Ts(self.status.transitioned),
        }
    }
}
