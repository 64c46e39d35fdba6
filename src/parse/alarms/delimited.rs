//! Quote-aware splitting of delimited alarm exports, one line at a time: a
//! quoted field may hold the delimiter, doubled quotes and newlines, so a
//! record is assembled across lines until its quotes balance.

use crate::read::Line;

/// Lines one record may span before it is dropped as an unterminated quote.
const MAX_RECORD_LINES: usize = 200;
/// Bytes one record may hold before it is dropped as an unterminated quote.
const MAX_RECORD_BYTES: usize = 256 * 1024;

/// One complete record: its fields and where it started.
#[derive(Debug)]
pub(super) struct Record {
    /// Line number of the record's first line.
    pub line: u64,
    /// The record's first line as written.
    pub first_text: String,
    /// Unquoted fields, trimmed.
    pub fields: Vec<String>,
}

/// What one line did to the record being assembled.
pub(super) enum Step {
    /// The record is complete.
    Complete(Record),
    /// A quoted field continues on the next line.
    Pending,
    /// The record grew past the limits: an unbalanced quote. Carries the
    /// line where the dropped record began.
    Overflow(u64),
}

/// Assembles records from lines for one delimiter.
pub(super) struct Assembler {
    delimiter: char,
    fields: Vec<String>,
    field: String,
    in_quotes: bool,
    start: Option<(u64, String)>,
    lines: usize,
    bytes: usize,
}

impl Assembler {
    /// An assembler with no record open.
    pub(super) fn new(delimiter: char) -> Self {
        Assembler {
            delimiter,
            fields: Vec::new(),
            field: String::new(),
            in_quotes: false,
            start: None,
            lines: 0,
            bytes: 0,
        }
    }

    /// The line where an unterminated record began, if one is open.
    pub(super) fn open_since(&self) -> Option<u64> {
        self.start.as_ref().map(|(line, _)| *line)
    }

    /// Adds `text` (line `line` with any BOM removed) to the record.
    pub(super) fn push(&mut self, line: &Line<'_>, text: &str) -> Step {
        if self.start.is_none() {
            self.start = Some((line.number, text.to_string()));
        } else {
            self.field.push('\n');
        }
        self.lines += 1;
        self.bytes += text.len();
        self.split_into_fields(text);
        if self.in_quotes {
            if self.lines >= MAX_RECORD_LINES || self.bytes >= MAX_RECORD_BYTES {
                let began = self.open_since().unwrap_or(line.number);
                self.reset();
                return Step::Overflow(began);
            }
            return Step::Pending;
        }
        self.fields
            .push(std::mem::take(&mut self.field).trim().to_string());
        let (line, first_text) = self.start.take().unwrap_or_default();
        let fields = trim_border_fields(std::mem::take(&mut self.fields), self.delimiter);
        self.reset();
        Step::Complete(Record {
            line,
            first_text,
            fields,
        })
    }

    fn split_into_fields(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if self.in_quotes {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        self.field.push('"');
                        chars.next();
                    }
                    '"' => self.in_quotes = false,
                    _ => self.field.push(c),
                }
            } else if c == '"' && self.field.trim().is_empty() {
                self.field.clear();
                self.in_quotes = true;
            } else if c == self.delimiter {
                let done = std::mem::take(&mut self.field);
                self.fields.push(done.trim().to_string());
            } else {
                self.field.push(c);
            }
        }
    }

    fn reset(&mut self) {
        self.fields.clear();
        self.field.clear();
        self.in_quotes = false;
        self.start = None;
        self.lines = 0;
        self.bytes = 0;
    }
}

/// Splits a header line; headers hold no quoted delimiters or newlines.
pub(super) fn split_header(text: &str, delimiter: char) -> Vec<String> {
    let fields = text
        .split(delimiter)
        .map(|f| f.trim().trim_matches('"').trim().to_string())
        .collect();
    trim_border_fields(fields, delimiter)
}

/// TXT exports drawn as tables (`| a | b |`) have empty fields outside the
/// outer bars; they are not columns.
fn trim_border_fields(mut fields: Vec<String>, delimiter: char) -> Vec<String> {
    if delimiter != '|' {
        return fields;
    }
    if fields.last().is_some_and(String::is_empty) {
        fields.pop();
    }
    if fields.first().is_some_and(String::is_empty) {
        fields.remove(0);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_all(assembler: &mut Assembler, lines: &[&str]) -> Vec<Record> {
        let mut done = Vec::new();
        for (i, text) in lines.iter().enumerate() {
            let line = Line {
                number: i as u64 + 1,
                text,
            };
            if let Step::Complete(record) = assembler.push(&line, text) {
                done.push(record);
            }
        }
        done
    }

    #[test]
    fn quoted_comma_doubled_quote_and_newline() {
        let mut assembler = Assembler::new(',');
        let records = push_all(
            &mut assembler,
            &[
                r#"45640,"Peer ""mrs-master2"" lost, retrying"#,
                r#"second line",x"#,
            ],
        );
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].line, 1);
        assert_eq!(
            records[0].fields,
            [
                "45640",
                "Peer \"mrs-master2\" lost, retrying\nsecond line",
                "x"
            ]
        );
        assert_eq!(assembler.open_since(), None);
    }

    #[test]
    fn pipe_table_borders_are_not_columns() {
        let mut assembler = Assembler::new('|');
        let records = push_all(&mut assembler, &["| 45640 | Minor |"]);
        assert_eq!(records[0].fields, ["45640", "Minor"]);
        assert_eq!(
            split_header("| Alarm ID | Severity |", '|'),
            ["Alarm ID", "Severity"]
        );
    }

    #[test]
    fn unbalanced_quote_overflows() {
        let mut assembler = Assembler::new(',');
        let opening = Line {
            number: 7,
            text: "1,\"open",
        };
        assert!(matches!(
            assembler.push(&opening, opening.text),
            Step::Pending
        ));
        let more = Line {
            number: 8,
            text: "more text",
        };
        let mut overflow = None;
        for _ in 1..MAX_RECORD_LINES {
            if let Step::Overflow(began) = assembler.push(&more, more.text) {
                overflow = Some(began);
            }
        }
        assert_eq!(overflow, Some(7));
        assert_eq!(assembler.open_since(), None);
    }
}
