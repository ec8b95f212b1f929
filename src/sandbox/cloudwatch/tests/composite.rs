//! Composite alarm tests (rule parsing, evaluation with the child alarms, `DescribeAlarms` with
//! `AlarmTypes`, history, validation, deletion) and metric math alarms (`Metrics`).

use serde_json::{Value, json};

use super::{T0, json, point, spec};
use crate::sandbox::cloudwatch::composite::parse;
use crate::sandbox::cloudwatch::{AlarmState, CloudWatch};

const F: [(&str, &str); 1] = [("FunctionName", "f")];

fn put_composite(cw: &mut CloudWatch, name: &str, rule: &str, now: f64) -> (u16, Value) {
    json(
        cw,
        "PutCompositeAlarm",
        &json!({"AlarmName": name, "AlarmRule": rule}),
        now,
    )
}

#[test]
fn rules_parse_with_precedence_quotes_and_arns() {
    let rule = parse(
        "ALARM(\"a b\") OR NOT OK(arn:aws:cloudwatch:us-east-1:123456789012:alarm:c) AND TRUE",
    )
    .expect("rule");
    assert_eq!(rule.names(), vec!["a b", "c"]);
    let states = |n: &str| match n {
        "a b" => Some(AlarmState::Ok),
        _ => Some(AlarmState::Alarm),
    };
    assert!(
        rule.eval(&states),
        "NOT binds tighter than AND, AND than OR"
    );
    assert!(
        !parse("(ALARM(x) OR FALSE) AND OK(y)")
            .expect("rule")
            .eval(&states)
    );
    for bad in [
        "ALARM(x",
        "ALARM()",
        "ALARMS(x)",
        "ALARM(x) XOR ALARM(y)",
        "",
        "((((TRUE)",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn composite_follows_its_children() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("errors", 1, 1, "notBreaching"), T0);
    let mut latency = spec("latency", 1, 1, "notBreaching");
    latency.metric_name = "Duration".to_owned();
    cw.put_alarm(latency, T0);
    let (status, _) = put_composite(&mut cw, "any", "ALARM(errors) OR ALARM(latency)", T0);
    assert_eq!(status, 200);
    assert_eq!(
        cw.alarm_state("any"),
        Some(AlarmState::Ok),
        "evaluated at creation"
    );
    point(&mut cw, "Errors", &F, T0, 5.0);
    let changes = cw.evaluate_alarms(T0 + 60.0);
    let moves: Vec<(&str, AlarmState)> = changes.iter().map(|c| (c.name.as_str(), c.to)).collect();
    assert_eq!(
        moves,
        vec![
            ("errors", AlarmState::Alarm),
            ("latency", AlarmState::Ok),
            ("any", AlarmState::Alarm)
        ]
    );
    let any = changes
        .iter()
        .find(|c| c.name == "any")
        .expect("composite change");
    assert_eq!(
        any.reason,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors transitioned to ALARM at Thursday 01 January, 2026 00:01:00 UTC"
    );
    let (_, out) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"AlarmTypes": ["CompositeAlarm", "MetricAlarm"]}),
        T0,
    );
    assert_eq!(out["MetricAlarms"].as_array().map(Vec::len), Some(2));
    let c = &out["CompositeAlarms"][0];
    assert_eq!(c["AlarmName"], "any");
    assert_eq!(c["AlarmRule"], "ALARM(errors) OR ALARM(latency)");
    assert_eq!(c["StateValue"], "ALARM");
    assert_eq!(c["StateTransitionedTimestamp"], json!(T0 + 60.0));
    let (_, metric_only) = json(&mut cw, "DescribeAlarms", &json!({}), T0);
    assert_eq!(
        metric_only["CompositeAlarms"],
        json!([]),
        "no AlarmTypes: metric alarms only"
    );
    let (_, history) = json(
        &mut cw,
        "DescribeAlarmHistory",
        &json!({"AlarmName": "any", "AlarmTypes": ["CompositeAlarm"], "HistoryItemType": "StateUpdate"}),
        T0,
    );
    let items = history["AlarmHistoryItems"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["AlarmType"], "CompositeAlarm");
    assert_eq!(items[0]["HistorySummary"], "Alarm updated from OK to ALARM");
    // Back to OK once the child recovers (no errors in the next minute).
    point(&mut cw, "Errors", &F, T0 + 60.0, 0.0);
    cw.evaluate_alarms(T0 + 120.0);
    assert_eq!(cw.alarm_state("any"), Some(AlarmState::Ok));
}

#[test]
fn paginates_across_metric_and_composite_alarms() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("m1", 1, 1, "missing"), T0);
    cw.put_alarm(spec("m2", 1, 1, "missing"), T0);
    assert_eq!(
        put_composite(&mut cw, "c1", "ALARM(m1) AND ALARM(m2)", T0).0,
        200
    );
    let mut body = json!({"AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "MaxRecords": 2});
    let (_, first) = json(&mut cw, "DescribeAlarms", &body, T0);
    assert_eq!(first["MetricAlarms"].as_array().map(Vec::len), Some(2));
    assert_eq!(first["CompositeAlarms"], json!([]));
    body["NextToken"] = first["NextToken"].clone();
    let (_, second) = json(&mut cw, "DescribeAlarms", &body, T0);
    assert_eq!(second["MetricAlarms"], json!([]));
    assert_eq!(second["CompositeAlarms"][0]["AlarmName"], "c1");
    assert!(second.get("NextToken").is_none());
}

#[test]
fn validation_and_deletion() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("m", 1, 1, "missing"), T0);
    let (status, err) = put_composite(&mut cw, "c", "ALARM(m) OR ALARM(ghost)", T0);
    assert_eq!(
        (status, err["__type"].as_str()),
        (400, Some("com.amazonaws.cloudwatch#ValidationException"))
    );
    assert!(err["message"].as_str().unwrap_or("").contains("ghost"));
    assert_eq!(put_composite(&mut cw, "c", "ALARM(m) OR", T0).0, 400);
    assert_eq!(
        put_composite(&mut cw, "m", "TRUE", T0).0,
        400,
        "name taken by a metric alarm"
    );
    assert_eq!(put_composite(&mut cw, "c", "ALARM(m)", T0).0, 200);
    assert!(
        cw.set_alarm_state("c", AlarmState::Alarm, "drill", T0),
        "SetAlarmState works on composites"
    );
    let (status, _) = json(&mut cw, "DeleteAlarms", &json!({"AlarmNames": ["c"]}), T0);
    assert_eq!(status, 200);
    assert_eq!(cw.alarm_state("c"), None);
}

#[test]
fn metric_math_alarm_on_an_error_rate() {
    let mut cw = CloudWatch::new(86_400);
    let metrics = json!([
        {"Id": "err", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": [{"Name": "FunctionName", "Value": "f"}]}, "Period": 60, "Stat": "Sum"}, "ReturnData": false},
        {"Id": "inv", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": "f"}]}, "Period": 60, "Stat": "Sum"}, "ReturnData": false},
        {"Id": "rate", "Expression": "IF(inv > 0, 100 * FILL(err, 0) / inv, 0)", "Label": "error rate", "ReturnData": true},
    ]);
    let alarm = json!({
        "AlarmName": "rate", "Metrics": metrics, "EvaluationPeriods": 2, "DatapointsToAlarm": 2,
        "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
    });
    let (status, err) = json(&mut cw, "PutMetricAlarm", &alarm, T0);
    assert_eq!(status, 200, "{err}");
    for (minute, inv, errors) in [
        (0.0, 100.0, 10.0),
        (1.0, 100.0, 2.0),
        (2.0, 50.0, 5.0),
        (3.0, 10.0, 1.0),
    ] {
        point(&mut cw, "Invocations", &F, T0 + minute * 60.0, inv);
        point(&mut cw, "Errors", &F, T0 + minute * 60.0, errors);
    }
    cw.evaluate_alarms(T0 + 120.0);
    assert_eq!(
        cw.alarm_state("rate"),
        Some(AlarmState::Ok),
        "10% then 2%: 1 of 2"
    );
    cw.evaluate_alarms(T0 + 240.0);
    assert_eq!(
        cw.alarm_state("rate"),
        Some(AlarmState::Alarm),
        "10% and 10%: 2 of 2"
    );
    let (_, out) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"AlarmNames": ["rate"]}),
        T0,
    );
    let a = &out["MetricAlarms"][0];
    assert_eq!(
        a["Metrics"][2]["Expression"],
        "IF(inv > 0, 100 * FILL(err, 0) / inv, 0)"
    );
    assert_eq!(a["Metrics"][0]["MetricStat"]["Period"], 60);
    assert!(
        a.get("MetricName").is_none()
            && a.get("Namespace").is_none()
            && a.get("Statistic").is_none()
    );
    assert!(
        a["StateReason"]
            .as_str()
            .unwrap_or("")
            .contains("[10.0 (01/01/26 00:03:00), 10.0 (01/01/26 00:02:00)]")
    );
    let mut two = alarm.clone();
    two["Metrics"][0]["ReturnData"] = json!(true);
    assert_eq!(
        json(&mut cw, "PutMetricAlarm", &two, T0).0,
        400,
        "two ReturnData"
    );
    let mut bad = alarm.clone();
    bad["Metrics"][2]["Expression"] = json!("100 * nope");
    assert_eq!(json(&mut cw, "PutMetricAlarm", &bad, T0).0, 400);
    let mut mixed = alarm;
    mixed["Statistic"] = json!("Sum");
    let (status, err) = json(&mut cw, "PutMetricAlarm", &mixed, T0);
    assert_eq!(
        (status, err["__type"].as_str()),
        (
            400,
            Some("com.amazonaws.cloudwatch#InvalidParameterCombinationException")
        )
    );
}

#[test]
fn children_and_parents_of_a_composite() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("a", 1, 1, "missing"), T0);
    cw.put_alarm(spec("b", 1, 1, "missing"), T0);
    cw.put_alarm(spec("other", 1, 1, "missing"), T0);
    assert_eq!(
        put_composite(&mut cw, "inner", "ALARM(a) OR ALARM(b)", T0).0,
        200
    );
    assert_eq!(
        put_composite(&mut cw, "outer", "ALARM(inner) AND OK(other)", T0).0,
        200
    );
    let names = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a["AlarmName"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let (_, children) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"ChildrenOfAlarmName": "outer"}),
        T0,
    );
    assert_eq!(
        (
            names(&children, "MetricAlarms"),
            names(&children, "CompositeAlarms")
        ),
        (vec!["other".to_owned()], vec!["inner".to_owned()])
    );
    let (_, parents) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"ParentsOfAlarmName": "a"}),
        T0,
    );
    assert_eq!(names(&parents, "CompositeAlarms"), vec!["inner".to_owned()]);
    assert!(names(&parents, "MetricAlarms").is_empty());
    let (status, _) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"ParentsOfAlarmName": "a", "StateValue": "OK"}),
        T0,
    );
    assert_eq!(status, 400);
}
