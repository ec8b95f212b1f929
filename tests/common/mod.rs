//! Shared test helpers: moto's server and seeding it through the AWS SDK, and running the
//! binary against the sandbox.

pub mod moto;
pub mod run;
