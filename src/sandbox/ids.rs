//! Deterministic identifiers (deployment ids, revision ids, request ids, log stream GUIDs) drawn
//! from a seeded generator, so a run with the same `--seed` names things the same way.

/// A splitmix64 generator: tiny, fast and good enough for identifiers.
#[derive(Debug, Clone)]
pub struct IdGen {
    state: u64,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl IdGen {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed ^ 0x5DEE_CE66_D1CE_4E5B,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A UUID-shaped string (version 4 layout).
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    /// `count` uppercase alphanumeric characters.
    pub fn alnum(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(ALNUM[(self.next_u64() % ALNUM.len() as u64) as usize]))
            .collect()
    }

    /// 32 lowercase hex digits (a Lambda execution-environment GUID).
    pub fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::IdGen;

    #[test]
    fn same_seed_same_ids() {
        let (mut a, mut b) = (IdGen::new(7), IdGen::new(7));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.alnum(9).len(), 9);
        assert_ne!(IdGen::new(8).uuid(), IdGen::new(7).uuid());
    }
}
