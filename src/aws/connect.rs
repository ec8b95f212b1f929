//! Building the SDK clients: profile, one client set per region, an optional endpoint (the
//! sandbox, moto), static credentials for the demo, timeouts, and the service-clock
//! interceptor.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

use super::budget::{Budgets, Limits};
use super::clock::ServiceClock;
use super::logs::LogsReader;
use super::reader::AwsReader;
use super::write::{AwsWriter, Mode};
use crate::domain::Profile;
use crate::domain::{Failure, FailureKind};

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub profile: Profile,
    /// Read `profile`'s own credentials from the AWS files, never the environment's: with
    /// `--profile a,b` each account must be read and acted on with its own (as the AWS CLI's
    /// `--profile`). One profile alone keeps the SDK's default chain (environment first).
    pub own_credentials: bool,
    /// Empty: the profile's (or environment's) region.
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Use fixed fake credentials (the demo against the built-in sandbox).
    pub static_credentials: bool,
    /// Request budgets per service and the timeout of every call (`[refresh]`).
    pub limits: Limits,
    /// How fast the service's clock runs against this machine's, when known beforehand (the
    /// demo's `--speed`); otherwise learnt from responses, and nothing is judged stale until it is.
    pub clock_rate: Option<f64>,
}

/// One reader per region.
pub async fn connect(options: &ConnectOptions) -> Result<Vec<AwsReader>, Failure> {
    let mut regions = options.regions.clone();
    regions.retain(|r| !r.trim().is_empty());
    if regions.is_empty() {
        let base = loader(options, None).load().await;
        let Some(region) = base.region() else {
            let what = match options.profile.name() {
                Some(p) => format!("profile {p} does not exist or sets no region"),
                None => "no region is configured".to_string(),
            };
            return Err(Failure::new(
                FailureKind::BadConfiguration,
                "config",
                "region",
                format!("{what}: pass --region (e.g. --region us-east-1) or set AWS_REGION"),
                options.profile.name(),
            ));
        };
        regions.push(region.to_string());
    }
    for region in &regions {
        check_region_name(region.trim(), options.profile.name())?;
    }
    let mut readers = Vec::new();
    for region in regions {
        let config = loader(options, Some(region.trim().to_string()))
            .load()
            .await;
        readers.push(reader(&config, region.trim(), options));
    }
    Ok(readers)
}

/// One profile's connection: its readers (one per region, each knowing the account), or why
/// it could not connect.
pub struct AccountReaders {
    pub profile: Profile,
    pub readers: Result<Vec<AwsReader>, Failure>,
}

/// Every profile of `options` connected in parallel, each with its own credentials, regions
/// and budgets, and (with `identify`) its account from one STS call (at most 3 s; unknown when
/// it fails, which the log says). A profile that cannot connect keeps its failure; the others
/// still work.
pub async fn connect_accounts(options: &[ConnectOptions], identify: bool) -> Vec<AccountReaders> {
    futures::future::join_all(options.iter().map(|o| async move {
        let readers = match connect(o).await {
            Ok(mut readers) => {
                let account = match readers.first() {
                    Some(r) if identify => account_of(o, super::DeploymentReader::region(r)).await,
                    _ => None,
                };
                for r in &mut readers {
                    r.set_account(account.clone());
                }
                Ok(readers)
            }
            Err(f) => Err(f),
        };
        AccountReaders {
            profile: o.profile.clone(),
            readers,
        }
    }))
    .await
}

/// The account of `options`' credentials (one STS call in `region`, at most 3 s).
async fn account_of(options: &ConnectOptions, region: &str) -> Option<String> {
    let lookup = caller_identity(options, region);
    match tokio::time::timeout(Duration::from_secs(3), lookup).await {
        Ok(Ok(identity)) => Some(identity.account).filter(|a| !a.is_empty()),
        Ok(Err(failure)) => {
            tracing::warn!("account unknown: {}", failure.one_line());
            None
        }
        Err(_) => {
            tracing::warn!("account unknown: STS GetCallerIdentity took over 3 s");
            None
        }
    }
}

/// Who these credentials are (STS GetCallerIdentity, which needs no permission): the account
/// for the TUI's header. One call, in `region`.
pub async fn caller_identity(
    options: &ConnectOptions,
    region: &str,
) -> Result<super::CallerIdentity, Failure> {
    let config = loader(options, Some(region.trim().to_string()))
        .load()
        .await;
    let site = super::errors::CallSite {
        service: "sts",
        operation: "GetCallerIdentity",
        profile: options.profile.name(),
    };
    let out = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| super::errors::classify(&e, site))?;
    Ok(super::CallerIdentity {
        arn: out.arn().unwrap_or_default().to_string(),
        account: out.account().unwrap_or_default().to_string(),
        user_id: out.user_id().unwrap_or_default().to_string(),
    })
}

/// Clients that never re-send a request on their own: reads retry within their budget
/// (`call::read`), writes are sent exactly once. Every attempt times out after
/// `[refresh] call_timeout_secs`.
fn loader(options: &ConnectOptions, region: Option<String>) -> aws_config::ConfigLoader {
    let timeout = Duration::from_secs(u64::from(options.limits.call_timeout_secs.max(1)));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3).min(timeout))
                .operation_attempt_timeout(timeout)
                .operation_timeout(timeout * 3)
                .build(),
        )
        .retry_config(RetryConfig::disabled());
    if let Some(profile) = options.profile.name() {
        loader = loader.profile_name(profile);
        if options.own_credentials {
            loader = loader.credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(profile)
                    .build(),
            );
        }
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if options.static_credentials {
        loader = loader.credentials_provider(Credentials::new(
            "rollwatch-demo",
            "rollwatch-demo",
            None,
            None,
            "rollwatch-demo",
        ));
    }
    loader
}

fn reader(config: &SdkConfig, region: &str, options: &ConnectOptions) -> AwsReader {
    let clock = options
        .clock_rate
        .map_or_else(ServiceClock::default, ServiceClock::with_rate);
    let codedeploy = aws_sdk_codedeploy::Client::from_conf(
        aws_sdk_codedeploy::config::Builder::from(config)
            .interceptor(clock.interceptor())
            .build(),
    );
    let lambda = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(config)
            .interceptor(clock.interceptor())
            .build(),
    );
    let cloudwatch = aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::config::Builder::from(config)
            .interceptor(clock.interceptor())
            .build(),
    );
    AwsReader::new(
        region.to_string(),
        options.profile.clone(),
        codedeploy,
        lambda,
        cloudwatch,
        clock,
        Budgets::new(&options.limits),
    )
}

/// A logs reader for `region` (the logs pane).
pub async fn connect_logs(options: &ConnectOptions, region: &str) -> LogsReader {
    let config = loader(options, Some(region.trim().to_string()))
        .load()
        .await;
    LogsReader::new(
        options.profile.clone(),
        aws_sdk_cloudwatchlogs::Client::new(&config),
        aws_sdk_lambda::Client::new(&config),
    )
}

/// AWS regions (commercial, GovCloud and China) as of late 2026: only used to suggest a name
/// for a mistyped `--region`; a region shaped like these but not listed is let through.
const KNOWN_REGIONS: [&str; 38] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eusc-de-east-1",
];

/// Refuses a region name that cannot be one (`mars-1`, `us-east`, `US-EAST-1`), naming the
/// nearest known ones; AWS would only answer with a DNS failure.
fn check_region_name(region: &str, profile: Option<&str>) -> Result<(), Failure> {
    let parts: Vec<&str> = region.split('-').collect();
    let shaped = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    if shaped {
        return Ok(());
    }
    let lower = region.to_ascii_lowercase();
    let mut nearest: Vec<(usize, &str)> = KNOWN_REGIONS
        .iter()
        .map(|known| (strsim::levenshtein(&lower, known), *known))
        .collect();
    nearest.sort_unstable();
    let names: Vec<&str> = nearest.iter().take(3).map(|(_, name)| *name).collect();
    let mut failure = Failure::new(
        FailureKind::BadConfiguration,
        "config",
        "region",
        format!("`{region}` is not an AWS region name"),
        profile,
    );
    failure.hint = format!(
        "did you mean {}? (--region us-east-1,eu-west-1)",
        names.join(", ")
    );
    Err(failure)
}

/// The write side for `region`, for operator actions. In read-only mode it is not constructed:
/// the refusal says where read-only came from, and nothing can send a mutating call.
pub async fn connect_writer(
    options: &ConnectOptions,
    region: &str,
    mode: &Mode,
) -> Result<AwsWriter, Failure> {
    if let Mode::ReadOnly(why) = mode {
        let mut failure = Failure::new(
            FailureKind::BadConfiguration,
            "rollwatch",
            "connect_writer",
            format!("read-only mode ({why}): operator actions are disabled"),
            options.profile.name(),
        );
        failure.hint =
            "run without --read-only on a profile without `read_only = true` to act".to_string();
        return Err(failure);
    }
    // One request per recorded call: no call is ever re-sent by the SDK (a throttled or
    // timed-out action is reported, and the person decides).
    let config = loader(options, Some(region.trim().to_string()))
        .load()
        .await;
    Ok(AwsWriter::new(
        region.trim().to_string(),
        options.profile.clone(),
        aws_sdk_codedeploy::Client::new(&config),
        aws_sdk_lambda::Client::new(&config),
        aws_sdk_cloudwatchlogs::Client::new(&config),
        aws_sdk_sts::Client::new(&config),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_cannot_be_a_region_is_refused_with_the_nearest_ones() {
        let failure = check_region_name("mars-1", None).expect_err("refused");
        assert_eq!(failure.kind, FailureKind::BadConfiguration);
        assert!(failure.message.contains("`mars-1`"), "{}", failure.message);
        assert!(
            failure.hint.starts_with("did you mean "),
            "{}",
            failure.hint
        );
        let typo = check_region_name("us-east1", None).expect_err("refused");
        assert!(typo.hint.contains("us-east-1"), "{}", typo.hint);
        let upper = check_region_name("EU-WEST-1", None).expect_err("refused");
        assert!(
            upper.hint.starts_with("did you mean eu-west-1,"),
            "{}",
            upper.hint
        );
    }

    #[test]
    fn region_shaped_names_pass_even_when_not_listed() {
        for name in [
            "us-east-1",
            "us-gov-west-1",
            "eusc-de-east-1",
            "xx-newplace-9",
        ] {
            assert!(check_region_name(name, None).is_ok(), "{name}");
        }
    }
}
