//! Stable incident fingerprints, so a ticketing system can tell that a
//! re-collected bundle shows an incident it already has.

use crate::incidents::IncidentKind;
use chrono::{DateTime, SecondsFormat, Utc};

/// `hb1-` and 16 hex digits of an FNV-1a hash over the incident's kind,
/// host, node and anchor time (to the millisecond). Nothing that depends on
/// the rest of the bundle goes in, so it survives re-collection.
pub fn of(
    kind: IncidentKind,
    host: Option<&str>,
    node: Option<&str>,
    anchor: DateTime<Utc>,
) -> String {
    let key = format!(
        "{}|{}|{}|{}",
        kind.name(),
        host.unwrap_or("").to_lowercase(),
        node.unwrap_or("").to_lowercase(),
        anchor.to_rfc3339_opts(SecondsFormat::Millis, true)
    );
    format!("hb1-{:016x}", fnv1a(key.as_bytes()))
}

/// 64-bit FNV-1a: stable across Rust releases, unlike std's hasher.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_incident_same_fingerprint_and_known_value() {
        let t = DateTime::parse_from_rfc3339("2026-03-12T10:15:54.410Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = of(
            IncidentKind::MasterDbTimeout,
            Some("infagw01"),
            Some("node01"),
            t,
        );
        assert_eq!(
            a,
            of(
                IncidentKind::MasterDbTimeout,
                Some("INFAGW01"),
                Some("node01"),
                t
            )
        );
        assert_ne!(
            a,
            of(
                IncidentKind::NodeMarkedDead,
                Some("infagw01"),
                Some("node01"),
                t
            )
        );
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
