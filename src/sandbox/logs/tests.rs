//! Unit tests of the simulated `CloudWatch` Logs.
