//! Unit tests of the sandbox as a whole, below the HTTP server: property tests that feed the
//! request decoders and the dispatcher arbitrary and arbitrary-but-structured input
//! ([`decoders`]).

mod decoders;
