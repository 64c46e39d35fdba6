//! FusionInsight northbound syslog alarms. The documented fields are `id,
//! name, serialNo, category (0 fault, 1 clear, 2 event), occurTime,
//! clearTime, isAutoClear, locationInfo, clearType, level (1 critical …
//! 4 warning), cause, additionalInfo, object`, but we have no verbatim line,
//! so the reader is tolerant: `key=value` or JSON-ish `"key": "value"`,
//! any separator, values that contain commas, spaces or `=` (locationInfo
//! holds `Source=…;HostName=…`). A value runs up to the next known key.
//!
//! The line below is our own *representative* reconstruction, not a
//! verbatim sample:
//! `<187>Mar  1 10:15:24 mrs-master1 FusionInsight: id=45640, name=FlinkServer Heartbeat Interruption Between the Active and Standby Nodes, serialNo=3217, category=0, occurTime=2026-03-01 10:15:22 GMT+08:00, clearTime=, isAutoClear=1, locationInfo=Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master1, clearType=-1, level=3, cause=The heartbeat between the active and standby FlinkServer is interrupted., additionalInfo=Local FlinkServer IP=192.168.10.11, Peer FlinkServer IP=192.168.10.12, object=FlinkServer`

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A documented key where it starts a field: `"key":` or `key=` after a
/// word boundary, so `ServiceName=` inside locationInfo is not `name`.
static KEY: LazyLock<Regex> = LazyLock::new(|| {
    const KEYS: &str = "id|name|serialNo|category|occurTime|clearTime|isAutoClear|locationInfo|clearType|level|cause|additionalInfo|object";
    Regex::new(&format!(r#""({KEYS})"\s*:|\b({KEYS})\s*="#)).expect("valid regex")
});

/// The fields of one northbound alarm line, by documented key; values are
/// trimmed, unquoted and never empty.
pub(super) struct Fields<'a>(HashMap<&'a str, &'a str>);

impl<'a> Fields<'a> {
    /// Reads `text` as a northbound alarm; `None` unless it has at least an
    /// `id` and an `occurTime` or `clearTime`.
    pub(super) fn parse(text: &'a str) -> Option<Fields<'a>> {
        let keys: Vec<(&str, usize, usize)> = KEY
            .captures_iter(text)
            .filter_map(|c| {
                let whole = c.get(0)?;
                let key = c.get(1).or_else(|| c.get(2))?.as_str();
                Some((key, whole.start(), whole.end()))
            })
            .collect();
        let mut map = HashMap::new();
        for (i, &(key, _, value_start)) in keys.iter().enumerate() {
            let value_end = keys.get(i + 1).map_or(text.len(), |next| next.1);
            let value = clean_value(&text[value_start..value_end]);
            if !value.is_empty() {
                map.entry(key).or_insert(value);
            }
        }
        let fields = Fields(map);
        (fields.get("id").is_some()
            && (fields.get("occurTime").is_some() || fields.get("clearTime").is_some()))
        .then_some(fields)
    }

    /// The value of a documented key.
    pub(super) fn get(&self, key: &str) -> Option<&'a str> {
        self.0.get(key).copied()
    }
}

/// A raw value without the separators and quotes around it.
fn clean_value(raw: &str) -> &str {
    let trimmed = raw.trim().trim_end_matches([',', ';', '}', '|']).trim_end();
    trimmed
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(trimmed)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_line_with_commas_and_nested_equals() {
        let line = "<187>Mar  1 10:15:24 mrs-master1 FusionInsight: id=45640, name=FlinkServer Heartbeat Interruption Between the Active and Standby Nodes, serialNo=3217, category=0, occurTime=2026-03-01 10:15:22, clearTime=, locationInfo=Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master1, level=3, additionalInfo=Local IP=192.168.10.11, Peer IP=192.168.10.12, object=FlinkServer";
        let fields = Fields::parse(line).unwrap();
        assert_eq!(fields.get("id"), Some("45640"));
        assert_eq!(
            fields.get("name"),
            Some("FlinkServer Heartbeat Interruption Between the Active and Standby Nodes")
        );
        assert_eq!(fields.get("clearTime"), None);
        assert_eq!(
            fields.get("locationInfo"),
            Some("Source=MRS-cluster;ServiceName=Flink;RoleName=FlinkServer;HostName=mrs-master1")
        );
        assert_eq!(
            fields.get("additionalInfo"),
            Some("Local IP=192.168.10.11, Peer IP=192.168.10.12")
        );
        assert_eq!(fields.get("object"), Some("FlinkServer"));
    }

    #[test]
    fn json_ish_line() {
        let line = r#"{"id":"12072","category":"1","occurTime":"2026-03-01 10:14:00","clearTime":"2026-03-01 10:20:00","level":"2","cause":"Float IP: check failed"}"#;
        let fields = Fields::parse(line).unwrap();
        assert_eq!(fields.get("id"), Some("12072"));
        assert_eq!(fields.get("category"), Some("1"));
        assert_eq!(fields.get("clearTime"), Some("2026-03-01 10:20:00"));
        assert_eq!(fields.get("cause"), Some("Float IP: check failed"));
    }

    #[test]
    fn ordinary_lines_are_not_alarms() {
        assert!(Fields::parse("2026-03-01 10:15:22,345 | INFO | [main] | id=3 | x").is_none());
    }
}
