//! Alarm tests: "M out of N", each `TreatMissingData` mode, transitions and their timestamps,
//! state reasons, history, `SetAlarmState`, `PutMetricAlarm` validation and `DescribeAlarms`.

use serde_json::{Value, json};

use super::{T0, json, point, spec};
use crate::sandbox::cloudwatch::alarm_io::alarm_state_reason;
use crate::sandbox::cloudwatch::{AlarmState, CloudWatch};

const F: [(&str, &str); 1] = [("FunctionName", "f")];

/// Errors per minute starting at T0 (`None` = no datapoint that minute).
fn errors(cw: &mut CloudWatch, per_minute: &[Option<f64>]) {
    for (i, v) in per_minute.iter().enumerate() {
        if let Some(v) = v {
            point(cw, "Errors", &F, T0 + i as f64 * 60.0, *v);
        }
    }
}

/// The state after evaluating at the end of the data (all minutes complete).
fn state_after(n: u32, m: u32, treat: &str, data: &[Option<f64>]) -> AlarmState {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("a", n, m, treat), T0);
    errors(&mut cw, data);
    cw.evaluate_alarms(T0 + data.len() as f64 * 60.0 + 1.0);
    cw.alarm_state("a").expect("alarm")
}

#[test]
fn m_out_of_n() {
    use AlarmState::{Alarm, Ok};
    assert_eq!(
        state_after(3, 2, "missing", &[Some(5.0), Some(0.0), Some(5.0)]),
        Alarm
    );
    assert_eq!(
        state_after(3, 2, "missing", &[Some(5.0), Some(0.0), Some(0.0)]),
        Ok
    );
    assert_eq!(
        state_after(3, 3, "missing", &[Some(5.0), Some(5.0), Some(0.0)]),
        Ok
    );
    assert_eq!(
        state_after(1, 1, "missing", &[Some(0.0), Some(0.0), Some(2.0)]),
        Alarm,
        "only the newest period counts"
    );
    assert_eq!(
        state_after(1, 1, "missing", &[Some(1.0)]),
        Ok,
        "GreaterThanThreshold is strict"
    );
}

#[test]
fn treat_missing_data_modes() {
    use AlarmState::{Alarm, InsufficientData, Ok};
    let none: [Option<f64>; 3] = [None, None, None];
    assert_eq!(state_after(3, 2, "missing", &none), InsufficientData);
    assert_eq!(state_after(3, 2, "notBreaching", &none), Ok);
    assert_eq!(state_after(3, 2, "breaching", &none), Alarm);
    assert_eq!(
        state_after(3, 2, "ignore", &none),
        InsufficientData,
        "ignore keeps the initial state"
    );
    let one_bad = [Some(5.0), None, None];
    assert_eq!(state_after(3, 2, "missing", &one_bad), Ok);
    assert_eq!(state_after(3, 2, "notBreaching", &one_bad), Ok);
    assert_eq!(state_after(3, 2, "breaching", &one_bad), Alarm);
    assert_eq!(state_after(3, 2, "ignore", &one_bad), Ok);
}

#[test]
fn ignore_keeps_the_current_state_when_data_stops() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("a", 1, 1, "ignore"), T0);
    errors(&mut cw, &[Some(5.0)]);
    cw.evaluate_alarms(T0 + 61.0);
    assert_eq!(cw.alarm_state("a"), Some(AlarmState::Alarm));
    let changes = cw.evaluate_alarms(T0 + 600.0);
    assert!(changes.is_empty());
    assert_eq!(cw.alarm_state("a"), Some(AlarmState::Alarm));
}

#[test]
fn transitions_reasons_timestamps_and_history() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("err", 3, 2, "notBreaching"), T0);
    errors(&mut cw, &[Some(0.0), Some(5.0), Some(3.0)]);
    let changes = cw.evaluate_alarms(T0 + 181.0);
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].from, changes[0].to, changes[0].at),
        (AlarmState::InsufficientData, AlarmState::Alarm, T0 + 181.0)
    );
    let (reason, data, updated, transitioned) = alarm_state_reason(&cw, "err").expect("alarm");
    assert_eq!(
        reason,
        "Threshold Crossed: 2 out of the last 3 datapoints [3.0 (01/01/26 00:02:00), 5.0 (01/01/26 00:01:00)] were greater than the threshold (1.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)."
    );
    let data: Value = serde_json::from_str(&data.expect("reason data")).expect("JSON");
    assert_eq!(data["recentDatapoints"], json!([0.0, 5.0, 3.0]));
    assert_eq!(data["threshold"], json!(1.0));
    assert_eq!((updated, transitioned), (T0 + 181.0, T0 + 181.0));
    // Same state a minute later: no change, timestamps stay.
    point(&mut cw, "Errors", &F, T0 + 180.0, 9.0);
    assert!(cw.evaluate_alarms(T0 + 241.0).is_empty());
    assert_eq!(
        alarm_state_reason(&cw, "err").map(|r| r.3),
        Some(T0 + 181.0)
    );
    // Recovery.
    let changes = cw.evaluate_alarms(T0 + 600.0);
    assert_eq!(
        changes.iter().map(|c| c.to).collect::<Vec<_>>(),
        vec![AlarmState::Ok]
    );
    let (status, history) = json(
        &mut cw,
        "DescribeAlarmHistory",
        &json!({"AlarmName": "err", "HistoryItemType": "StateUpdate"}),
        T0 + 600.0,
    );
    assert_eq!(status, 200);
    let items = history["AlarmHistoryItems"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["HistorySummary"], "Alarm updated from ALARM to OK",
        "newest first"
    );
    assert_eq!(items[0]["Timestamp"], json!(T0 + 600.0));
    let hd: Value =
        serde_json::from_str(items[1]["HistoryData"].as_str().expect("string")).expect("JSON");
    assert_eq!(hd["oldState"]["stateValue"], "INSUFFICIENT_DATA");
    assert_eq!(hd["newState"]["stateValue"], "ALARM");
    assert!(
        hd["newState"]["stateReason"]
            .as_str()
            .expect("reason")
            .starts_with("Threshold Crossed: 2 out of the last 3")
    );
    let (_, asc) = json(
        &mut cw,
        "DescribeAlarmHistory",
        &json!({"ScanBy": "TimestampAscending", "MaxRecords": 1}),
        T0,
    );
    assert_eq!(
        asc["AlarmHistoryItems"][0]["HistoryItemType"],
        "ConfigurationUpdate"
    );
    assert!(asc["NextToken"].is_string());
}

#[test]
fn single_datapoint_reason_wording() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("one", 1, 1, "missing"), T0);
    errors(&mut cw, &[Some(5.0)]);
    cw.evaluate_alarms(T0 + 60.0);
    let reason = alarm_state_reason(&cw, "one").expect("alarm").0;
    assert_eq!(
        reason,
        "Threshold Crossed: 1 datapoint [5.0 (01/01/26 00:00:00)] was greater than the threshold (1.0)."
    );
}

#[test]
fn set_alarm_state_holds_until_the_next_evaluation() {
    let mut cw = CloudWatch::new(86_400);
    cw.put_alarm(spec("a", 1, 1, "notBreaching"), T0);
    assert!(
        cw.evaluate_alarms(T0 + 60.0)
            .iter()
            .any(|c| c.to == AlarmState::Ok)
    );
    let (status, _) = json(
        &mut cw,
        "SetAlarmState",
        &json!({"AlarmName": "a", "StateValue": "ALARM", "StateReason": "drill"}),
        T0 + 70.0,
    );
    assert_eq!(status, 200);
    assert_eq!(cw.alarm_state("a"), Some(AlarmState::Alarm));
    assert_eq!(cw.take_api_changes().len(), 1);
    assert!(
        cw.evaluate_alarms(T0 + 100.0).is_empty(),
        "same minute: no re-evaluation"
    );
    assert_eq!(cw.alarm_state("a"), Some(AlarmState::Alarm));
    let back = cw.evaluate_alarms(T0 + 120.0);
    assert_eq!(
        back.iter().map(|c| (c.from, c.to)).collect::<Vec<_>>(),
        vec![(AlarmState::Alarm, AlarmState::Ok)]
    );
    assert!(!cw.set_alarm_state("nope", AlarmState::Ok, "x", T0));
    let (status, err) = json(
        &mut cw,
        "SetAlarmState",
        &json!({"AlarmName": "a", "StateValue": "ALARM", "StateReason": "x", "StateReasonData": "{bad"}),
        T0,
    );
    assert_eq!(
        (status, err["__type"].as_str()),
        (400, Some("com.amazonaws.cloudwatch#InvalidFormatFault"))
    );
}

fn put(cw: &mut CloudWatch, name: &str, extra: &Value) -> (u16, Value) {
    let mut body = json!({
        "AlarmName": name, "Namespace": "AWS/Lambda", "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": "f"}], "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    json(cw, "PutMetricAlarm", &body, T0)
}

#[test]
fn put_metric_alarm_and_describe_alarms() {
    let mut cw = CloudWatch::new(86_400);
    assert_eq!(put(&mut cw, "app-errors", &json!({})).0, 200);
    assert_eq!(
        put(
            &mut cw,
            "app-p99",
            &json!({"Statistic": null, "ExtendedStatistic": "p99", "MetricName": "Duration"})
        )
        .0,
        200
    );
    assert_eq!(put(&mut cw, "other", &json!({})).0, 200);
    let (status, out) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"AlarmNames": ["app-errors", "app-p99"]}),
        T0,
    );
    assert_eq!(status, 200);
    let alarms = out["MetricAlarms"].as_array().expect("alarms");
    assert_eq!(alarms.len(), 2);
    let a = &alarms[0];
    assert_eq!(
        a["AlarmArn"],
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:app-errors"
    );
    assert_eq!(a["StateValue"], "INSUFFICIENT_DATA");
    assert_eq!(
        (
            a["Threshold"].clone(),
            a["DatapointsToAlarm"].clone(),
            a["Statistic"].clone()
        ),
        (json!(1.0), json!(2), json!("Sum"))
    );
    assert_eq!(
        a["Dimensions"],
        json!([{"Name": "FunctionName", "Value": "f"}])
    );
    assert_eq!(alarms[1]["ExtendedStatistic"], "p99");
    assert!(alarms[1].get("Statistic").is_none());
    assert_eq!(out["CompositeAlarms"], json!([]));
    let (_, composite_only) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"AlarmTypes": ["CompositeAlarm"]}),
        T0,
    );
    assert_eq!(composite_only["MetricAlarms"], json!([]));
    let (_, page) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"AlarmNamePrefix": "app-", "MaxRecords": 1}),
        T0,
    );
    assert_eq!(page["MetricAlarms"][0]["AlarmName"], "app-errors");
    let (_, page2) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"AlarmNamePrefix": "app-", "MaxRecords": 1, "NextToken": page["NextToken"]}),
        T0,
    );
    assert_eq!(page2["MetricAlarms"][0]["AlarmName"], "app-p99");
    assert!(page2.get("NextToken").is_none());
    let (_, by_state) = json(
        &mut cw,
        "DescribeAlarms",
        &json!({"StateValue": "ALARM"}),
        T0,
    );
    assert_eq!(by_state["MetricAlarms"], json!([]));
    let names: Vec<String> = (0..101).map(|i| format!("a{i}")).collect();
    let (status, err) = json(&mut cw, "DescribeAlarms", &json!({"AlarmNames": names}), T0);
    assert_eq!(
        (status, err["__type"].as_str()),
        (400, Some("com.amazonaws.cloudwatch#ValidationException"))
    );
    let (status, _) = json(&mut cw, "DescribeAlarms", &json!({"NextToken": "zzz"}), T0);
    assert_eq!(status, 400);
}

#[test]
fn put_metric_alarm_validation() {
    let mut cw = CloudWatch::new(86_400);
    for bad in [
        json!({"ComparisonOperator": "Bigger"}),
        json!({"TreatMissingData": "sometimes"}),
        json!({"DatapointsToAlarm": 4}),
        json!({"Period": 45}),
        json!({"Statistic": "Median"}),
        json!({"ExtendedStatistic": "p99"}),
    ] {
        let (status, _) = put(&mut cw, "x", &bad);
        assert_eq!(status, 400, "{bad}");
    }
    let (status, err) = put(&mut cw, "x", &json!({"Threshold": null}));
    assert_eq!(
        (status, err["__type"].as_str()),
        (
            400,
            Some("com.amazonaws.cloudwatch#MissingRequiredParameterException")
        )
    );
    assert_eq!(cw.alarm_state("x"), None);
}
