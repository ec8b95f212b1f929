//! The watched accounts: every profile of `--profile a,b` (or `[ui] profiles`) connected in
//! parallel with its own credentials, regions and budgets, for the TUI, `snapshot`, `watch`
//! and the action commands alike. A profile that cannot connect becomes a failed region of the
//! picture (its error shown in place) while the others work.

use crate::aws::{AwsReader, connect_accounts};
use crate::cli::AwsArgs;
use crate::config::Config;
use crate::domain::{Failure, Owner, RegionPicture};
use crate::engine::unlisted;

/// Every watched profile's readers, and a failed region for each profile that could not
/// connect. `Err` when no profile connected and there was only one (nothing to show).
///
/// The account ids are looked up (one STS call per profile) when several profiles are
/// watched, or when `identify` asks (the TUI's header names the account).
pub async fn connect_all(
    aws: &AwsArgs,
    config: &Config,
    identify: bool,
) -> Result<(Vec<AwsReader>, Vec<RegionPicture>), Failure> {
    let profiles = aws.profiles(&config.ui.profiles);
    let options = aws.connect_options_each(&config.refresh, &profiles);
    let identify = identify || profiles.len() > 1;
    let mut accounts = connect_accounts(&options, identify).await;
    if accounts.len() == 1 {
        if let Some(only) = accounts.pop() {
            return only.readers.map(|r| (r, Vec::new()));
        }
    }
    let (mut readers, mut unreachable) = (Vec::new(), Vec::new());
    for account in accounts {
        match account.readers {
            Ok(r) => readers.extend(r),
            Err(failure) => unreachable.push(unlisted(
                aws.region.join(","),
                Owner {
                    profile: account.profile,
                    account: None,
                },
                failure,
                "this profile could not connect",
            )),
        }
    }
    Ok((readers, unreachable))
}

/// Says on stderr, once each, which profiles could not connect (`prefix`: "rollwatch watch").
pub fn say_unreachable(prefix: &str, unreachable: &[RegionPicture]) {
    for region in unreachable {
        if let Some(failure) = region.listing.failure() {
            eprintln!("{prefix}: {}: {}", region.owner.label(), failure.one_line());
        }
    }
}
