//! Conditions on signal fields, written in rule and signal files as short
//! expressions (`duration_ms >= 1000`, `alarm_id == 45640`,
//! `sum(duration_ms) >= 0.8 * timeout_ms`, `kind in [refused, timeout]`,
//! `failures contains "to-space exhausted"`, `frames contains ["jdbc",
//! "org.postgresql"]` for any of several) and compiled once at load time.

use super::{FieldValue, Fields};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, multispace0};
use nom::combinator::{all_consuming, map, opt};
use nom::multi::separated_list1;
use nom::number::complete::double;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};
use std::fmt;

/// Comparison operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    /// The field's text holds the operand's text (any case): for fields
    /// that join several values, such as a GC pause's `failures`.
    Contains,
}

/// What a condition looks at: one signal's field, or an aggregate over the
/// signals a rule clause selected.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    Field(String),
    Count,
    Sum(String),
    Max(String),
    Min(String),
}

/// A value to compare with. `Scaled` multiplies a figure of the incident
/// (`timeout_ms`, `interval_ms`, `window_ms`) so thresholds follow the
/// configured timeouts.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Number(f64),
    Text(String),
    List(Vec<Operand>),
    Scaled {
        factor: f64,
        parameter: IncidentParameter,
    },
}

/// Figures of an incident a threshold may refer to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IncidentParameter {
    TimeoutMs,
    IntervalMs,
    WindowMs,
}

/// Values of the incident parameters when a rule is evaluated.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct ParameterValues {
    pub timeout_ms: f64,
    pub interval_ms: f64,
    pub window_ms: f64,
}

/// A compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub subject: Subject,
    pub op: Op,
    pub operand: Operand,
    source: String,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Condition {
    /// Parses an expression; the error says what was expected.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let parsed = all_consuming(delimited(multispace0, condition, multispace0)).parse(text);
        match parsed {
            Ok((_, (subject, op, operand))) => {
                let list = matches!(operand, Operand::List(_));
                if op == Op::In && !list {
                    return Err(format!("`{text}`: `in` needs a list such as [a, b]"));
                }
                if list && !matches!(op, Op::In | Op::Ne | Op::Contains) {
                    return Err(format!(
                        "`{text}`: a list goes with `in`, `!=` or `contains` (any of them)"
                    ));
                }
                Ok(Condition {
                    subject,
                    op,
                    operand,
                    source: text.trim().to_string(),
                })
            }
            Err(_) => Err(format!(
                "`{text}` is not a condition; write `FIELD OP VALUE` (e.g. `duration_ms >= 1000`, \
                 `kind in [refused, timeout]`) or an aggregate (`count >= 2`, `sum(duration_ms) >= 0.8 * timeout_ms`)"
            )),
        }
    }

    /// True when the condition looks at one signal rather than a set.
    pub fn is_per_signal(&self) -> bool {
        matches!(self.subject, Subject::Field(_))
    }

    /// Evaluates a per-signal condition against one signal's fields. A
    /// missing field fails the condition.
    pub fn holds_for(&self, fields: &Fields, params: &ParameterValues) -> bool {
        let Subject::Field(name) = &self.subject else {
            return false;
        };
        fields
            .get(name)
            .is_some_and(|value| compare(value, self.op, &self.operand, params))
    }

    /// [`holds_for`](Self::holds_for) with the field asked of `lookup`
    /// rather than read from built fields, so an event is asked for only the
    /// figure the condition names.
    pub fn holds_with(
        &self,
        lookup: impl FnOnce(&str) -> Option<FieldValue>,
        params: &ParameterValues,
    ) -> bool {
        let Subject::Field(name) = &self.subject else {
            return false;
        };
        self.holds_on(lookup(name), params)
    }

    /// The field a per-signal condition tests.
    pub fn field(&self) -> Option<&str> {
        match &self.subject {
            Subject::Field(name) => Some(name),
            _ => None,
        }
    }

    /// Evaluates a per-signal condition on `value`, its field's value as
    /// the caller read it (`None`: the field is missing, which fails).
    pub fn holds_on(&self, value: Option<FieldValue>, params: &ParameterValues) -> bool {
        self.field().is_some()
            && value.is_some_and(|value| compare(&value, self.op, &self.operand, params))
    }

    /// Evaluates an aggregate condition over a set of signals' fields, each
    /// with the number of identical events it stands for.
    pub fn holds_over<'a>(
        &self,
        signals: impl Iterator<Item = (&'a Fields, u32)> + Clone,
        params: &ParameterValues,
    ) -> bool {
        self.measure_over(signals, params).held
    }

    /// [`holds_over`](Self::holds_over) with the figures it compared, for
    /// "why": the aggregate's value (`None` when no selected signal has the
    /// field) and the threshold it was held against.
    pub fn measure_over<'a>(
        &self,
        signals: impl Iterator<Item = (&'a Fields, u32)> + Clone,
        params: &ParameterValues,
    ) -> Measured {
        let numbers = |name: &str| -> Vec<(f64, f64)> {
            signals
                .clone()
                .filter_map(|(f, weight)| {
                    let value = f.get(name).and_then(FieldValue::as_number)?;
                    Some((value, f64::from(weight)))
                })
                .collect()
        };
        let value = match &self.subject {
            Subject::Field(_) => f64::NAN,
            // `+ 0.0`: an empty float sum is -0.0, which the report would
            // print as such.
            Subject::Count => signals.clone().map(|(_, w)| f64::from(w)).sum::<f64>() + 0.0,
            Subject::Sum(name) => numbers(name).iter().map(|(v, w)| v * w).sum::<f64>() + 0.0,
            Subject::Max(name) => numbers(name)
                .into_iter()
                .fold(f64::NAN, |m, (v, _)| m.max(v)),
            Subject::Min(name) => numbers(name)
                .into_iter()
                .fold(f64::NAN, |m, (v, _)| m.min(v)),
        };
        let value = (!value.is_nan()).then_some(value);
        Measured {
            value,
            threshold: self.threshold(params),
            held: value
                .is_some_and(|v| compare(&FieldValue::Number(v), self.op, &self.operand, params)),
        }
    }

    /// The figure the condition compares with, resolved for an incident
    /// (`0.75 * timeout_ms` → 24000); `None` for text and list operands.
    pub fn threshold(&self, params: &ParameterValues) -> Option<f64> {
        match resolve(&self.operand, params) {
            Resolved::Number(n) if !matches!(self.operand, Operand::List(_)) => Some(n),
            _ => None,
        }
    }
}

/// An aggregate condition evaluated: what it saw, against what, and whether
/// it held.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Measured {
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub held: bool,
}

fn compare(value: &FieldValue, op: Op, operand: &Operand, params: &ParameterValues) -> bool {
    if let Operand::List(items) = operand {
        return match op {
            Op::Contains => items.iter().any(|item| contains(value, item)),
            Op::In | Op::Ne => {
                let found = items
                    .iter()
                    .any(|item| compare(value, Op::Eq, item, params));
                (op == Op::In) == found
            }
            _ => false,
        };
    }
    if op == Op::Contains {
        return contains(value, operand);
    }
    let ordering = match (value, resolve(operand, params)) {
        (FieldValue::Number(a), Resolved::Number(b)) => a.partial_cmp(&b),
        (FieldValue::Text(a), Resolved::Number(b)) => {
            a.parse::<f64>().ok().and_then(|a| a.partial_cmp(&b))
        }
        (FieldValue::Number(a), Resolved::Text(b)) => {
            b.parse::<f64>().ok().and_then(|b| a.partial_cmp(&b))
        }
        (FieldValue::Text(a), Resolved::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        Op::Eq => ordering.is_eq(),
        Op::Ne => ordering.is_ne(),
        Op::Gt => ordering.is_gt(),
        Op::Ge => ordering.is_ge(),
        Op::Lt => ordering.is_lt(),
        Op::Le => ordering.is_le(),
        Op::In | Op::Contains => false,
    }
}

fn contains(value: &FieldValue, operand: &Operand) -> bool {
    let needle = match operand {
        Operand::Text(t) => t.to_lowercase(),
        Operand::Number(n) => n.to_string(),
        _ => return false,
    };
    value.to_string().to_lowercase().contains(&needle)
}

enum Resolved<'a> {
    Number(f64),
    Text(&'a str),
}

fn resolve<'a>(operand: &'a Operand, params: &ParameterValues) -> Resolved<'a> {
    match operand {
        Operand::Number(n) => Resolved::Number(*n),
        Operand::Text(t) => Resolved::Text(t),
        Operand::Scaled { factor, parameter } => Resolved::Number(
            factor
                * match parameter {
                    IncidentParameter::TimeoutMs => params.timeout_ms,
                    IncidentParameter::IntervalMs => params.interval_ms,
                    IncidentParameter::WindowMs => params.window_ms,
                },
        ),
        Operand::List(_) => Resolved::Text(""),
    }
}

type Parsed<'a, T> = IResult<&'a str, T>;

fn condition(input: &str) -> Parsed<'_, (Subject, Op, Operand)> {
    (
        subject,
        delimited(multispace0, operator, multispace0),
        operand,
    )
        .parse(input)
}

fn identifier(input: &str) -> Parsed<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.').parse(input)
}

fn subject(input: &str) -> Parsed<'_, Subject> {
    let aggregate = |name: &'static str| {
        preceded(
            (tag(name), multispace0, char('(')),
            delimited(multispace0, identifier, (multispace0, char(')'))),
        )
    };
    alt((
        map(aggregate("sum"), |f| Subject::Sum(f.to_string())),
        map(aggregate("max"), |f| Subject::Max(f.to_string())),
        map(aggregate("min"), |f| Subject::Min(f.to_string())),
        map(identifier, |f| match f {
            "count" => Subject::Count,
            other => Subject::Field(other.to_string()),
        }),
    ))
    .parse(input)
}

fn operator(input: &str) -> Parsed<'_, Op> {
    alt((
        map(tag("=="), |_| Op::Eq),
        map(tag("!="), |_| Op::Ne),
        map(tag(">="), |_| Op::Ge),
        map(tag("<="), |_| Op::Le),
        map(tag(">"), |_| Op::Gt),
        map(tag("<"), |_| Op::Lt),
        map(tag("contains"), |_| Op::Contains),
        map(tag("in"), |_| Op::In),
    ))
    .parse(input)
}

fn operand(input: &str) -> Parsed<'_, Operand> {
    alt((list, scaled, map(double, Operand::Number), text)).parse(input)
}

fn list(input: &str) -> Parsed<'_, Operand> {
    map(
        delimited(
            (char('['), multispace0),
            separated_list1(
                (multispace0, char(','), multispace0),
                alt((map(double, Operand::Number), text)),
            ),
            (multispace0, char(']')),
        ),
        Operand::List,
    )
    .parse(input)
}

fn parameter(input: &str) -> Parsed<'_, IncidentParameter> {
    alt((
        map(tag("timeout_ms"), |_| IncidentParameter::TimeoutMs),
        map(tag("interval_ms"), |_| IncidentParameter::IntervalMs),
        map(tag("window_ms"), |_| IncidentParameter::WindowMs),
    ))
    .parse(input)
}

fn scaled(input: &str) -> Parsed<'_, Operand> {
    alt((
        map(
            (
                double,
                delimited(multispace0, char('*'), multispace0),
                parameter,
            ),
            |(factor, _, parameter)| Operand::Scaled { factor, parameter },
        ),
        map(parameter, |parameter| Operand::Scaled {
            factor: 1.0,
            parameter,
        }),
    ))
    .parse(input)
}

fn text(input: &str) -> Parsed<'_, Operand> {
    let quoted = delimited(char('"'), opt(take_while1(|c| c != '"')), char('"'));
    let bare = take_while1(|c: char| !c.is_whitespace() && c != ',' && c != ']' && c != '[');
    alt((map(quoted, |t: Option<&str>| t.unwrap_or("")), bare))
        .map(|t: &str| Operand::Text(t.to_string()))
        .parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, FieldValue)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    const PARAMS: ParameterValues = ParameterValues {
        timeout_ms: 32000.0,
        interval_ms: 8000.0,
        window_ms: 40000.0,
    };

    #[test]
    fn numeric_text_and_list_conditions() {
        let f = fields(&[
            ("duration_ms", FieldValue::Number(1500.0)),
            ("kind", FieldValue::Text("refused".into())),
            ("alarm_id", FieldValue::Text("45640".into())),
        ]);
        for (text, expected) in [
            ("duration_ms >= 1000", true),
            ("duration_ms < 1000", false),
            ("kind == Refused", true),
            ("kind in [timeout, refused]", true),
            ("kind contains FUS", true),
            ("kind contains \"time out\"", false),
            ("kind contains [\"time out\", efus]", true),
            ("kind contains [jdbc, \"org.postgresql\"]", false),
            ("kind != [timeout, refused]", false),
            ("kind != [timeout, reset]", true),
            ("alarm_id == 45640", true),
            ("alarm_id != 45640", false),
            ("missing == 1", false),
            ("duration_ms >= 0.05 * timeout_ms", false),
        ] {
            let c = Condition::parse(text).unwrap();
            assert_eq!(c.holds_for(&f, &PARAMS), expected, "{text}");
        }
    }

    #[test]
    fn aggregates_over_signals() {
        let a = fields(&[("duration_ms", FieldValue::Number(20000.0))]);
        let b = fields(&[("duration_ms", FieldValue::Number(9000.0))]);
        let set = [a, b];
        let check = |t: &str| {
            Condition::parse(t)
                .unwrap()
                .holds_over(set.iter().map(|f| (f, 1)), &PARAMS)
        };
        assert!(check("sum(duration_ms) >= 0.8 * timeout_ms"));
        assert!(!check("max(duration_ms) >= 0.8 * timeout_ms"));
        assert!(check("count >= 2"));
        assert!(!check("count >= 3"));
        let weighted = |t: &str| {
            Condition::parse(t)
                .unwrap()
                .holds_over(set.iter().map(|f| (f, 3)), &PARAMS)
        };
        assert!(weighted("count >= 6"), "repeats count");
        assert!(weighted("sum(duration_ms) >= 87000"), "and weigh sums");
        assert!(!weighted("max(duration_ms) > 20000"), "but not maxima");
        assert!(
            !Condition::parse("sum(x) > 1")
                .unwrap()
                .holds_over(std::iter::empty(), &PARAMS)
        );
        for empty in ["count >= 1", "sum(x) > 1"] {
            let value = Condition::parse(empty)
                .unwrap()
                .measure_over(std::iter::empty(), &PARAMS)
                .value
                .unwrap();
            assert!(value == 0.0 && value.is_sign_positive(), "{empty}: {value}");
        }
    }

    #[test]
    fn bad_expressions_explain_the_syntax() {
        let err = Condition::parse("duration_ms >>> 3").unwrap_err();
        assert!(err.contains("FIELD OP VALUE"), "{err}");
        assert!(Condition::parse("kind in refused").is_err());
        assert!(Condition::parse("duration_ms >= [1, 2]").is_err());
    }
}
