//! `{placeholder}` texts in rule explanations and procedure steps, filled
//! with the incident's hosts and figures and with the evidence's fields.

use crate::signals::{FieldValue, Fields};
use std::borrow::Cow;

/// Placeholders that need no field name.
const PLAIN: [&str; 13] = [
    "uncovered",
    "evidence_span_s",
    "window_s",
    "overlap_s",
    "overlap_pct",
    "subject",
    "node",
    "observer",
    "peers",
    "timeout_s",
    "interval_s",
    "anchor",
    "count",
];
/// Placeholders of the form `{first.FIELD}`, `{sum.FIELD}`, `{max.FIELD}`;
/// `{first.FIELD|TEXT}` renders TEXT when no evidence carries the field.
const WITH_FIELD: [&str; 3] = ["first", "sum", "max"];

/// The values a rule's texts are filled with.
#[derive(Clone, Debug, Default)]
pub struct TemplateValues<'a> {
    /// The failing host; `None` when the incident names no host of the
    /// bundle (the text then says "the failing host", or "the host of node X").
    pub subject: Option<String>,
    /// The node, else the subject host; `None` when neither is known.
    pub node: Option<String>,
    /// The host that noticed; `None` renders as nothing.
    pub observer: Option<String>,
    pub peers: String,
    pub timeout_s: f64,
    pub interval_s: f64,
    pub anchor: String,
    /// A sentence naming the incident's hosts whose logs do not reach into
    /// its window (empty when they all do), so "nothing was found" is not
    /// said of logs that were never there.
    pub uncovered: String,
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
    /// From the first cited line to the last, in ms: how long the same
    /// state lasted in snapshots taken apart (thread dumps). `None` when
    /// every cited line has the same time.
    pub evidence_span_ms: Option<f64>,
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

/// Fills `text`. A value that is not there — a field no evidence
/// carries, an observer the incident does not have — renders as nothing,
/// and the text around it is tidied so it reads as if written without it:
/// a parenthesised part (between `(`, `,`, `;` and `)`) that only held
/// missing values goes, with its separator, and so does a group left
/// empty; no doubled space, no space before punctuation, no dangling comma.
pub fn render(text: &str, values: &TemplateValues<'_>) -> String {
    let mut tokens = Vec::with_capacity(text.len());
    let literal =
        |tokens: &mut Vec<Token>, part: &str| tokens.extend(part.chars().map(Token::Char));
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        literal(&mut tokens, &rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                tokens.push(match value_of(&after[..close], values) {
                    Some(value) if !value.is_empty() => Token::Value(value),
                    _ => Token::Missing,
                });
                rest = &after[close + 1..];
            }
            None => {
                literal(&mut tokens, &rest[open..]);
                rest = "";
            }
        }
    }
    literal(&mut tokens, rest);
    let mut out = spaced(&groups(tokens));
    if text.starts_with("{subject}") && values.subject.is_none() {
        capitalise(&mut out);
    }
    out
}

/// A rendered text before it is tidied.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// A character of the template itself.
    Char(char),
    /// A placeholder's value.
    Value(String),
    /// A placeholder without a value (or a group emptied by them).
    Missing,
}

/// Tidies every parenthesised group of the template's own text.
fn groups(tokens: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == Token::Char('(')
            && let Some(close) = matching(&tokens, i)
        {
            out.extend(group(groups(tokens[i + 1..close].to_vec())));
            i = close + 1;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// The `)` that closes the `(` at `open`.
fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Char('(') => depth += 1,
            Token::Char(')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A part of a group and the separator (`,` or `;`) after it.
type Part = (Vec<Token>, Option<Token>);

/// One group, from the tidied tokens inside its parentheses: the parts
/// that held only missing values are dropped with their separator; a group
/// they leave empty is dropped whole.
fn group(inner: Vec<Token>) -> Vec<Token> {
    let had_missing = inner.contains(&Token::Missing);
    let mut parts: Vec<Part> = vec![(Vec::new(), None)];
    let mut depth = 0i32;
    for token in inner {
        match token {
            Token::Char('(') => depth += 1,
            Token::Char(')') => depth -= 1,
            _ => {}
        }
        let last = parts.last_mut().expect("one part at least");
        if depth == 0 && matches!(token, Token::Char(',' | ';')) {
            last.1 = Some(token);
            parts.push((Vec::new(), None));
        } else {
            last.0.push(token);
        }
    }
    let only_missing = |part: &[Token]| {
        part.contains(&Token::Missing) && !part.iter().any(|t| matches!(t, Token::Value(_)))
    };
    let count = parts.len();
    let kept: Vec<(usize, Part)> = parts
        .into_iter()
        .enumerate()
        .filter(|(_, (part, _))| !only_missing(part))
        .collect();
    let blank =
        |t: &Token| *t == Token::Missing || matches!(t, Token::Char(c) if c.is_whitespace());
    if had_missing && kept.iter().all(|(_, (part, _))| part.iter().all(blank)) {
        return vec![Token::Missing];
    }
    let first_dropped = kept.first().is_some_and(|(i, _)| *i != 0);
    let last_dropped = kept.last().is_some_and(|(i, _)| *i != count - 1);
    let mut out = vec![Token::Char('(')];
    let kept_count = kept.len();
    for (n, (_, (mut part, separator))) in kept.into_iter().enumerate() {
        if n == 0 && first_dropped {
            let lead = part.iter().take_while(|t| blank(t)).count();
            part.drain(..lead);
        }
        let last = n + 1 == kept_count;
        if last && last_dropped {
            while part.last().is_some_and(blank) {
                part.pop();
            }
        }
        out.extend(part);
        if !last {
            out.extend(separator);
        }
    }
    out.push(Token::Char(')'));
    out
}

/// The tokens as text, with the spaces and punctuation around missing
/// values tidied.
fn spaced(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut skip_spaces = false;
    let mut skip_separator = false;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Char(c) if skip_spaces && c.is_whitespace() => {}
            Token::Char(',' | ';') if skip_separator => {
                skip_separator = false;
                skip_spaces = true;
            }
            Token::Char(c) => {
                skip_separator = false;
                skip_spaces = false;
                out.push(*c);
            }
            Token::Value(value) => {
                skip_spaces = false;
                skip_separator = false;
                out.push_str(value);
            }
            Token::Missing => {
                let next = next_char(&tokens[i + 1..]);
                let after_space_or_open = out.is_empty()
                    || out.ends_with(char::is_whitespace)
                    || out.ends_with(['(', '[']);
                let at_start = out.trim_end().is_empty() || out.trim_end().ends_with(['(', '[']);
                match next {
                    Some(c) if c.is_whitespace() => skip_spaces |= after_space_or_open,
                    // Nothing before it to separate from.
                    Some(',' | ';') if at_start => skip_separator = true,
                    Some(c) if !",.;:)]".contains(c) => {}
                    _ => {
                        // Before punctuation or at the end: no space, and no
                        // separator left hanging before it.
                        out.truncate(out.trim_end().len());
                        if out.ends_with([',', ';']) {
                            out.pop();
                            out.truncate(out.trim_end().len());
                        }
                    }
                }
            }
        }
    }
    out.trim().to_string()
}

/// The first character the tokens will print.
fn next_char(tokens: &[Token]) -> Option<char> {
    tokens.iter().find_map(|token| match token {
        Token::Char(c) => Some(*c),
        Token::Value(value) => value.chars().next(),
        Token::Missing => None,
    })
}

fn capitalise(text: &mut String) {
    if let Some(first) = text.chars().next() {
        let upper: String = first.to_uppercase().collect();
        text.replace_range(..first.len_utf8(), &upper);
    }
}

fn value_of(key: &str, v: &TemplateValues<'_>) -> Option<String> {
    if let Some((key, fallback)) = key.split_once('|') {
        return value_of(key, v)
            .filter(|value| !value.is_empty())
            .or_else(|| Some(fallback.to_string()));
    }
    match key {
        "subject" => Some(v.subject.clone().unwrap_or_else(|| match &v.node {
            Some(node) => format!("the host of node {node}"),
            None => "the failing host".into(),
        })),
        "node" => v.node.clone(),
        "observer" => v.observer.clone(),
        "peers" => Some(v.peers.clone()),
        "timeout_s" => Some(number(v.timeout_s)),
        "interval_s" => Some(number(v.interval_s)),
        "anchor" => Some(v.anchor.clone()),
        "uncovered" => (!v.uncovered.is_empty()).then(|| v.uncovered.clone()),
        "count" => Some(v.count.to_string()),
        "window_s" => Some(number(v.window_s)),
        "evidence_span_s" => v.evidence_span_ms.map(|ms| number(round1(ms / 1000.0))),
        "overlap_s" => v.overlap_ms.map(|ms| number(round1(ms / 1000.0))),
        "overlap_pct" => v
            .overlap_ms
            .filter(|_| v.timeout_s > 0.0)
            .map(|ms| number((ms / 10.0 / v.timeout_s).round())),
        _ => field_value(key, v),
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
            subject: Some("gw01".into()),
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
            "gw01: 2 pauses, 42500.5 ms of 32 s; ip 10.0.0.9"
        );
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), FieldValue::Text(v.to_string())))
            .collect()
    }

    fn with(evidence: &Fields) -> TemplateValues<'_> {
        TemplateValues {
            subject: Some("gw01".into()),
            node: Some("node01".into()),
            timeout_s: 32.0,
            count: 5,
            evidence: vec![Cow::Borrowed(evidence)],
            ..TemplateValues::default()
        }
    }

    const DB: &str = "{subject} logged {count} database error(s) saying the database was not available ({first.vendor} {first.vendor_code}{first.state}) in the {timeout_s} s before the master gave up.";

    #[test]
    fn a_missing_field_renders_as_nothing_and_leaves_no_stray_punctuation() {
        let cases = [
            (
                fields(&[("vendor", "oracle"), ("vendor_code", "01034")]),
                "gw01 logged 5 database error(s) saying the database was not available (oracle 01034) in the 32 s before the master gave up.",
            ),
            (
                fields(&[("vendor", "postgresql"), ("state", "shutting down")]),
                "gw01 logged 5 database error(s) saying the database was not available (postgresql shutting down) in the 32 s before the master gave up.",
            ),
            (
                fields(&[("vendor", "sqlserver")]),
                "gw01 logged 5 database error(s) saying the database was not available (sqlserver) in the 32 s before the master gave up.",
            ),
            (
                fields(&[("vendor_code", "01034")]),
                "gw01 logged 5 database error(s) saying the database was not available (01034) in the 32 s before the master gave up.",
            ),
            (
                fields(&[]),
                "gw01 logged 5 database error(s) saying the database was not available in the 32 s before the master gave up.",
            ),
        ];
        for (evidence, expected) in &cases {
            assert_eq!(render(DB, &with(evidence)), *expected);
        }
    }

    #[test]
    fn the_span_of_the_evidence_is_said_only_when_it_has_one() {
        let text = "BLOCKED (and still so {evidence_span_s} s later in the last dump), waiting";
        let none = fields(&[]);
        let mut v = with(&none);
        assert_eq!(render(text, &v), "BLOCKED, waiting");
        v.evidence_span_ms = Some(30_000.0);
        assert_eq!(
            render(text, &v),
            "BLOCKED (and still so 30 s later in the last dump), waiting"
        );
    }

    #[test]
    fn a_part_of_a_parenthesis_that_only_held_missing_values_goes_with_its_separator() {
        let some = fields(&[("duration_ms", "120"), ("overload", "run queue")]);
        let v = with(&some);
        let cases = [
            (
                "(longest {first.duration_ms} ms, operation {first.operation}).",
                "(longest 120 ms).",
            ),
            ("({first.cause}, {first.duration_ms} ms)", "(120 ms)"),
            (
                "(first reason: {first.overload}; run queue up to {max.run_queue}, CPU steal up to {max.duration_ms} %)",
                "(first reason: run queue; CPU steal up to 120 %)",
            ),
            (
                "a GC (first: {first.kind}) in the window",
                "a GC in the window",
            ),
            (
                "a GC (first: {first.kind}, cause {first.cause}), then",
                "a GC, then",
            ),
            ("cause {first.cause}, heap", "cause, heap"),
            ("ip {first.ip}.", "ip."),
            ("`Float ip {first.ip} is invalid`", "`Float ip is invalid`"),
            (
                "System.gc() and error(s) ({first.cause})",
                "System.gc() and error(s)",
            ),
            ("{first.kind} at {anchor}", "at"),
            ("{first.cause}, {first.duration_ms} ms", "120 ms"),
            ("a; {first.cause}; {first.duration_ms} ms", "a; 120 ms"),
        ];
        for (template, expected) in cases {
            assert_eq!(render(template, &v), expected, "{template}");
        }
    }

    #[test]
    fn hosts_the_incident_does_not_name_read_well() {
        let none = fields(&[]);
        let mut v = with(&none);
        v.observer = None;
        assert_eq!(
            render(
                "{subject} (node {node}) kept running while the master {observer} waited {timeout_s} s.",
                &v
            ),
            "gw01 (node node01) kept running while the master waited 32 s."
        );
        v.subject = None;
        assert_eq!(
            render(
                "{subject} logged {count} error(s); test the path from {subject} to the master gateway {observer} (ping).",
                &v
            ),
            "The host of node node01 logged 5 error(s); test the path from the host of node node01 to the master gateway (ping)."
        );
        v.node = None;
        assert_eq!(
            render("{subject} (node {node}) stopped.", &v),
            "The failing host stopped."
        );
    }

    #[test]
    fn no_built_in_rule_text_shows_a_gap_when_nothing_is_known() {
        use crate::definitions::builtin;
        use crate::rules::RuleBook;
        use crate::signals::SignalCatalog;
        let files = builtin();
        let catalog = SignalCatalog::build(&files).unwrap();
        let book = RuleBook::build(&files, &catalog).unwrap();
        let values = TemplateValues {
            peers: "none in this bundle".into(),
            anchor: "2026-03-12 10:15:50Z".into(),
            timeout_s: 32.0,
            ..TemplateValues::default()
        };
        for rule in book.rules() {
            for text in std::iter::once(&rule.explanation).chain(&rule.procedure) {
                let out = render(text, &values);
                if std::env::var_os("HBDIAG_SHOW_RENDERED").is_some() {
                    println!("{}: {out}", rule.id);
                }
                for gap in ["?", "()", "( ", " )", "  ", " ,", " .", ",,", ", )", "(,"] {
                    assert!(
                        !out.contains(gap) || text.contains(gap),
                        "{}: {gap:?} in {out:?}",
                        rule.id
                    );
                }
            }
        }
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
        assert_eq!(render("stopped ({overlap_s} s)", &none), "stopped");
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
