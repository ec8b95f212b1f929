//! What the integration tests share, in one place: the sandbox started with a
//! [`SandboxConfig`](rollwatch::sandbox::SandboxConfig), the real binary run against it, one
//! raw HTTP exchange with its `/_sandbox/*` endpoints (the call counters), the AWS SDK clients
//! on it with the ground truth it records, the `live` alias's weights, the tmux driver for the
//! TUI, the `watch --json` runner, moto, the TUI's fixed pictures and models, and the actions
//! tests' environment. Each test file says `mod support;` and uses a part of it.
#![allow(
    dead_code,
    reason = "every test binary compiles all of the support and uses a part of it"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "test support: a step that fails fails the test"
)]

pub mod actions;
pub mod alias;
pub mod http;
pub mod moto;
pub mod oracle;
pub mod run;
pub mod sdk;
pub mod tmux;
pub mod tui;
pub mod watch;

/// Asserts that `text` (an output, a message, a screen) says each of `phrases`, showing the
/// whole text when one is missing.
#[track_caller]
pub fn assert_says(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(text.contains(phrase), "no {phrase:?} in:\n{text}");
    }
}

/// Asserts that `text` begins with `prefix`, showing the whole text when it does not.
#[track_caller]
pub fn assert_begins(text: &str, prefix: &str) {
    assert!(
        text.starts_with(prefix),
        "not beginning with {prefix:?}:\n{text}"
    );
}
