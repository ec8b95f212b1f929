//! Typed inputs and outputs of the `CloudWatch` operations the sandbox serves, with the member
//! names of the service model (botocore `cloudwatch/2010-08-01/service-2.json`). The same types
//! go through both codecs; absent members are `None` and are left out of replies.

use serde::{Deserialize, Serialize};

/// The fixed account of the sandbox's ARNs.
pub const ACCOUNT: &str = "123456789012";
/// The region of the sandbox's ARNs.
pub const REGION: &str = "us-east-1";

/// The ARN of alarm `name`.
pub fn arn(name: &str) -> String {
    format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}")
}

use super::codec::{F64, Ts};

/// `Dimension {Name, Value}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

/// `DimensionFilter {Name, Value?}` (`ListMetrics`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DimensionFilter {
    pub name: String,
    pub value: Option<String>,
}

/// `Metric {Namespace, MetricName, Dimensions}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Metric {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<Dimension>>,
}

/// `MetricStat {Metric, Period, Stat, Unit}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MetricStat {
    pub metric: Metric,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stat: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// One `MetricDataQuery` (also the `Metrics` of a metric math alarm).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MetricDataQuery {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// `GetMetricData` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetMetricDataInput {
    pub metric_data_queries: Vec<MetricDataQuery>,
    pub start_time: Option<Ts>,
    pub end_time: Option<Ts>,
    pub next_token: Option<String>,
    pub scan_by: Option<String>,
    pub max_datapoints: Option<i64>,
}

/// `MessageData {Code, Value}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageData {
    pub code: String,
    pub value: String,
}

/// One `MetricDataResult`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataResult {
    pub id: String,
    pub label: String,
    pub timestamps: Vec<Ts>,
    pub values: Vec<f64>,
    pub status_code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageData>,
}

/// `GetMetricData` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricDataOutput {
    pub metric_data_results: Vec<MetricDataResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub messages: Vec<MessageData>,
}

/// `StatisticSet`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StatisticSet {
    pub sample_count: F64,
    pub sum: F64,
    pub minimum: F64,
    pub maximum: F64,
}

/// One `MetricDatum` of `PutMetricData`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MetricDatum {
    pub metric_name: String,
    pub dimensions: Vec<Dimension>,
    pub timestamp: Option<Ts>,
    pub value: Option<F64>,
    pub statistic_values: Option<StatisticSet>,
    pub values: Vec<F64>,
    pub counts: Vec<F64>,
    pub unit: Option<String>,
    pub storage_resolution: Option<i64>,
}

/// `PutMetricData` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutMetricDataInput {
    pub namespace: String,
    pub metric_data: Vec<MetricDatum>,
}

/// `PutMetricAlarm` input (metric alarms on one metric; math alarms are refused).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutMetricAlarmInput {
    pub alarm_name: String,
    pub alarm_description: Option<String>,
    pub actions_enabled: Option<bool>,
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub metric_name: Option<String>,
    pub namespace: Option<String>,
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
    pub dimensions: Vec<Dimension>,
    pub period: Option<i64>,
    pub unit: Option<String>,
    pub evaluation_periods: Option<i64>,
    pub datapoints_to_alarm: Option<i64>,
    pub threshold: Option<F64>,
    pub comparison_operator: Option<String>,
    pub treat_missing_data: Option<String>,
    pub metrics: Option<Vec<MetricDataQuery>>,
}

/// `DescribeAlarms` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeAlarmsInput {
    pub alarm_names: Option<Vec<String>>,
    pub children_of_alarm_name: Option<String>,
    pub parents_of_alarm_name: Option<String>,
    pub alarm_name_prefix: Option<String>,
    pub alarm_types: Option<Vec<String>>,
    pub state_value: Option<String>,
    pub action_prefix: Option<String>,
    pub max_records: Option<i64>,
    pub next_token: Option<String>,
}

/// One `MetricAlarm` of `DescribeAlarms`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricAlarmOut {
    pub alarm_name: String,
    pub alarm_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    pub alarm_configuration_updated_timestamp: Ts,
    pub actions_enabled: bool,
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub state_value: String,
    pub state_reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason_data: Option<String>,
    pub state_updated_timestamp: Ts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    pub dimensions: Vec<Dimension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: i64,
    pub threshold: f64,
    pub comparison_operator: String,
    pub treat_missing_data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<MetricDataQuery>>,
    pub state_transitioned_timestamp: Ts,
}

/// `PutCompositeAlarm` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutCompositeAlarmInput {
    pub alarm_name: String,
    pub alarm_rule: String,
    pub alarm_description: Option<String>,
    pub actions_enabled: Option<bool>,
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
}

/// One `CompositeAlarm` of `DescribeAlarms`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompositeAlarmOut {
    pub alarm_name: String,
    pub alarm_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    pub alarm_rule: String,
    pub alarm_configuration_updated_timestamp: Ts,
    pub actions_enabled: bool,
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<String>,
    pub alarm_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub state_value: String,
    pub state_reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason_data: Option<String>,
    pub state_updated_timestamp: Ts,
    pub state_transitioned_timestamp: Ts,
}

/// `DescribeAlarms` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmsOutput {
    pub metric_alarms: Vec<MetricAlarmOut>,
    pub composite_alarms: Vec<CompositeAlarmOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `SetAlarmState` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SetAlarmStateInput {
    pub alarm_name: String,
    pub state_value: String,
    pub state_reason: String,
    pub state_reason_data: Option<String>,
}

/// `DeleteAlarms` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteAlarmsInput {
    pub alarm_names: Vec<String>,
}

/// `DescribeAlarmHistory` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeAlarmHistoryInput {
    pub alarm_name: Option<String>,
    pub alarm_types: Option<Vec<String>>,
    pub history_item_type: Option<String>,
    pub start_date: Option<Ts>,
    pub end_date: Option<Ts>,
    pub max_records: Option<i64>,
    pub next_token: Option<String>,
    pub scan_by: Option<String>,
}

/// One `AlarmHistoryItem`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmHistoryItem {
    pub alarm_name: String,
    pub alarm_type: String,
    pub timestamp: Ts,
    pub history_item_type: String,
    pub history_summary: String,
    pub history_data: String,
}

/// `DescribeAlarmHistory` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmHistoryOutput {
    pub alarm_history_items: Vec<AlarmHistoryItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ListMetrics` input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListMetricsInput {
    pub namespace: Option<String>,
    pub metric_name: Option<String>,
    pub dimensions: Vec<DimensionFilter>,
    pub next_token: Option<String>,
    pub recently_active: Option<String>,
}

/// `ListMetrics` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMetricsOutput {
    pub metrics: Vec<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
