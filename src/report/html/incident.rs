//! One incident's section: what happened, the verdict with its evidence
//! and procedure, the swimlane, the heartbeat events, the other candidates
//! and the rules that could not run.

use super::{escape, host_and_node, percent, severity, show_time, svg, verdict_badge};
use crate::report::{Evidence, IncidentReport, NotEvaluatedReport, RootCause};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Where an evidence line is: the same line may prove several candidates
/// and be a heartbeat event too; an alarm row raised and cleared is one
/// line at two times.
pub(super) type EvidenceKey<'a> = (&'a str, u64, &'a str);

/// The key of an evidence line.
pub(super) fn key(e: &Evidence) -> EvidenceKey<'_> {
    (e.file.as_str(), e.line, e.time.as_str())
}

/// The `id` of each evidence line of one incident (`ev-INC-1-3`), so the
/// swimlane can link to its row; an id is placed on the first row that
/// shows the line, later rows link back to it.
pub(super) struct Anchors<'a> {
    ids: BTreeMap<EvidenceKey<'a>, String>,
    placed: BTreeSet<EvidenceKey<'a>>,
}

impl<'a> Anchors<'a> {
    fn new(incident: &'a IncidentReport) -> Self {
        let mut ids = BTreeMap::new();
        for e in every_evidence(incident) {
            let next = ids.len() + 1;
            ids.entry(key(e))
                .or_insert_with(|| format!("ev-{}-{next}", escape(&incident.id)));
        }
        Anchors {
            ids,
            placed: BTreeSet::new(),
        }
    }

    /// The id of an evidence line of the incident.
    pub(super) fn id(&self, e: &'a Evidence) -> &str {
        self.ids.get(&key(e)).map_or("", String::as_str)
    }

    /// `id="…"` for the first row showing `e`, nothing after.
    fn place(&mut self, e: &'a Evidence) -> String {
        match self.placed.insert(key(e)) {
            true => format!(" id=\"{}\"", self.id(e)),
            false => String::new(),
        }
    }
}

/// Every evidence line of an incident, in the order the page shows them:
/// the verdict's, the heartbeat events, the other candidates'.
pub(super) fn every_evidence(incident: &IncidentReport) -> impl Iterator<Item = &Evidence> {
    let verdict = incident.root_causes.iter().take(1);
    let others = incident.root_causes.iter().skip(1);
    verdict
        .flat_map(|c| &c.evidence)
        .chain(&incident.cascade)
        .chain(others.flat_map(|c| &c.evidence))
}

/// Writes the incident's section.
pub(super) fn render(out: &mut String, incident: &IncidentReport) {
    let mut anchors = Anchors::new(incident);
    let (class, label) = severity(incident.severity);
    let _ = writeln!(
        out,
        "<section class=\"incident\" id=\"{id}\"><h2>{id} <span class=\"badge {class}\">{label}</span> \
         {} on {}</h2>\n<p class=\"lead\">{}</p>",
        incident.kind.name(),
        host_and_node(incident),
        escape(&incident.summary),
        id = escape(&incident.id),
    );
    facts(out, incident);
    out.push_str(&svg::swimlane(incident, &anchors));
    match incident.root_causes.first() {
        Some(verdict) => render_verdict(out, verdict, &mut anchors),
        None => out.push_str("<p class=\"none\">No rule matched.</p>\n"),
    }
    if !incident.cascade.is_empty() {
        out.push_str("<h3>Heartbeat events</h3>\n");
        evidence_table(out, &incident.cascade, &mut anchors);
    }
    other_candidates(out, &incident.root_causes, &mut anchors);
    ruled_out(out, incident);
    not_evaluated(out, &incident.not_evaluated);
    out.push_str("</section>\n");
}

fn facts(out: &mut String, i: &IncidentReport) {
    let _ = write!(
        out,
        "<dl class=\"facts\"><dt>Time</dt><dd class=\"time\">{}</dd><dt>Window</dt>\
         <dd class=\"time\">{} → {}</dd><dt>Timeout / interval</dt><dd>{} s / {} s</dd>",
        show_time(&i.time),
        show_time(&i.window.start),
        show_time(&i.window.end),
        i.timeout_s,
        i.interval_s
    );
    if let Some(observer) = &i.observer {
        let _ = write!(out, "<dt>Seen by</dt><dd>{}</dd>", escape(observer));
    }
    if !i.affected_hosts.is_empty() {
        let hosts: Vec<String> = i.affected_hosts.iter().map(|h| escape(h)).collect();
        let _ = write!(out, "<dt>Also affected</dt><dd>{}</dd>", hosts.join(", "));
    }
    let _ = writeln!(
        out,
        "<dt>Fingerprint</dt><dd class=\"file\">{}</dd></dl>",
        escape(&i.fingerprint)
    );
}

fn render_verdict<'a>(out: &mut String, verdict: &'a RootCause, anchors: &mut Anchors<'a>) {
    let why = if verdict.fallback {
        format!(
            "No rule held in {} → {}; {} is what is left.",
            show_time(&verdict.window.start),
            show_time(&verdict.window.end),
            escape(&verdict.rule)
        )
    } else {
        format!(
            "Rule <code>{}</code> held on the signals in {} → {}.",
            escape(&verdict.rule),
            show_time(&verdict.window.start),
            show_time(&verdict.window.end)
        )
    };
    let _ = writeln!(
        out,
        "<div class=\"verdict\"><h3>Root cause: {} <span class=\"conf\">{} confidence</span></h3>\n\
         <p class=\"title\">{}</p>\n<p>{}</p>\n<p class=\"why\">{why}</p></div>",
        verdict_badge(verdict),
        percent(verdict.confidence),
        escape(&verdict.title),
        escape(&verdict.explanation),
    );
    if !verdict.evidence.is_empty() {
        out.push_str("<h3>Evidence</h3>\n");
        evidence_table(out, &verdict.evidence, anchors);
    }
    if !verdict.procedure.is_empty() {
        out.push_str("<h3>Procedure</h3>\n<ul class=\"procedure\">\n");
        for step in &verdict.procedure {
            let _ = writeln!(
                out,
                "<li><label><input type=\"checkbox\"> {}</label></li>",
                escape(step)
            );
        }
        out.push_str("</ul>\n");
    }
}

fn evidence_table<'a>(out: &mut String, evidence: &'a [Evidence], anchors: &mut Anchors<'a>) {
    out.push_str(
        "<table class=\"evidence\"><thead><tr><th>Time</th><th>Host</th><th>File:line</th>\
         <th>Signals</th><th>Line</th></tr></thead><tbody>\n",
    );
    for e in evidence {
        let id = anchors.place(e);
        let _ = writeln!(
            out,
            "<tr{id}><td class=\"time\"><a href=\"#{}\">{}</a></td><td>{}</td><td class=\"file\">{}</td>\
             <td>{}</td><td class=\"line\">{}</td></tr>",
            anchors.id(e),
            show_time(&e.time),
            escape(&e.host),
            place(e),
            e.signals
                .iter()
                .map(|s| escape(s))
                .collect::<Vec<_>>()
                .join(" "),
            line_text(e),
        );
    }
    out.push_str("</tbody></table>\n");
}

/// `file:line`, with the other files holding the same record.
fn place(e: &Evidence) -> String {
    let mut place = format!("{}:{}", escape(&e.file), e.line);
    for copy in &e.also_at {
        let _ = write!(place, "<br>also {}:{}", escape(&copy.file), copy.line);
    }
    place
}

/// The line's text, its span and repeats, and the continuation line that
/// matched.
fn line_text(e: &Evidence) -> String {
    let mut text = escape(&e.text);
    if let Some(span) = &e.span {
        let _ = write!(
            text,
            "<span class=\"span\">lasted {} → {}</span>",
            show_time(&span.start),
            show_time(&span.end)
        );
    }
    if e.repeats > 1 {
        let _ = write!(
            text,
            "<span class=\"repeats\">{}</span>",
            escape(crate::report::repeats_note(e.repeats).trim())
        );
    }
    if let Some(matched) = &e.matched {
        let _ = write!(
            text,
            "<span class=\"matched\">line {}: {}</span>",
            matched.line,
            escape(&matched.text)
        );
    }
    text
}

fn other_candidates<'a>(out: &mut String, causes: &'a [RootCause], anchors: &mut Anchors<'a>) {
    let others = causes.get(1..).unwrap_or_default();
    if others.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Other candidates</h3>\n<table class=\"candidates\"><thead><tr><th>Cause</th>\
         <th>Confidence</th><th>Rule</th><th>Why</th></tr></thead><tbody>\n",
    );
    for c in others {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td><td>{}</td></tr>",
            verdict_badge(c),
            percent(c.confidence),
            escape(&c.rule),
            escape(&c.title)
        );
    }
    out.push_str("</tbody></table>\n");
    for c in others.iter().filter(|c| !c.evidence.is_empty()) {
        let _ = writeln!(
            out,
            "<h4>Evidence for {} (<code>{}</code>)</h4>",
            escape(&c.cause),
            escape(&c.rule)
        );
        evidence_table(out, &c.evidence, anchors);
    }
}

/// Per cause no rule held for, why: the reason of its nearest rule
/// (`hbdiag explain` has every rule).
fn ruled_out(out: &mut String, incident: &IncidentReport) {
    let ruled_out = incident.ruled_out();
    if ruled_out.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Ruled out</h3>\n<table class=\"ruled-out\"><thead><tr><th>Cause</th><th>Nearest rule</th>\
         <th>Why not</th></tr></thead><tbody>\n",
    );
    for cause in ruled_out {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            escape(cause.cause()),
            escape(&cause.nearest.rule),
            escape(&cause.reason())
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The rules that could not run, grouped by what to collect (which names
/// the host and the missing input): each piece of advice once.
fn not_evaluated(out: &mut String, missing: &[NotEvaluatedReport]) {
    if missing.is_empty() {
        return;
    }
    let mut by_advice: BTreeMap<(&str, &str), Vec<&NotEvaluatedReport>> = BTreeMap::new();
    for n in missing {
        by_advice
            .entry((n.host.as_deref().unwrap_or(""), n.collect.as_str()))
            .or_default()
            .push(n);
    }
    out.push_str(
        "<h3>Not evaluated</h3>\n<table class=\"missing\"><thead><tr><th>Host</th><th>Missing input</th>\
         <th>Rules</th><th>What to collect</th></tr></thead><tbody>\n",
    );
    for ((host, collect), rules) in by_advice {
        let inputs: BTreeSet<String> = rules
            .iter()
            .flat_map(|n| n.missing.iter().chain(&n.uncovered))
            .map(|k| k.to_string())
            .collect();
        let names: Vec<String> = rules
            .iter()
            .map(|n| format!("<code>{}</code> ({})", escape(&n.rule), escape(&n.cause)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if host.is_empty() {
                "the failing host".into()
            } else {
                escape(host)
            },
            inputs.into_iter().collect::<Vec<_>>().join(", "),
            names.join("<br>"),
            escape(collect)
        );
    }
    out.push_str("</tbody></table>\n");
}
