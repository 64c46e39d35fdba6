//! The terminal report: what a support engineer reads first. A summary of
//! every incident and host, then each incident in a compact block (verdict,
//! explanation, the proving lines, the procedure, what was ruled out), then
//! what to collect for the rules that could not run. `--verbose` gives every
//! table in full. Everything is laid out for a width ([`Layout`]), and every
//! text that comes from the input is made safe for a terminal.

mod compact;
mod explain;
mod layout;
mod page;
mod summary;
mod verbose;

use super::{DisplayZone, Report};
pub use explain::explain;
pub use layout::{Layout, MAX_WIDTH, MIN_WIDTH, PIPED_WIDTH};
use page::Page;
use std::borrow::Cow;
use std::fmt::Write;

/// How the terminal report is laid out and how much it shows.
#[derive(Copy, Clone, Debug)]
pub struct TextOptions {
    /// The zone times are shown in.
    pub zone: DisplayZone,
    pub layout: Layout,
    /// Every evidence line, rule and table in full.
    pub verbose: bool,
}

/// Renders the report for a terminal. Every text that comes from the input
/// (log lines, file and host names, captured fields in explanations and
/// procedures) is passed through [`terminal_safe`], so no log can move the
/// cursor, clear the screen or set the window title.
pub fn render(report: &Report, options: &TextOptions) -> String {
    let mut page = Page::new(options);
    summary::render(&mut page, report);
    if options.verbose {
        verbose::render(&mut page, report);
    } else {
        compact::render(&mut page, report);
    }
    finish(page)
}

/// The page's text, with a last check that no input text escaped cleaning.
fn finish(page: Page<'_>) -> String {
    let text = page.into_text();
    // What the renderers wrote themselves is text, line breaks and colour;
    // this catches any input text a future change forgets to clean.
    safe_but_colour(&text).into_owned()
}

/// [`terminal_safe`] for text of several lines: its line breaks are kept.
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(terminal_safe).collect();
    Cow::Owned(lines.join("\n"))
}

/// [`terminal_safe_lines`], except for the colour sequences the report
/// writes itself (`ESC [ digits ; … m`), which only set colours.
fn safe_but_colour(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && c != '\x1b' && needs_escape(c))
        && !text.contains('\x1b')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&terminal_safe_lines(&rest[..at]));
        let sequence = &rest[at..];
        let colour = sequence
            .strip_prefix("\x1b[")
            .and_then(|s| s.find('m').map(|end| &s[..end]))
            .filter(|params| params.chars().all(|c| c.is_ascii_digit() || c == ';'));
        match colour {
            Some(params) => {
                let len = 2 + params.len() + 1;
                out.push_str(&sequence[..len]);
                rest = &sequence[len..];
            }
            None => {
                out.push_str("\\x1b");
                rest = &sequence[1..];
            }
        }
    }
    out.push_str(&terminal_safe_lines(rest));
    Cow::Owned(out)
}

/// `text` safe to print on a terminal: control characters (C0, DEL, C1)
/// are shown escaped (`\x1b`, `\x07`, `\u{9b}`), a tab as a space, and so
/// are the Unicode bidirectional overrides that reorder what is shown. JSON
/// output is not cleaned: serde escapes control characters there.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if (c as u32) < 0x80 && needs_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// [`terminal_safe`], owned: for cells and formatted lines.
fn clean(text: &str) -> String {
    terminal_safe(text).into_owned()
}

use crate::report::considered::percent;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(terminal_safe("plain text é 告警"), "plain text é 告警");
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("a\x1b]0;owned\x07b\x1b[2J\tc\u{9b}d\u{202e}e\x7f\r\n"),
            "a\\x1b]0;owned\\x07b\\x1b[2J c\\u{9b}d\\u{202e}e\\x7f\\x0d\\x0a"
        );
    }

    #[test]
    fn the_last_check_keeps_colour_and_escapes_everything_else() {
        assert_eq!(
            safe_but_colour("\x1b[1;31mCRITICAL\x1b[0m ok\n"),
            "\x1b[1;31mCRITICAL\x1b[0m ok\n"
        );
        assert_eq!(
            safe_but_colour("a\x1b]0;pwned\x07 \x1b[2J\x1b[31"),
            "a\\x1b]0;pwned\\x07 \\x1b[2J\\x1b[31"
        );
    }
}
