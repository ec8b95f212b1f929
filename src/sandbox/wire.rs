//! The HTTP reply every simulated service hands back to the server, whatever its protocol.

/// A complete HTTP response: status, headers and body bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}
