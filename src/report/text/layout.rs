//! Fitting text to a terminal: display widths, word wrapping, middle cuts
//! that keep the figures that matter, aligned columns and colour.

use regex::Regex;
use std::sync::LazyLock;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Width when the output is not a terminal: a pasted report reads well in
/// a ticket or an e-mail at 100 columns.
pub const PIPED_WIDTH: usize = 100;
/// Narrowest width the report is laid out for; narrower terminals get this.
pub const MIN_WIDTH: usize = 60;
/// Widest a line gets, however wide the terminal: prose beyond that is hard
/// to read.
pub const MAX_WIDTH: usize = 160;

/// How the report is laid out: its width and whether it is coloured.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub width: usize,
    pub color: bool,
}

impl Layout {
    /// `width` clamped to what the report can be laid out in.
    pub fn new(width: usize, color: bool) -> Layout {
        Layout {
            width: width.clamp(MIN_WIDTH, MAX_WIDTH),
            color,
        }
    }

    /// `text` in `paint` when colour is on.
    pub fn paint(&self, text: &str, paint: Paint) -> String {
        match self.color {
            true => format!("\x1b[{}m{text}\x1b[0m", paint.code()),
            false => text.to_string(),
        }
    }
}

/// The colours the report uses, by meaning.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Paint {
    Critical,
    Warning,
    Good,
    Quiet,
    Strong,
    Accent,
}

impl Paint {
    fn code(self) -> &'static str {
        match self {
            Paint::Critical => "1;31",
            Paint::Warning => "33",
            Paint::Good => "32",
            Paint::Quiet => "2",
            Paint::Strong => "1",
            Paint::Accent => "36",
        }
    }
}

/// Columns a string takes on a terminal (wide characters count two).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` wrapped at word boundaries into lines of at most `width`
/// columns, the first line after `first` and the rest after `rest`
/// (indents included in the width). A word longer than a line is split.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for mut word in text.split_whitespace() {
        loop {
            let gap = usize::from(!empty);
            if self::width(&line) + gap + self::width(word) <= width {
                if !empty {
                    line.push(' ');
                }
                line.push_str(word);
                empty = false;
                break;
            }
            if !empty {
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                empty = true;
                continue;
            }
            let room = width.saturating_sub(self::width(&line)).max(1);
            let (mut head, mut tail) = split_at_width(word, room);
            if head.is_empty() {
                let first_char = word.chars().next().map_or(0, char::len_utf8);
                (head, tail) = word.split_at(first_char);
            }
            line.push_str(head);
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            word = tail;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The longest prefix of `text` at most `columns` wide, and the rest.
fn split_at_width(text: &str, columns: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > columns {
            return text.split_at(i);
        }
        used += w;
    }
    (text, "")
}

/// The longest suffix of `text` at most `columns` wide.
fn suffix_of_width(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > columns {
            return &text[i + c.len_utf8()..];
        }
        used += w;
    }
    text
}

/// Figures a cut must keep: codes (`ORA-01034`, `DOM_10162`, `ALM-45640`,
/// `errno 110`), durations and sizes (`35.2 s`, `1500 ms`, `3.1 secs`,
/// `512M->498M(1024M)`), addresses (`10.0.0.5:6005`).
static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \b[A-Z][A-Z0-9]{1,9}[-_][0-9]{3,6}\b
        | \b[0-9]+(?:\.[0-9]+)?\s?(?:ms|s|secs?|seconds?|millis|min|minutes?)\b
        | \b[0-9]+[KMG]->[0-9]+[KMG](?:\([0-9]+[KMG]\))?
        | \b[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]+)?\b
        | \berrno[ =]?[0-9]+\b",
    )
    .expect("figure pattern compiles")
});

/// `text` cut to `width` columns with `…` where text was dropped. The cut
/// falls in the middle, but never through a figure (see [`FIGURE`]): it
/// goes in the longest stretch between figures instead, so "the pause
/// length, the error code" survive. Only when the figures alone are wider
/// than `width` is one of them cut.
pub fn cut_middle(text: &str, width: usize) -> String {
    let total = self::width(text);
    if total <= width {
        return text.to_string();
    }
    if width <= 1 {
        return "…".chars().take(width).collect();
    }
    let drop = total - width + 1;
    let figures: Vec<(usize, usize)> = FIGURE
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    match cut_between_figures(text, &figures, drop) {
        Some(cut) => cut,
        None => cut_at_center(text, width),
    }
}

/// The cut of `drop` columns inside one stretch between figures, as near
/// the middle of the text as that stretch allows; `None` when no stretch
/// is long enough.
fn cut_between_figures(text: &str, figures: &[(usize, usize)], drop: usize) -> Option<String> {
    let mut gaps = Vec::with_capacity(figures.len() + 1);
    let mut from = 0;
    for &(start, end) in figures {
        gaps.push((from, start));
        from = end;
    }
    gaps.push((from, text.len()));
    let middle = self::width(text) / 2;
    gaps.into_iter()
        .filter(|&(start, end)| width(&text[start..end]) >= drop)
        .map(|(start, end)| {
            // Columns before the gap, and the gap's own: centre the cut on
            // the text's middle, clamped into the gap.
            let before = width(&text[..start]);
            let gap = width(&text[start..end]);
            let offset = middle
                .saturating_sub(drop / 2)
                .clamp(before, before + gap - drop);
            (offset.abs_diff(middle), start, offset - before)
        })
        .min()
        .map(|(_, start, into_gap)| {
            let (head_in_gap, _) = split_at_width(&text[start..], into_gap);
            let head_end = start + head_in_gap.len();
            let (dropped, _) = split_at_width(&text[head_end..], drop);
            let tail_start = head_end + dropped.len();
            format!("{}…{}", &text[..head_end], &text[tail_start..])
        })
}

fn cut_at_center(text: &str, width: usize) -> String {
    let keep = width - 1;
    let (head, _) = split_at_width(text, keep.div_ceil(2));
    let tail = suffix_of_width(text, keep / 2);
    format!("{head}…{tail}")
}

/// Aligned columns without borders: a header row and rows, laid out in a
/// given width. Every column but the last is as wide as its widest cell
/// (capped); the last takes what is left, and cells too wide for their
/// column are cut in the middle.
pub struct Columns {
    header: Vec<String>,
    rows: Vec<Row>,
    indent: usize,
}

/// A row's cells, and a line of text under it.
struct Row {
    cells: Vec<Cell>,
    note: Option<String>,
}

/// A cell's text and its colour.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub paint: Option<Paint>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, paint: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl Cell {
    /// A coloured cell.
    pub fn painted(text: impl Into<String>, paint: Paint) -> Cell {
        Cell {
            text: text.into(),
            paint: Some(paint),
        }
    }
}

/// Space between two columns.
const GUTTER: usize = 2;

impl Columns {
    /// Columns with these headings, indented by `indent` spaces.
    pub fn new(header: &[&str], indent: usize) -> Columns {
        Columns {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            indent,
        }
    }

    /// Adds a row; missing cells are empty.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row { cells, note: None });
    }

    /// Adds a line of text under the last row, indented past its first
    /// column and cut to the width.
    pub fn note(&mut self, text: String) {
        if let Some(row) = self.rows.last_mut() {
            row.note = Some(text);
        }
    }

    /// True when every column but the last fits uncut in `total` with
    /// `last` columns (or the last's own width, if less) left for the last.
    pub fn fits_with_last_at(&self, last: usize, total: usize) -> bool {
        let widths = self.natural_widths();
        let Some((own, others)) = widths.split_last() else {
            return true;
        };
        let gutters = GUTTER * others.len();
        self.indent + gutters + others.iter().sum::<usize>() + last.min(*own) <= total
    }

    /// The lines of the table, none wider than `layout.width`.
    pub fn render(&self, layout: &Layout) -> Vec<String> {
        let widths = self.widths(layout.width);
        let header: Vec<Cell> = self
            .header
            .iter()
            .map(|h| Cell::painted(h.clone(), Paint::Strong))
            .collect();
        let mut lines = vec![self.line(&header, &widths, layout)];
        let note_indent = self.indent + GUTTER + widths.first().copied().unwrap_or(0);
        for row in &self.rows {
            lines.push(self.line(&row.cells, &widths, layout));
            if let Some(note) = &row.note {
                let room = layout.width.saturating_sub(note_indent);
                lines.push(format!(
                    "{}{}",
                    " ".repeat(note_indent),
                    cut_middle(note, room)
                ));
            }
        }
        lines
    }

    /// Each column's widest cell, its heading included.
    fn natural_widths(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|i| {
                std::iter::once(width(&self.header[i]))
                    .chain(
                        self.rows
                            .iter()
                            .filter_map(|r| r.cells.get(i))
                            .map(|c| width(&c.text)),
                    )
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Each column's width: its widest cell, with the columns before the
    /// last capped so the last keeps at least a third of the line.
    fn widths(&self, total: usize) -> Vec<usize> {
        let n = self.header.len();
        let mut widths = self.natural_widths();
        let room = total.saturating_sub(self.indent + GUTTER * n.saturating_sub(1));
        let last_min = (room / 3).min(widths[n - 1]).max(1);
        let mut fixed: usize = widths[..n - 1].iter().sum();
        while fixed + last_min > room {
            let (widest, _) = widths[..n - 1]
                .iter()
                .enumerate()
                .max_by_key(|(i, w)| (**w, usize::MAX - i))
                .expect("at least two columns");
            if widths[widest] <= 4 {
                break;
            }
            widths[widest] -= 1;
            fixed -= 1;
        }
        widths[n - 1] = room.saturating_sub(fixed).max(1).min(widths[n - 1]);
        widths
    }

    fn line(&self, cells: &[Cell], widths: &[usize], layout: &Layout) -> String {
        let mut out = " ".repeat(self.indent);
        for (i, column) in widths.iter().enumerate() {
            let empty = Cell::from("");
            let cell = cells.get(i).unwrap_or(&empty);
            let text = cut_middle(&cell.text, *column);
            let last = i + 1 == widths.len();
            let pad = if last {
                0
            } else {
                column - width(&text) + GUTTER
            };
            match cell.paint {
                Some(paint) => out.push_str(&layout.paint(&text, paint)),
                None => out.push_str(&text),
            }
            out.push_str(&" ".repeat(pad));
        }
        out.trim_end().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text = "Master gateway infagw01 terminated at 2026-03-12 10:15:50Z: it could not update the domain configuration database for 32 s";
        let lines = wrap(text, 40, "  ", "    ");
        assert!(lines.iter().all(|l| width(l) <= 40), "{lines:#?}");
        assert!(lines[0].starts_with("  Master") && lines[1].starts_with("    "));
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(words, text.split_whitespace().collect::<Vec<_>>());
        let long = wrap(&"x".repeat(95), 40, "", "");
        assert_eq!(
            long.iter().map(|l| l.len()).collect::<Vec<_>>(),
            [40, 40, 15]
        );
        assert_eq!(wrap("", 40, "  ", ""), ["  "]);
    }

    #[test]
    fn middle_cuts_keep_the_figures() {
        let line = "ERROR [Master Elect Data Writer] [DOM_10162] An exception occurred while updating the master election row of the domain repository.";
        let cut = cut_middle(line, 60);
        assert_eq!(width(&cut), 60, "{cut}");
        assert!(cut.contains("DOM_10162") && cut.contains('…'), "{cut}");
        let gc = "[2026-03-12T10:15:14.302+0000][gc] GC(42) Pause Full (Allocation Failure) 1022M->1019M(1024M) 35210.443ms";
        let cut = cut_middle(gc, 50);
        assert!(cut.ends_with("35210.443ms"), "{cut}");
        assert!(cut.contains("1022M->1019M(1024M)"), "{cut}");
        assert_eq!(cut_middle("short", 10), "short");
        assert_eq!(width(&cut_middle("告警告警告警告警告警", 9)), 9);
    }

    #[test]
    fn columns_fit_the_width_and_cut_the_last_one() {
        let mut t = Columns::new(&["ID", "Verdict", "Reason"], 2);
        t.row(vec![
            "INC-1".into(),
            "db_unavailable".into(),
            "x".repeat(200).into(),
        ]);
        t.row(vec![
            "INC-12".into(),
            Cell::painted("gc_pause", Paint::Critical),
        ]);
        let plain = t.render(&Layout::new(80, false));
        assert!(plain.iter().all(|l| width(l) <= 80), "{plain:#?}");
        assert_eq!(plain[0], "  ID      Verdict         Reason");
        assert!(plain[1].contains('…'));
        let coloured = t.render(&Layout::new(80, true));
        assert!(
            coloured[2].contains("\x1b[1;31mgc_pause\x1b[0m"),
            "{coloured:#?}"
        );
    }
}
