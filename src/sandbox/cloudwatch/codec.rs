//! The two `CloudWatch` wire codecs on one set of serde types: Smithy RPC v2 CBOR (ciborium, what
//! the Rust SDK speaks) and awsJson1.0 (`serde_json`, what the AWS CLI and boto3 speak).
//!
//! Encoding rules that real clients enforce (docs/wire-protocols.md §3): doubles are always CBOR
//! floats ([`F64`] and plain `f64` both serialize with `serialize_f64`, which ciborium never
//! shrinks to an integer), timestamps are CBOR tag 1 around an epoch-seconds float ([`Ts`]),
//! absent members are omitted, lists never hold null, and the reply body is exactly one item.
//! Errors are a `{__type, message}` map in the request's codec plus the query-compatible
//! `x-amzn-query-error: <Code>;Sender|Receiver` header.
//!
//! A request body that does not decode is answered `400 SerializationException` in both codecs
//! (the Smithy protocols' name for "could not read the body"); a required member that is
//! missing is `400 MissingParameter`, `CloudWatch`'s own query code for that case.

use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Codec;
use crate::sandbox::wire::Reply;

/// An epoch-seconds timestamp: CBOR tag 1 + float on the CBOR wire, a plain number in JSON.
/// Reads an integer or a float, tagged or not.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Ts(pub f64);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_f64(self.0)
        } else {
            ciborium::tag::Required::<f64, 1>(self.0).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            F64::deserialize(deserializer).map(|n| Ts(n.0))
        } else {
            match ciborium::tag::Captured::<F64>::deserialize(deserializer)? {
                ciborium::tag::Captured(None | Some(1), n) => Ok(Ts(n.0)),
                ciborium::tag::Captured(Some(tag), _) => Err(de::Error::custom(format!(
                    "timestamp with unexpected CBOR tag {tag}"
                ))),
            }
        }
    }
}

/// A double that is always written as a float and read from an integer or a float (the CLI
/// sends `"Threshold": 1`; the Rust SDK sends `fb 3ff0...`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct F64(pub f64);

impl Serialize for F64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = F64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<F64, E> {
        Ok(F64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<F64, E> {
        Ok(F64(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<F64, E> {
        Ok(F64(v as f64))
    }
}

impl<'de> Deserialize<'de> for F64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// Decodes a request body; an empty body reads as an input with no members set.
pub fn decode<T: DeserializeOwned + Default>(codec: Codec, body: &[u8]) -> Result<T, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let result = match codec {
        Codec::Cbor => {
            let mut rest = body;
            match ciborium::from_reader::<T, _>(&mut rest) {
                Ok(_) if !rest.is_empty() => Err(format!(
                    "{} trailing bytes after the request body",
                    rest.len()
                )),
                Ok(value) => Ok(value),
                Err(e) => Err(e.to_string()),
            }
        }
        Codec::Json => serde_json::from_slice::<T>(body).map_err(|e| e.to_string()),
    };
    result.map_err(|message| decode_error(codec, &message))
}

fn decode_error(codec: Codec, detail: &str) -> Reply {
    if let Some(field) = detail
        .split("missing field `")
        .nth(1)
        .and_then(|s| s.split('`').next())
    {
        return error(
            codec,
            "MissingParameter",
            &format!("The parameter {field} is required."),
            400,
        );
    }
    error(
        codec,
        "SerializationException",
        &format!("Could not read the request body: {detail}"),
        400,
    )
}

/// A 200 reply carrying `value` in `codec`.
pub fn ok<T: Serialize>(codec: Codec, value: &T) -> Reply {
    let body = match codec {
        Codec::Cbor => {
            let mut out = Vec::new();
            ciborium::into_writer(value, &mut out)
                .map(|()| out)
                .map_err(|e| e.to_string())
        }
        Codec::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
    };
    match body {
        Ok(body) => Reply {
            status: 200,
            headers: success_headers(codec),
            body,
        },
        Err(e) => error(
            codec,
            "InternalServiceError",
            &format!("could not encode the reply: {e}"),
            500,
        ),
    }
}

/// The 200 reply of an operation without output members (`PutMetricData`, `SetAlarmState`, ...).
pub fn empty(codec: Codec) -> Reply {
    let headers = match codec {
        Codec::Cbor => vec![("smithy-protocol".to_owned(), "rpc-v2-cbor".to_owned())],
        Codec::Json => vec![(
            "Content-Type".to_owned(),
            "application/x-amz-json-1.0".to_owned(),
        )],
    };
    Reply {
        status: 200,
        headers,
        body: Vec::new(),
    }
}

fn success_headers(codec: Codec) -> Vec<(String, String)> {
    match codec {
        Codec::Cbor => vec![
            ("Content-Type".to_owned(), "application/cbor".to_owned()),
            ("smithy-protocol".to_owned(), "rpc-v2-cbor".to_owned()),
        ],
        Codec::Json => vec![(
            "Content-Type".to_owned(),
            "application/x-amz-json-1.0".to_owned(),
        )],
    }
}

/// The model's shape name for a query error code (the body's `__type`; clients match the
/// header's query code first).
fn shape_name(query_code: &str) -> &str {
    match query_code {
        "LimitExceeded" => "LimitExceededFault",
        "InvalidParameterValue" => "InvalidParameterValueException",
        "MissingParameter" => "MissingRequiredParameterException",
        "InvalidParameterCombination" => "InvalidParameterCombinationException",
        "InvalidFormat" => "InvalidFormatFault",
        "InternalServiceError" => "InternalServiceFault",
        "ValidationError" => "ValidationException",
        other => other,
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "__type")]
    kind: String,
    message: &'a str,
}

/// A `CloudWatch` error reply (see [`super::error`]).
pub fn error(codec: Codec, query_code: &str, message: &str, status: u16) -> Reply {
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    let mut headers = success_headers(codec);
    headers.push((
        "x-amzn-query-error".to_owned(),
        format!("{query_code};{fault}"),
    ));
    let body = ErrorBody {
        kind: format!("com.amazonaws.cloudwatch#{}", shape_name(query_code)),
        message,
    };
    let bytes = match codec {
        Codec::Cbor => {
            let mut out = Vec::new();
            // Encoding two strings into a Vec cannot fail; fall back to an empty map regardless.
            match ciborium::into_writer(&body, &mut out) {
                Ok(()) => out,
                Err(_) => vec![0xa0],
            }
        }
        Codec::Json => serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec()),
    };
    Reply {
        status,
        headers,
        body: bytes,
    }
}
