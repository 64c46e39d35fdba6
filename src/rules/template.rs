//! `{placeholder}` texts in rule explanations and procedure steps, filled
//! with the incident's hosts and figures and with the evidence's fields.

use crate::signals::{FieldValue, Fields};
use std::borrow::Cow;

/// Placeholders that need no field name.
const PLAIN: [&str; 11] = [
    "subject",
    "node",
    "observer",
    "peers",
    "timeout_s",
    "interval_s",
    "anchor",
    "count",
    "window_s",
    "overlap_s",
    "overlap_pct",
];
/// Placeholders of the form `{first.FIELD}`, `{sum.FIELD}`, `{max.FIELD}`;
/// `{first.FIELD|TEXT}` renders TEXT when no evidence carries the field.
const WITH_FIELD: [&str; 3] = ["first", "sum", "max"];

/// The values a rule's texts are filled with.
#[derive(Clone, Debug, Default)]
pub struct TemplateValues<'a> {
    pub subject: String,
    pub node: String,
    pub observer: String,
    pub peers: String,
    pub timeout_s: f64,
    pub interval_s: f64,
    pub anchor: String,
    /// How many signals the rule's required clauses matched.
    pub count: usize,
    /// Fields of the evidence signals, in time order (one set per evidence
    /// line: the fields of every clause signal it raised).
    pub evidence: Vec<Cow<'a, Fields>>,
    /// The length of the window the rule's first clause looked at, in s.
    pub window_s: f64,
    /// How long the stops and silences the required clauses selected (their
    /// `duration_ms` events) lay inside their windows, together, in ms:
    /// overlapping ones count once. `None` when they selected none.
    pub overlap_ms: Option<f64>,
}

/// Checks that every placeholder in `text` is known.
pub fn check(text: &str) -> Result<(), String> {
    for key in placeholders(text) {
        let key = key.split_once('|').map_or(key, |(key, _)| key);
        let known = PLAIN.contains(&key)
            || key
                .split_once('.')
                .is_some_and(|(agg, field)| WITH_FIELD.contains(&agg) && !field.is_empty());
        if !known {
            return Err(format!(
                "unknown placeholder `{{{key}}}`; use {}, or first./sum./max. followed by a field name",
                PLAIN.map(|p| format!("{{{p}}}")).join(", ")
            ));
        }
    }
    Ok(())
}

fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(key, _)| key))
}

/// Fills `text`; a field no evidence carries renders as `?`.
pub fn render(text: &str, values: &TemplateValues<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push_str(&value_of(&after[..close], values));
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn value_of(key: &str, v: &TemplateValues<'_>) -> String {
    if let Some((key, fallback)) = key.split_once('|') {
        let value = value_of(key, v);
        return if value == "?" {
            fallback.to_string()
        } else {
            value
        };
    }
    match key {
        "subject" => v.subject.clone(),
        "node" => v.node.clone(),
        "observer" => v.observer.clone(),
        "peers" => v.peers.clone(),
        "timeout_s" => number(v.timeout_s),
        "interval_s" => number(v.interval_s),
        "anchor" => v.anchor.clone(),
        "count" => v.count.to_string(),
        "window_s" => number(v.window_s),
        "overlap_s" => v
            .overlap_ms
            .map_or_else(|| "?".into(), |ms| number(round1(ms / 1000.0))),
        "overlap_pct" => v.overlap_ms.filter(|_| v.timeout_s > 0.0).map_or_else(
            || "?".into(),
            |ms| number((ms / 10.0 / v.timeout_s).round()),
        ),
        _ => field_value(key, v).unwrap_or_else(|| "?".into()),
    }
}

fn field_value(key: &str, v: &TemplateValues<'_>) -> Option<String> {
    let (agg, field) = key.split_once('.')?;
    let numbers = || {
        v.evidence
            .iter()
            .filter_map(|f| f.get(field).and_then(FieldValue::as_number))
    };
    match agg {
        "first" => v
            .evidence
            .iter()
            .find_map(|f| f.get(field))
            .map(|value| match value {
                FieldValue::Number(n) => number(*n),
                FieldValue::Text(t) => t.clone(),
            }),
        "sum" => numbers().reduce(|a, b| a + b).map(number),
        "max" => numbers().reduce(f64::max).map(number),
        _ => None,
    }
}

fn round1(n: f64) -> f64 {
    (n * 10.0).round() / 10.0
}

/// A figure without noise: whole numbers bare, others to one decimal.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_incident_values_and_evidence_fields() {
        let a: Fields = [("duration_ms".to_string(), FieldValue::Number(30000.0))]
            .into_iter()
            .collect();
        let b: Fields = [
            ("duration_ms".to_string(), FieldValue::Number(12500.5)),
            ("ip".to_string(), FieldValue::Text("10.0.0.9".into())),
        ]
        .into_iter()
        .collect();
        let values = TemplateValues {
            subject: "gw01".into(),
            timeout_s: 32.0,
            count: 2,
            evidence: vec![Cow::Borrowed(&a), Cow::Borrowed(&b)],
            ..TemplateValues::default()
        };
        assert_eq!(
            render(
                "{subject}: {count} pauses, {sum.duration_ms} ms of {timeout_s} s; ip {first.ip}, {first.nope}",
                &values
            ),
            "gw01: 2 pauses, 42500.5 ms of 32 s; ip 10.0.0.9, ?"
        );
    }

    #[test]
    fn overlap_as_seconds_and_share_of_the_timeout() {
        let values = TemplateValues {
            timeout_s: 32.0,
            window_s: 45.0,
            overlap_ms: Some(40_000.0),
            ..TemplateValues::default()
        };
        assert_eq!(
            render("{overlap_s} s of {window_s} s ({overlap_pct} %)", &values),
            "40 s of 45 s (125 %)"
        );
        let none = TemplateValues::default();
        assert_eq!(render("{overlap_s} {overlap_pct}", &none), "? ?");
        assert_eq!(
            render("({first.vendor_code|no code printed})", &none),
            "(no code printed)"
        );
        assert!(check("{first.vendor_code|no code} {overlap_s|?}").is_ok());
    }

    #[test]
    fn unknown_placeholders_are_load_errors() {
        assert!(check("{subject} {first.ip} {max.duration_ms}").is_ok());
        let err = check("{host}").unwrap_err();
        assert!(err.contains("unknown placeholder `{host}`"), "{err}");
    }
}
