//! `hbdiag explain`: one incident and every rule considered for it, each
//! clause with the events it selected and the figures its conditions
//! compared, so a reader sees why the verdict won and why each other cause
//! lost; then the inputs that were missing.

use super::compact::{self, time_near};
use super::layout::{self, Paint};
use super::page::Page;
use super::{TextOptions, clean, finish, percent};
use crate::report::considered;
use crate::report::{ClauseReport, ConditionReport, ConsideredReport, IncidentReport, Report};
use crate::rules::{ClauseRole, Outcome};

/// Events quoted under each clause.
const EVENTS_SHOWN: usize = 3;

/// The explanation of `incident`, for a terminal.
pub fn explain(report: &Report, incident: &IncidentReport, options: &TextOptions) -> String {
    let mut page = Page::new(options);
    compact::heading(&mut page, report, incident);
    match incident.root_causes.first() {
        Some(v) => page.line(&format!(
            "Verdict: {} ({}) by rule {}",
            clean(&v.cause),
            percent(v.confidence),
            clean(&v.rule)
        )),
        None => page.line("No rule held."),
    }
    page.blank();
    page.title(&format!("Rules considered ({})", incident.considered.len()));
    let mut rules: Vec<&ConsideredReport> = incident.considered.iter().collect();
    rules.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| {
                b.confidence
                    .unwrap_or(0.0)
                    .total_cmp(&a.confidence.unwrap_or(0.0))
            })
            .then_with(|| a.rule.cmp(&b.rule))
    });
    for rule in rules {
        considered(&mut page, rule, &incident.time);
    }
    compact::not_evaluated(&mut page, std::slice::from_ref(incident));
    finish(page)
}

/// Held rules first, then those that came nearest.
fn rank(rule: &ConsideredReport) -> u8 {
    match rule.outcome {
        Outcome::Held => 0,
        Outcome::Excluded => 1,
        Outcome::NotMet => 2,
        Outcome::NotEvaluated => 3,
        Outcome::NotNeeded => 4,
    }
}

fn considered(page: &mut Page<'_>, rule: &ConsideredReport, day_of: &str) {
    page.blank();
    let (mark, paint) = outcome_mark(rule.outcome);
    let base = format!("base {}", percent(rule.base_confidence));
    let head = format!(
        "{} {} · {} · {}{}",
        page.layout().paint(mark, paint),
        clean(&rule.rule),
        clean(&rule.cause),
        outcome_name(rule.outcome),
        match rule.confidence {
            Some(c) => format!(" at {} ({base})", percent(c)),
            None => String::new(),
        }
    );
    page.raw(head);
    page.wrap(&clean(&rule.reason), "    ", "    ");
    for clause in &rule.clauses {
        clause_lines(page, clause, day_of);
    }
}

fn outcome_mark(outcome: Outcome) -> (&'static str, Paint) {
    match outcome {
        Outcome::Held => ("✔", Paint::Good),
        Outcome::NotMet => ("✘", Paint::Critical),
        Outcome::Excluded => ("⊘", Paint::Warning),
        Outcome::NotEvaluated => ("?", Paint::Warning),
        Outcome::NotNeeded => ("·", Paint::Quiet),
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Held => "held",
        Outcome::NotMet => "not met",
        Outcome::Excluded => "ruled out",
        Outcome::NotEvaluated => "not evaluated",
        Outcome::NotNeeded => "not needed",
    }
}

fn clause_lines(page: &mut Page<'_>, clause: &ClauseReport, day_of: &str) {
    let zone = page.zone();
    let filters = match clause.filters.is_empty() {
        true => String::new(),
        false => format!(" where {}", clean(&clause.filters.join(" and "))),
    };
    let boost = match (clause.role, clause.held) {
        (ClauseRole::Support, true) => format!(", +{}", percent(clause.boost)),
        _ => String::new(),
    };
    let (mark, paint) = clause_mark(clause);
    let text = format!(
        "{} {}{filters} {}, {} → {}: {} event(s){boost}",
        clause.role.name(),
        clean(&clause.signal),
        clause.on_words,
        time_near(&clause.window.start, day_of, zone),
        time_near(&clause.window.end, day_of, zone),
        clause.matched
    );
    let lines = layout::wrap(&text, page.layout().width, "    ", "        ");
    for (i, line) in lines.into_iter().enumerate() {
        match i {
            0 => {
                let painted = page.layout().paint(mark, paint);
                page.raw(format!("  {painted} {}", line.trim_start()));
            }
            _ => page.raw(line),
        }
    }
    if clause.conditions.is_empty() {
        page.line(&format!(
            "        at least one event: {}",
            yes_no(clause.matched > 0)
        ));
    }
    for condition in &clause.conditions {
        page.line(&format!(
            "        {}: {} {}",
            clean(&condition.condition),
            figures(condition),
            yes_no(condition.held)
        ));
    }
    let width = page.layout().width;
    for event in clause.events.iter().take(EVENTS_SHOWN) {
        let place = format!(
            "{}  {}  {}:{}",
            time_near(&event.time, day_of, zone),
            clean(&event.host),
            clean(&event.file),
            event.line
        );
        page.line(&format!("        {place}"));
        let text = clean(compact::without_timestamp(&event.text));
        page.line(&format!(
            "          {}",
            layout::cut_middle(text.trim_end(), width - 10)
        ));
    }
    if clause.matched as usize > clause.events.len().min(EVENTS_SHOWN) {
        page.line(&format!(
            "        … {} event(s) in all (--format json lists the first {})",
            clause.matched,
            clause.events.len()
        ));
    }
}

/// Whether a clause went the way its rule wanted: a required or support
/// clause that held, an absent one that did not.
fn clause_mark(clause: &ClauseReport) -> (&'static str, Paint) {
    let wanted = (clause.role == ClauseRole::Absent) != clause.held;
    match (wanted, clause.role) {
        (true, _) => ("✔", Paint::Good),
        (false, ClauseRole::Support) => ("·", Paint::Quiet),
        (false, _) => ("✘", Paint::Critical),
    }
}

fn yes_no(held: bool) -> &'static str {
    match held {
        true => "holds",
        false => "does not hold",
    }
}

/// `is 1.2 s against 24 s;`
fn figures(condition: &ConditionReport) -> String {
    format!(
        "is {};",
        considered::figures(&condition.condition, condition.value, condition.threshold)
    )
}
