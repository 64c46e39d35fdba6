//! What a hypervisor saw of its guests, in the form it was collected:
//! `esxtop -b` batch CSV taken on the ESXi host ([`super::esxtop`]), or
//! vCenter statistics exported with PowerCLI ([`super::powercli`]). The
//! first header line tells which.

use super::esxtop::{self, EsxtopParser};
use super::powercli::{self, PowerCliParser};
use super::{Parser, Sink};
use crate::read::Line;

/// Parser of hypervisor metrics of either collection.
#[derive(Default)]
pub struct HypervisorParser {
    dialect: Dialect,
}

#[derive(Default)]
enum Dialect {
    #[default]
    Unknown,
    Esxtop(EsxtopParser),
    PowerCli(PowerCliParser),
}

impl HypervisorParser {
    /// A parser that has not seen a header yet.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Whether `text` is the header of either collection.
pub fn is_header(text: &str) -> bool {
    esxtop::is_header(text) || powercli::is_header(text)
}

impl Parser for HypervisorParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        if matches!(self.dialect, Dialect::Unknown) {
            if esxtop::is_header(line.text) {
                self.dialect = Dialect::Esxtop(EsxtopParser::new());
            } else if powercli::is_header(line.text) {
                self.dialect = Dialect::PowerCli(PowerCliParser::new());
            }
        }
        match &mut self.dialect {
            Dialect::Esxtop(p) => p.line(line, sink),
            Dialect::PowerCli(p) => p.line(line, sink),
            Dialect::Unknown if line.text.trim().is_empty() || line.text.starts_with("#TYPE") => {}
            Dialect::Unknown => sink.unparsed(line),
        }
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        match &mut self.dialect {
            Dialect::Esxtop(p) => p.finish(sink),
            Dialect::PowerCli(p) => p.finish(sink),
            Dialect::Unknown => {}
        }
    }
}

/// The fields of a CSV line as esxtop and PowerShell write it, every field
/// quoted (a doubled quote inside a field is left as written: no counter
/// name or VM property needs one), unquoted.
pub(super) fn split_fields(text: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = text.trim_end();
    loop {
        let (field, after) = match rest.strip_prefix('"') {
            Some(quoted) => match quoted
                .find("\",")
                .or_else(|| quoted.strip_suffix('"').map(str::len))
            {
                Some(end) => (&quoted[..end], quoted.get(end + 2..)),
                None => (quoted, None),
            },
            None => match rest.split_once(',') {
                Some((field, after)) => (field, Some(after)),
                None => (rest, None),
            },
        };
        fields.push(field);
        match after {
            Some(after) => rest = after,
            None => return fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_bare_fields_split_alike() {
        assert_eq!(split_fields(r#""a","b c",d,"""#), ["a", "b c", "d", ""]);
        assert_eq!(split_fields("\"unterminated"), ["unterminated"]);
    }
}
