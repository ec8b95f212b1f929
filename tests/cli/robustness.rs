//! Bad input never panics: arbitrary text through the AppSpec parser and the config loader
//! gives a value or an error that names what is wrong, never a crash (property tests).

use std::path::Path;

use proptest::prelude::*;
use rollwatch::domain::parse_appspec;

/// Text that looks a little like an AppSpec or a config file (keys, brackets, quotes, numbers),
/// so the cases reach past the first syntax check, mixed with anything at all.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("version: 0.0\n".to_string()),
                Just("Resources:\n".to_string()),
                Just("  - fn:\n      Type: AWS::Lambda::Function\n".to_string()),
                Just("      Properties:\n        Name: f\n".to_string()),
                Just("        Alias: live\n        CurrentVersion: 1\n".to_string()),
                Just("        TargetVersion: 2\n".to_string()),
                Just("Hooks:\n  - BeforeAllowTraffic: h\n".to_string()),
                Just("[refresh]\n".to_string()),
                Just("details_secs = 5\n".to_string()),
                Just("[verdict]\nconfidence = 0.95\n".to_string()),
                Just("[verdict.functions.f]\n".to_string()),
                Just("[keys]\nquit = [\"q\"]\n".to_string()),
                Just("[profiles.prod]\nread_only = true\n".to_string()),
                Just("{\"Resources\":[{\"f\":{\"Properties\":{\"Name\":1}}}]}".to_string()),
                "[ -~]{0,20}".prop_map(|s| format!("{s}\n")),
                Just("= [ { \" ' : - \n".to_string()),
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_appspec_parser_never_panics(text in texty()) {
        let _ = parse_appspec(&text);
    }

    #[test]
    fn the_config_loader_never_panics_and_names_the_file(text in texty()) {
        if let Err(e) = rollwatch::config::parse(&text, Path::new("c.toml")) {
            prop_assert!(e.to_string().starts_with("c.toml"), "{e}");
        }
    }
}
