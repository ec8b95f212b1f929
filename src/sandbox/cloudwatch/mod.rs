//! Simulated CloudWatch: metric store, GetMetricData (with metric math), alarms evaluated with
//! CloudWatch's semantics, and the two wire codecs (Smithy RPC v2 CBOR and awsJson1.0).
