//! Shared test helpers: moto's server and seeding it through the AWS SDK.

pub mod moto;
