//! Signals stage: turn parsed events into typed signals ("db_error with
//! vendor_code ORA-01034", "gc_pause of 41 s") using the catalog of codes,
//! keywords and patterns in `rules/signals/*.toml`. Rules only ever see
//! signals, never file formats.

pub mod condition;
mod fields;
mod memo;
mod prefilter;

use crate::definitions::{DefinitionError, DefinitionFile};
use crate::model::{Event, EventKind, Level, SourceKind};
use aho_corasick::AhoCorasick;
use condition::{Condition, ParameterValues};
use prefilter::{Prefilter, Requirement};
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use toml::Spanned;

use fields::event_field;
pub use fields::{Fields, event_fields};
pub(crate) use memo::push_key_part;
use memo::{Memo, Recall};

/// Index of a signal definition in the catalog.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalId(pub u16);

/// A field value: numbers stay numbers so rules can compare them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Number(f64),
    Text(String),
}

impl FieldValue {
    /// The value as a number, when it is one (or is text that reads as one).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            FieldValue::Number(n) => Some(*n),
            FieldValue::Text(t) => t.parse().ok(),
        }
    }
}

impl std::fmt::Display for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Text(t) => f.write_str(t),
        }
    }
}

/// One signal raised by one event.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    pub id: SignalId,
    /// The signal's own fields: pattern captures and the matcher's
    /// constants. The event's figures are not copied here (a kept GC pause
    /// would carry them once per signal); [`Signal::field`] and
    /// [`Signal::all_fields`] add them.
    pub fields: Fields,
}

impl Signal {
    /// A field of this signal raised by `event`: its own, else the event's.
    pub fn field(&self, event: &Event, name: &str) -> Option<FieldValue> {
        self.fields
            .get(name)
            .cloned()
            .or_else(|| event_field(event, name))
    }

    /// Every field of this signal raised by `event`: the event's figures
    /// with the signal's own over them.
    pub fn all_fields(&self, event: &Event) -> Fields {
        let mut fields = event_fields(event);
        fields.merge(&self.fields);
        fields
    }
}

/// The family of events a matcher applies to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventClass {
    Log,
    GcPause,
    Safepoint,
    AllocationStall,
    Metrics,
    Alarm,
    LogGap,
    StreamEnd,
    ThreadWait,
    DbCall,
    Packet,
}

impl EventClass {
    /// The class of an event.
    pub fn of(kind: &EventKind) -> EventClass {
        match kind {
            EventKind::Log(_) => EventClass::Log,
            EventKind::GcPause(_) => EventClass::GcPause,
            EventKind::Safepoint(_) => EventClass::Safepoint,
            EventKind::AllocationStall(_) => EventClass::AllocationStall,
            EventKind::Metrics(_) => EventClass::Metrics,
            EventKind::Alarm(_) => EventClass::Alarm,
            EventKind::LogGap(_) => EventClass::LogGap,
            EventKind::StreamEnd(_) => EventClass::StreamEnd,
            EventKind::ThreadWait(_) => EventClass::ThreadWait,
            EventKind::DbCall(_) => EventClass::DbCall,
            EventKind::Packet(_) => EventClass::Packet,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalFile {
    signal: Vec<SignalSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalSpec {
    id: Spanned<String>,
    /// Adds this spec's blocks and samples to the signal of the same id
    /// defined by an earlier file, tried before its own blocks, instead of
    /// replacing it.
    #[serde(default)]
    extend: bool,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    #[serde(default)]
    collapse_repeats: bool,
    #[serde(rename = "match")]
    matchers: Vec<MatcherSpec>,
    #[serde(default)]
    sample: Vec<SampleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatcherSpec {
    #[serde(default)]
    event: Option<EventClass>,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    keywords: Vec<Vec<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    captures: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    threads: Vec<String>,
    #[serde(default)]
    min_level: Option<Level>,
    #[serde(default)]
    when: Vec<Spanned<String>>,
    #[serde(default)]
    fields: Fields,
}

/// A sample line shipped with a signal definition, run by `rules test`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleSpec {
    /// The line as it appears in a log.
    pub line: String,
    /// Source kind to parse it as; defaults to the signal's first source, else `node_log`.
    #[serde(default)]
    pub kind: Option<SourceKind>,
    /// Whether the signal must fire on it.
    #[serde(default = "yes")]
    pub matches: bool,
    /// Fields the signal must carry (a subset check).
    #[serde(default)]
    pub fields: Fields,
    /// The file and line of the `[[signal]]` that added the sample to a
    /// signal defined elsewhere (`extend = true`); `None` for the signal's
    /// own samples.
    #[serde(skip)]
    pub origin: Option<(String, usize)>,
}

fn yes() -> bool {
    true
}

/// A signal's definition, kept for listing and self-tests.
#[derive(Clone, Debug)]
pub struct SignalDef {
    pub name: String,
    pub description: String,
    pub sources: Vec<SourceKind>,
    /// Identical repeats from one file on the same day of its clock are
    /// kept once, with their delays and lines: for floods (retried
    /// connections) that would fill memory.
    pub collapse_repeats: bool,
    pub samples: Vec<SampleSpec>,
    pub file: String,
    pub line: usize,
}

struct Matcher {
    signal: SignalId,
    class: EventClass,
    codes: Vec<String>,
    keyword_groups: Vec<Vec<usize>>,
    patterns: Vec<usize>,
    /// Patterns that only lend their named groups as fields when they
    /// match; they are no condition of the match.
    captures: Vec<usize>,
    exclude: Vec<usize>,
    /// Lowercase words one of which the record's thread name must contain.
    threads: Vec<String>,
    min_level: Option<Level>,
    when: Vec<Condition>,
    /// For a matcher of metrics samples, the reader of each `when`
    /// condition's field, resolved once: samples come by the hundred
    /// thousand, each tried against every metrics matcher.
    metrics_readers: Vec<Option<fields::MetricsReader>>,
    fields: Fields,
}

/// The compiled catalog: every signal, with keywords in one Aho-Corasick
/// automaton and patterns in one `RegexSet`, built once at start-up.
pub struct SignalCatalog {
    defs: Vec<SignalDef>,
    by_name: HashMap<String, SignalId>,
    matchers: Vec<Matcher>,
    /// Per source kind (in [`SourceKind::ALL`] order), each event class with
    /// the indexes of its matchers in `matchers` whose signal that kind may
    /// raise, in catalog order: an event is tried against its own class and
    /// source only (most events are GC pauses or metrics samples, and most
    /// matchers are for text).
    by_class: Vec<Vec<(EventClass, Vec<usize>)>>,
    keywords: AhoCorasick,
    keyword_count: usize,
    pattern_set: RegexSet,
    patterns: Vec<Pattern>,
    prefilter: Option<Prefilter>,
}

/// One of the catalog's patterns. The set finds which patterns match; a
/// pattern alone is compiled, to capture with it, the first time one of
/// its matches is captured: compiling them all was most of the start-up,
/// and most never match in a given bundle.
struct Pattern {
    text: String,
    regex: std::sync::OnceLock<Option<Regex>>,
}

impl Pattern {
    fn new(text: String) -> Self {
        Pattern {
            text,
            regex: std::sync::OnceLock::new(),
        }
    }

    /// The compiled pattern. It was checked when the catalog was built, and
    /// the set of all of them compiled within the same limits, so it
    /// compiles; were it ever not to, nothing is captured with it.
    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| Regex::new(&self.text).ok())
            .as_ref()
    }
}

/// Reused per worker so classification does not allocate per event.
#[derive(Default)]
pub struct Scratch {
    /// Per keyword, the first searched text it was found in ([`NOT_FOUND`] if none).
    keyword_hits: Vec<u32>,
    /// Per pattern, the first searched text it matched ([`NOT_FOUND`] if none).
    pattern_hits: Vec<u32>,
    /// Whether the hits above may hold a text's findings: an event with no
    /// text (a GC pause, a metrics sample) then skips clearing them.
    hits_written: bool,
    /// Of the last classification: the deepest searched text a raised
    /// signal needed (0 is the message).
    proof: usize,
    /// Recent classifications, for floods of one message.
    memo: Memo,
}

/// No searched text holds the keyword or pattern.
const NOT_FOUND: u32 = u32::MAX;

impl Scratch {
    /// Which continuation line of the record last classified proved a
    /// signal raised from it: an index into its `detail`, or `None` when
    /// the first line alone made every raised signal fire. Of several, the
    /// deepest (a stack trace's root cause comes last).
    pub fn proving_detail(&self) -> Option<usize> {
        self.proof.checked_sub(1)
    }
}

/// A signal's spec with the files that extend it (`extend = true`), in
/// load order.
struct Spec<'f> {
    file: &'f DefinitionFile,
    spec: SignalSpec,
    extensions: Vec<(&'f DefinitionFile, SignalSpec)>,
}

struct Builder {
    defs: Vec<SignalDef>,
    by_name: HashMap<String, SignalId>,
    matchers: Vec<Matcher>,
    keyword_ids: HashMap<String, usize>,
    /// The catalog's patterns, each compiled when it first captures.
    patterns: Vec<Pattern>,
    checked: CheckedPatterns,
    errors: Vec<DefinitionError>,
}

impl SignalCatalog {
    /// Compiles signal files; a later file's signal replaces an earlier one
    /// with the same id (user files come after the built-in set). Collects
    /// every error rather than stopping at the first.
    pub fn build(files: &[DefinitionFile]) -> Result<SignalCatalog, Vec<DefinitionError>> {
        let mut specs: Vec<Spec<'_>> = Vec::new();
        let mut errors = Vec::new();
        for file in files.iter().filter(|f| f.defines_signals()) {
            match file.parse::<SignalFile>() {
                Ok(parsed) => {
                    for mut spec in parsed.signal {
                        let base = specs
                            .iter_mut()
                            .find(|s| s.spec.id.get_ref() == spec.id.get_ref());
                        match (spec.extend, base) {
                            (true, Some(base)) => {
                                let line = file.error_at(spec.id.span().start, "").line;
                                for sample in &mut spec.sample {
                                    sample.origin = Some((file.name.clone(), line));
                                }
                                base.spec.sample.append(&mut spec.sample);
                                base.extensions.push((file, spec));
                            }
                            (true, None) => errors.push(file.error_at(
                                spec.id.span().start,
                                format!(
                                    "`extend = true`, but no earlier file defines signal `{}`",
                                    spec.id.get_ref()
                                ),
                            )),
                            (false, _) => {
                                specs.retain(|s| s.spec.id.get_ref() != spec.id.get_ref());
                                specs.push(Spec {
                                    file,
                                    spec,
                                    extensions: Vec::new(),
                                });
                            }
                        }
                    }
                }
                Err(err) => errors.push(err),
            }
        }
        let mut builder = Builder {
            defs: Vec::new(),
            by_name: HashMap::new(),
            matchers: Vec::new(),
            keyword_ids: HashMap::new(),
            patterns: Vec::new(),
            checked: check_patterns(&specs),
            errors,
        };
        for spec in specs {
            builder.add(spec);
        }
        builder.finish()
    }

    /// The id of a signal by name.
    pub fn id(&self, name: &str) -> Option<SignalId> {
        self.by_name.get(name).copied()
    }

    /// The definition behind an id.
    pub fn def(&self, id: SignalId) -> &SignalDef {
        &self.defs[id.0 as usize]
    }

    /// Every definition, in load order.
    pub fn defs(&self) -> impl Iterator<Item = (SignalId, &SignalDef)> {
        self.defs
            .iter()
            .enumerate()
            .map(|(i, d)| (SignalId(i as u16), d))
    }

    /// Whether an event that raised `signals` may be folded into an
    /// identical earlier one: every signal must allow it.
    pub fn collapses(&self, signals: &[Signal]) -> bool {
        !signals.is_empty() && signals.iter().all(|s| self.def(s.id).collapse_repeats)
    }

    /// Whether a text record may raise a signal, before it is built: its
    /// message code, the texts signals would search (message, then
    /// continuation lines) and its level. A cheap literal check that lets
    /// the scan skip building most records.
    pub fn may_match_record<'t>(
        &self,
        code: Option<&str>,
        texts: impl Iterator<Item = &'t str>,
        level: Option<Level>,
    ) -> bool {
        self.prefilter
            .as_ref()
            .is_none_or(|p| p.admits(code, texts, level))
    }

    /// Whether every record of the shape of one
    /// [`may_match_record`](Self::may_match_record) refused is refused too:
    /// the same code and level, and texts that differ from its only in
    /// their digits (`shaped_texts`, with each digit read as `0`). Lets the
    /// scan remember a refusal for the records of a flood whose figures
    /// change every time.
    pub fn refuses_shape<'t>(
        &self,
        shaped_texts: impl Iterator<Item = &'t str>,
        level: Option<Level>,
    ) -> bool {
        self.prefilter
            .as_ref()
            .is_some_and(|p| p.refuses_shape(shaped_texts, level))
    }

    /// The prefilter's verdict on a built event: false only for a text
    /// record no log matcher can match.
    pub fn may_match(&self, event: &Event) -> bool {
        match (&event.kind, &self.prefilter) {
            (EventKind::Log(record), Some(prefilter)) => prefilter.admits(
                record.code.as_deref(),
                searchable_texts(event).into_iter(),
                event.level,
            ),
            _ => true,
        }
    }

    /// The codes and terms the literal prefilter looks for in every text
    /// record (without regard to ASCII case), each with the least severe
    /// level it counts at; empty when some pattern has no required literal
    /// and every record is checked in full.
    pub fn prefilter_terms(&self) -> Vec<(String, Option<Level>)> {
        let mut terms: Vec<(String, Option<Level>)> = self
            .prefilter
            .as_ref()
            .map(|p| p.terms().cloned().collect())
            .unwrap_or_default();
        terms.sort();
        terms
    }

    /// The signals `event` (from a source of `kind`) raises; at most one per signal id.
    pub fn classify(&self, kind: SourceKind, event: &Event, scratch: &mut Scratch) -> Vec<Signal> {
        scratch.proof = 0;
        if !self.may_match(event) {
            return Vec::new();
        }
        self.classify_admitted(kind, event, scratch)
    }

    /// [`classify`](Self::classify) for an event whose raw text already
    /// passed [`may_match_record`](Self::may_match_record): the prefilter is not
    /// run a second time.
    pub fn classify_admitted(
        &self,
        kind: SourceKind,
        event: &Event,
        scratch: &mut Scratch,
    ) -> Vec<Signal> {
        let texts = searchable_texts(event);
        match scratch.memo.recall(kind, event, &texts) {
            Recall::Hit(signals, proof) => {
                scratch.proof = proof;
                signals
            }
            Recall::Miss => {
                let signals = self.match_all(kind, event, &texts, scratch);
                scratch.memo.store(&signals, scratch.proof);
                signals
            }
            Recall::NotText => self.match_all(kind, event, &texts, scratch),
        }
    }

    /// Tries every matcher of the event's class: the signals it raises and,
    /// in `scratch`, the depth that proved them.
    fn match_all(
        &self,
        kind: SourceKind,
        event: &Event,
        texts: &[&str],
        scratch: &mut Scratch,
    ) -> Vec<Signal> {
        let class = EventClass::of(&event.kind);
        scratch.proof = 0;
        if scratch.hits_written || scratch.keyword_hits.len() != self.keyword_count {
            scratch.keyword_hits.clear();
            scratch.keyword_hits.resize(self.keyword_count, NOT_FOUND);
            scratch.pattern_hits.clear();
            scratch.pattern_hits.resize(self.patterns.len(), NOT_FOUND);
        }
        scratch.hits_written = !texts.is_empty();
        for (at, text) in texts.iter().enumerate() {
            let at = at as u32;
            for hit in self.keywords.find_overlapping_iter(*text) {
                let first = &mut scratch.keyword_hits[hit.pattern().as_usize()];
                *first = (*first).min(at);
            }
            if !self.patterns.is_empty() {
                for i in self.pattern_set.matches(text).iter() {
                    let first = &mut scratch.pattern_hits[i];
                    *first = (*first).min(at);
                }
            }
        }
        let mut signals: Vec<Signal> = Vec::new();
        for &index in self.matchers_of(kind, class) {
            let matcher = &self.matchers[index];
            if signals.iter().any(|s| s.id == matcher.signal) {
                continue;
            }
            if let Some((fields, proof)) = self.try_match(matcher, event, texts, scratch) {
                scratch.proof = scratch.proof.max(proof);
                signals.push(Signal {
                    id: matcher.signal,
                    fields,
                });
            }
        }
        signals
    }

    fn matchers_of(&self, kind: SourceKind, class: EventClass) -> &[usize] {
        let of_kind = SourceKind::ALL.iter().position(|&k| k == kind);
        of_kind
            .and_then(|at| self.by_class.get(at))
            .into_iter()
            .flatten()
            .find(|(c, _)| *c == class)
            .map_or(&[], |(_, indexes)| indexes)
    }

    fn try_match(
        &self,
        m: &Matcher,
        event: &Event,
        texts: &[&str],
        scratch: &Scratch,
    ) -> Option<(Fields, usize)> {
        if m.min_level
            .is_some_and(|min| event.level.is_none_or(|l| l < min))
        {
            return None;
        }
        if !m.codes.is_empty() {
            let code = match &event.kind {
                EventKind::Log(record) => record.code.as_deref(),
                _ => None,
            }?;
            if !m.codes.iter().any(|c| c.eq_ignore_ascii_case(code)) {
                return None;
            }
        }
        if !m.threads.is_empty() && !thread_matches(&m.threads, event) {
            return None;
        }
        // The first text each keyword group is found in; the match needs
        // every group, so it is proven by the deepest of them.
        let first_in = |ids: &Vec<usize>| ids.iter().map(|&k| scratch.keyword_hits[k]).min();
        let mut proof = 0;
        for group in &m.keyword_groups {
            match first_in(group) {
                Some(at) if at != NOT_FOUND => proof = proof.max(at as usize),
                _ => return None,
            }
        }
        if first_in(&m.exclude).is_some_and(|at| at != NOT_FOUND) {
            return None;
        }
        let pattern_hit = m
            .patterns
            .iter()
            .copied()
            .find(|&p| scratch.pattern_hits[p] != NOT_FOUND);
        if !m.patterns.is_empty() && pattern_hit.is_none() {
            return None;
        }
        let params = ParameterValues::default();
        if m.patterns.is_empty() && !when_holds(m, event, &params) {
            return None;
        }
        let mut fields = Fields::new();
        if let Some(first) = pattern_hit {
            // The pattern captures from the first text it matches.
            proof = proof.max(scratch.pattern_hits[first] as usize);
            self.capture(first, texts, &mut fields);
            let asked = |name: &str| {
                fields
                    .get(name)
                    .cloned()
                    .or_else(|| event_field(event, name))
            };
            if !m.when.iter().all(|c| c.holds_with(asked, &params)) {
                return None;
            }
        }
        for &pattern in &m.captures {
            if scratch.pattern_hits[pattern] != NOT_FOUND {
                self.capture(pattern, texts, &mut fields);
            }
        }
        fields.merge(&m.fields);
        Some((fields, proof))
    }

    fn capture(&self, pattern: usize, texts: &[&str], fields: &mut Fields) {
        let Some(regex) = self.patterns[pattern].regex() else {
            return;
        };
        let Some(caps) = texts.iter().find_map(|t| regex.captures(t)) else {
            return;
        };
        for name in regex.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                fields.insert(name.to_string(), captured_value(m.as_str()));
            }
        }
    }
}

/// Whether every `when` condition of `m` holds on `event`, each asking it
/// for the one field it names (through its resolved reader for a sample).
fn when_holds(m: &Matcher, event: &Event, params: &ParameterValues) -> bool {
    if let EventKind::Metrics(sample) = &event.kind
        && m.metrics_readers.len() == m.when.len()
    {
        let read = |reader: &Option<fields::MetricsReader>| reader.and_then(|r| r(sample));
        return m
            .when
            .iter()
            .zip(&m.metrics_readers)
            .all(|(c, reader)| c.holds_on(read(reader), params));
    }
    m.when
        .iter()
        .all(|c| c.holds_with(|name| event_field(event, name), params))
}

/// Whether the thread of a text record contains one of `words` (lowercase),
/// without regard to ASCII case, as keywords are matched.
fn thread_matches(words: &[String], event: &Event) -> bool {
    let EventKind::Log(record) = &event.kind else {
        return false;
    };
    let Some(thread) = record.thread.as_deref() else {
        return false;
    };
    words.iter().any(|w| {
        w.is_empty()
            || thread
                .as_bytes()
                .windows(w.len())
                .any(|part| part.eq_ignore_ascii_case(w.as_bytes()))
    })
}

/// A captured value: a number when it reads as one, except codes with
/// leading zeros (`01034`) that must stay as written.
fn captured_value(text: &str) -> FieldValue {
    let digits = text.trim_start_matches(['-', '+']);
    let zero_padded = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    match text.parse::<f64>() {
        Ok(n) if !zero_padded => FieldValue::Number(n),
        _ => FieldValue::Text(text.to_string()),
    }
}

/// The texts of an event that keywords and patterns search: the message,
/// then each continuation line.
fn searchable_texts(event: &Event) -> Vec<&str> {
    match &event.kind {
        EventKind::Log(record) => std::iter::once(record.message.as_str())
            .chain(record.detail.iter().map(|d| d.text.as_str()))
            .collect(),
        EventKind::Alarm(alarm) => [
            Some(alarm.name.as_str()),
            alarm.cause.as_deref(),
            alarm.additional_info.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect(),
        _ => Vec::new(),
    }
}

impl Builder {
    fn add(
        &mut self,
        Spec {
            file,
            spec,
            extensions,
        }: Spec<'_>,
    ) {
        let id = SignalId(self.defs.len() as u16);
        let name = spec.id.get_ref().clone();
        let line_offset = spec.id.span().start;
        if !is_identifier(&name) {
            self.errors.push(file.error_at(
                line_offset,
                format!("signal id `{name}` must be lowercase letters, digits and `_`"),
            ));
        }
        let sources = spec
            .sources
            .iter()
            .filter_map(|s| {
                let kind = SourceKind::from_name(s.get_ref());
                if kind.is_none() {
                    self.errors.push(file.error_at(
                        s.span().start,
                        format!(
                            "unknown source kind `{}`; known: {}",
                            s.get_ref(),
                            known_kinds()
                        ),
                    ));
                }
                kind
            })
            .collect();
        if spec.matchers.is_empty() {
            self.errors.push(file.error_at(
                line_offset,
                format!("signal `{name}` has no [[signal.match]]"),
            ));
        }
        if spec.description.trim().is_empty() {
            self.errors
                .push(file.error_at(line_offset, format!("signal `{name}` needs a description")));
        }
        for (extension, extra) in extensions {
            let at = extra.id.span().start;
            for matcher in extra.matchers {
                self.add_matcher(extension, id, &name, at, matcher);
            }
        }
        for matcher in spec.matchers {
            self.add_matcher(file, id, &name, line_offset, matcher);
        }
        self.by_name.insert(name.clone(), id);
        self.defs.push(SignalDef {
            name,
            description: spec.description,
            sources,
            collapse_repeats: spec.collapse_repeats,
            samples: spec.sample,
            file: file.name.clone(),
            line: file.error_at(line_offset, "").line,
        });
    }

    fn add_matcher(
        &mut self,
        file: &DefinitionFile,
        id: SignalId,
        name: &str,
        at: usize,
        spec: MatcherSpec,
    ) {
        let class = spec.event.unwrap_or(EventClass::Log);
        let names_text =
            !spec.codes.is_empty() || !spec.keywords.is_empty() || !spec.patterns.is_empty();
        if class == EventClass::Log && !names_text && spec.min_level.is_none_or(|l| l < Level::Warn)
        {
            self.errors.push(file.error_at(
                at,
                format!("a match of `{name}` needs codes, keywords or patterns, or a `min_level` of warn or above, or it would read every line in full"),
            ));
        }
        if class != EventClass::Log && !spec.threads.is_empty() {
            self.errors.push(file.error_at(
                at,
                format!("a match of `{name}` for `{class:?}` events cannot test `threads`: only text records have a thread"),
            ));
        }
        let keyword_groups = spec
            .keywords
            .iter()
            .map(|group| group.iter().map(|k| self.keyword(k)).collect())
            .collect();
        let exclude = spec.exclude.iter().map(|k| self.keyword(k)).collect();
        let patterns = self.pattern_indexes(file, &spec.patterns);
        let captures = self.pattern_indexes(file, &spec.captures);
        let when: Vec<Condition> = spec
            .when
            .iter()
            .filter_map(|c| match Condition::parse(c.get_ref()) {
                Ok(cond) if cond.is_per_signal() => Some(cond),
                Ok(_) => {
                    self.errors.push(file.error_at(
                        c.span().start,
                        "aggregates (count, sum, …) belong in rules, not signals",
                    ));
                    None
                }
                Err(err) => {
                    self.errors.push(file.error_at(c.span().start, err));
                    None
                }
            })
            .collect();
        let metrics_readers = match class {
            EventClass::Metrics => when
                .iter()
                .map(|c| c.field().and_then(fields::metrics_reader))
                .collect(),
            _ => Vec::new(),
        };
        self.matchers.push(Matcher {
            signal: id,
            class,
            metrics_readers,
            codes: spec.codes,
            keyword_groups,
            patterns,
            captures,
            exclude,
            threads: spec.threads.iter().map(|t| t.to_lowercase()).collect(),
            min_level: spec.min_level,
            when,
            fields: spec.fields,
        });
    }

    /// Indexes of `patterns` in the catalog's pattern list, in the order
    /// [`check_patterns`] put them in the set; a pattern that did not parse
    /// is an error of `file` instead.
    fn pattern_indexes(
        &mut self,
        file: &DefinitionFile,
        patterns: &[Spanned<String>],
    ) -> Vec<usize> {
        patterns
            .iter()
            .filter_map(|p| match self.checked.each[p.get_ref()].clone() {
                Ok(()) => {
                    self.patterns.push(Pattern::new(p.get_ref().clone()));
                    Some(self.patterns.len() - 1)
                }
                Err(err) => {
                    self.errors
                        .push(file.error_at(p.span().start, format!("bad pattern: {err}")));
                    None
                }
            })
            .collect()
    }

    fn keyword(&mut self, word: &str) -> usize {
        let next = self.keyword_ids.len();
        *self.keyword_ids.entry(word.to_lowercase()).or_insert(next)
    }

    fn finish(self) -> Result<SignalCatalog, Vec<DefinitionError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let mut words: Vec<(&String, &usize)> = self.keyword_ids.iter().collect();
        words.sort_by_key(|(_, id)| **id);
        let too_big = |what: &str, err: String| {
            vec![DefinitionError {
                file: "(all signal files)".into(),
                line: 0,
                message: format!("the {what} together are too large to compile: {err}"),
            }]
        };
        let keyword_texts: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        let requirements: Vec<Requirement<'_>> = self
            .matchers
            .iter()
            .filter(|m| m.class == EventClass::Log)
            .map(|m| Requirement {
                codes: &m.codes,
                keyword_groups: m
                    .keyword_groups
                    .iter()
                    .map(|g| g.iter().map(|&k| keyword_texts[k]).collect())
                    .collect(),
                patterns: m
                    .patterns
                    .iter()
                    .map(|&p| self.patterns[p].text.as_str())
                    .collect(),
                min_level: m.min_level,
            })
            .collect();
        // The three automata are built side by side: together they are
        // most of the start-up.
        let (pattern_set, (keywords, prefilter)) = rayon::join(
            || {
                regex::RegexSetBuilder::new(&self.checked.texts)
                    .dfa_size_limit(PATTERN_SET_DFA_BYTES)
                    .build()
            },
            || {
                rayon::join(
                    || {
                        AhoCorasick::builder()
                            .ascii_case_insensitive(true)
                            .build(&keyword_texts)
                    },
                    || Prefilter::build(&requirements),
                )
            },
        );
        let keywords = keywords.map_err(|e| too_big("keywords", e.to_string()))?;
        let pattern_set = pattern_set.map_err(|e| too_big("patterns", e.to_string()))?;
        Ok(SignalCatalog {
            prefilter,
            by_class: SourceKind::ALL
                .iter()
                .map(|&kind| by_class(&self.matchers, &self.defs, kind))
                .collect(),
            defs: self.defs,
            by_name: self.by_name,
            matchers: self.matchers,
            keyword_count: words.len(),
            keywords,
            pattern_set,
            patterns: self.patterns,
        })
    }
}

/// The specs' patterns, checked one by one on the worker threads before
/// the catalog is built.
struct CheckedPatterns {
    /// Each distinct pattern alone, parsed to validate it.
    each: HashMap<String, Result<(), String>>,
    /// Every pattern in the order the catalog lists them: its pattern set,
    /// compiled when the catalog is built.
    texts: Vec<String>,
}

/// Cache of the pattern set's lazy DFA. With a few hundred patterns the
/// default cache fills on every record and the set falls back to its NFA,
/// ten times slower; this much keeps the DFA.
const PATTERN_SET_DFA_BYTES: usize = 32 << 20;

fn check_patterns(specs: &[Spec<'_>]) -> CheckedPatterns {
    use rayon::prelude::*;
    // In the order `Builder::add` numbers the patterns: extensions first.
    let texts: Vec<String> = specs
        .iter()
        .flat_map(|s| {
            s.extensions
                .iter()
                .flat_map(|(_, extra)| &extra.matchers)
                .chain(&s.spec.matchers)
        })
        .flat_map(|m| m.patterns.iter().chain(&m.captures))
        .map(|text| text.get_ref().clone())
        .collect();
    let distinct: std::collections::HashSet<&String> = texts.iter().collect();
    let each = distinct
        .into_par_iter()
        .map(|text| (text.clone(), check_pattern(text)))
        .collect();
    CheckedPatterns { each, texts }
}

/// Whether `text` is a pattern `Regex::new` accepts, as its error says it
/// (`regex` reports a syntax error with regex-syntax's message): parsing
/// costs a fraction of compiling.
fn check_pattern(text: &str) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(text)
        .map(drop)
        .map_err(|err| err.to_string())
}

/// The matchers of each event class whose signal a source of `kind` may
/// raise: the signal names no sources, or one that `kind` provides.
fn by_class(
    matchers: &[Matcher],
    defs: &[SignalDef],
    kind: SourceKind,
) -> Vec<(EventClass, Vec<usize>)> {
    let raises = |matcher: &Matcher| {
        let sources = &defs[matcher.signal.0 as usize].sources;
        sources.is_empty() || kind.provides().iter().any(|k| sources.contains(k))
    };
    let mut by_class: Vec<(EventClass, Vec<usize>)> = Vec::new();
    for (index, matcher) in matchers.iter().enumerate().filter(|(_, m)| raises(m)) {
        match by_class.iter_mut().find(|(c, _)| *c == matcher.class) {
            Some((_, indexes)) => indexes.push(index),
            None => by_class.push((matcher.class, vec![index])),
        }
    }
    by_class
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn known_kinds() -> String {
    SourceKind::ALL.map(SourceKind::name).join(", ")
}

#[cfg(test)]
mod tests;
