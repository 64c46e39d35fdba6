//! The lines of a terminal report as they are written: plain lines, wrapped
//! prose and column tables, all within the layout's width.

use super::TextOptions;
use super::layout::{self, Columns, Layout, Paint};
use crate::report::DisplayZone;

/// A report being written.
pub struct Page<'a> {
    pub options: &'a TextOptions,
    lines: Vec<String>,
}

impl<'a> Page<'a> {
    /// An empty page.
    pub fn new(options: &'a TextOptions) -> Page<'a> {
        Page {
            options,
            lines: Vec::new(),
        }
    }

    /// The layout lines are fitted to.
    pub fn layout(&self) -> &Layout {
        &self.options.layout
    }

    /// The zone times are shown in.
    pub fn zone(&self) -> DisplayZone {
        self.options.zone
    }

    /// One line, cut in the middle if it is too wide. `line` must already be
    /// safe for a terminal and uncoloured.
    pub fn line(&mut self, line: &str) {
        let cut = layout::cut_middle(line, self.layout().width);
        self.lines.push(cut);
    }

    /// A line that may hold colour: the caller keeps it within the width.
    pub fn raw(&mut self, line: String) {
        self.lines.push(line);
    }

    /// An empty line, never two in a row.
    pub fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            self.lines.push(String::new());
        }
    }

    /// A section title.
    pub fn title(&mut self, title: &str) {
        let painted = self.layout().paint(title, Paint::Strong);
        self.lines.push(painted);
    }

    /// Prose wrapped to the width, the first line after `first` and the
    /// others after `rest`.
    pub fn wrap(&mut self, text: &str, first: &str, rest: &str) {
        let width = self.layout().width;
        self.lines.extend(layout::wrap(text, width, first, rest));
    }

    /// A table.
    pub fn columns(&mut self, table: &Columns) {
        let rendered = table.render(self.layout());
        self.lines.extend(rendered);
    }

    /// The page as text, one line break after each line.
    pub fn into_text(mut self) -> String {
        while self.lines.last().is_some_and(String::is_empty) {
            self.lines.pop();
        }
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}
