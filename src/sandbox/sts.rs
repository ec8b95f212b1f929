//! STS in the sandbox: `GetCallerIdentity` only, so rollwatch's header can show the account and
//! the audit can name the caller. AWS Query protocol: a form-encoded POST with
//! `Action=GetCallerIdentity`, answered in XML (errors in the Query `ErrorResponse` shape).

use crate::sandbox::wire::Reply;

/// The sandbox's account, as every ARN it makes says.
pub const ACCOUNT: &str = "123456789012";

/// The operations [`handle`] implements (anything else is `InvalidAction`).
pub const OPERATIONS: &[&str] = &["GetCallerIdentity"];

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The `Action` of a form-encoded STS Query request body (`Version=2011-06-15`), if it is one.
pub fn form_action(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let value = |key: &str| {
        text.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    };
    value("Version").filter(|v| v == "2011-06-15")?;
    value("Action")
}

/// Handles `operation` for the caller's `account`.
pub fn handle(operation: &str, account: &str) -> Reply {
    match operation {
        "GetCallerIdentity" => xml(
            200,
            format!(
                "<GetCallerIdentityResponse xmlns=\"{XMLNS}\"><GetCallerIdentityResult>\
                 <Arn>arn:aws:iam::{account}:user/sandbox</Arn>\
                 <UserId>AIDASANDBOXUSER00001</UserId><Account>{account}</Account>\
                 </GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId>\
                 </ResponseMetadata></GetCallerIdentityResponse>",
                request_id()
            ),
        ),
        other => error(
            "InvalidAction",
            &format!("The sandbox's STS does not implement {other}"),
            400,
        ),
    }
}

/// A Query-protocol error.
pub fn error(code: &str, message: &str, status: u16) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    xml(
        status,
        format!(
            "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{kind}</Type><Code>{code}</Code>\
             <Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            escape(message),
            request_id()
        ),
    )
}

fn xml(status: u16, body: String) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type".into(), "text/xml".into())],
        body: body.into_bytes(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn request_id() -> String {
    "00000000-0000-4000-8000-000000000000".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_comes_from_the_form_body() {
        let body = b"Action=GetCallerIdentity&Version=2011-06-15";
        assert_eq!(form_action(body).as_deref(), Some("GetCallerIdentity"));
        assert_eq!(form_action(b"Version=2011-06-15"), None);
        assert_eq!(
            form_action(b"Action=DescribeAlarms&Version=2010-08-01"),
            None
        );
        assert_eq!(form_action(&[0xff, 0xfe]), None);
    }

    #[test]
    fn get_caller_identity_names_the_account_and_others_are_errors() {
        let ok = handle("GetCallerIdentity", ACCOUNT);
        let text = String::from_utf8(ok.body).unwrap_or_default();
        assert_eq!(ok.status, 200);
        assert!(text.contains("<Account>123456789012</Account>"), "{text}");
        let bad = handle("AssumeRole", ACCOUNT);
        let text = String::from_utf8(bad.body).unwrap_or_default();
        assert_eq!(bad.status, 400);
        assert!(text.contains("<Code>InvalidAction</Code>"), "{text}");
    }
}
