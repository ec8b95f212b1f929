//! Simulated CloudWatch Logs: log groups and streams named as Lambda names them, and
//! FilterLogEvents over awsJson1.1.
