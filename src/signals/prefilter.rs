//! The literal prefilter: what a log record must contain for any log
//! matcher to fire. One case-insensitive automaton over the terms every
//! matcher needs lets the scan skip building, and classifying, most records
//! of a healthy log.

use crate::hashing::zero_digits;
use crate::model::Level;
use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// The least severe level a term counts at: `None` counts at any level.
/// A term only a `min_level = "warn"` matcher needs cannot admit an INFO
/// record, however often it appears in INFO noise.
pub(super) type Gate = Option<Level>;

/// What one log matcher requires, as the prefilter sees it.
pub(super) struct Requirement<'a> {
    /// Message codes, one of which the record must carry.
    pub codes: &'a [String],
    /// Keyword groups; the record must hold one keyword of every group.
    pub keyword_groups: Vec<Vec<&'a str>>,
    /// Regex patterns, one of which must match.
    pub patterns: Vec<&'a str>,
    pub min_level: Gate,
}

/// Codes and terms with their gates, searched without regard to ASCII case.
pub(super) struct Prefilter {
    /// Upper-cased codes, sorted, with their gates.
    code_list: Vec<(String, Gate)>,
    /// One bit per pair of last two bytes (upper-cased) any code ends with:
    /// most records' codes are told apart by it alone.
    code_tails: Vec<u64>,
    literals: GatedTerms,
    /// The literals that hold a digit, each digit read as `0`: what a text
    /// of a refused record's [shape](crate::hashing::zero_digits) must be searched for
    /// before every text of that shape is refused too. `None` when no
    /// literal holds a digit.
    shaped_digit_literals: Option<GatedTerms>,
    /// The least severe level at which a record is admitted whatever its
    /// text: matchers that name no text (any `FATAL`, or `FATAL` from the
    /// master election thread) need every record at their level.
    any_text_from: Option<Level>,
}

/// Terms searched as one automaton per level: the one for a record's level
/// holds only the terms that count at it, so one plain search answers.
struct GatedTerms {
    terms: Vec<(String, Gate)>,
    automata: Vec<AhoCorasick>,
    /// Index into `automata` for an unleveled record, then per `Level`.
    by_level: [usize; LEVELS.len() + 1],
}

const LEVELS: [Level; 6] = [
    Level::Trace,
    Level::Debug,
    Level::Info,
    Level::Warn,
    Level::Error,
    Level::Fatal,
];

impl GatedTerms {
    fn build(terms: &[(String, Gate)]) -> Option<GatedTerms> {
        let levels = std::iter::once(None).chain(LEVELS.map(Some));
        let mut sets: Vec<Vec<&str>> = Vec::new();
        let mut by_level = [0; LEVELS.len() + 1];
        for (slot, level) in by_level.iter_mut().zip(levels) {
            let set: Vec<&str> = terms
                .iter()
                .filter(|(_, gate)| passes(*gate, level))
                .map(|(t, _)| t.as_str())
                .collect();
            *slot = sets.iter().position(|s| *s == set).unwrap_or_else(|| {
                sets.push(set);
                sets.len() - 1
            });
        }
        let automata = sets
            .iter()
            .map(|set| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(set)
                    .ok()
            })
            .collect::<Option<_>>()?;
        Some(GatedTerms {
            terms: terms.to_vec(),
            automata,
            by_level,
        })
    }

    /// Whether `text` holds a term that counts at `level`.
    fn admit(&self, text: &str, level: Option<Level>) -> bool {
        let slot = level.map_or(0, |l| 1 + LEVELS.iter().position(|&x| x == l).unwrap_or(0));
        self.automata[self.by_level[slot]].is_match(text)
    }
}

fn passes(gate: Gate, level: Option<Level>) -> bool {
    gate.is_none_or(|min| level.is_some_and(|l| l >= min))
}

impl Prefilter {
    /// Each log matcher contributes its most selective requirement: its
    /// codes, else its keyword group with the longest shortest keyword,
    /// else the literals its patterns need. `None` when such a pattern has
    /// no literal every match must contain (then every record goes through
    /// the full check).
    pub fn build(requirements: &[Requirement<'_>]) -> Option<Prefilter> {
        let mut codes: Vec<(String, Gate)> = Vec::new();
        let mut literals: Vec<(String, Gate)> = Vec::new();
        let mut any_text_from: Option<Level> = None;
        for req in requirements {
            let gate = req.min_level;
            let names_text =
                !req.codes.is_empty() || !req.keyword_groups.is_empty() || !req.patterns.is_empty();
            if !names_text {
                let level = gate?;
                any_text_from = Some(any_text_from.map_or(level, |l| l.min(level)));
            } else if !req.codes.is_empty() {
                codes.extend(req.codes.iter().map(|c| (c.to_ascii_uppercase(), gate)));
            } else if let Some(group) = most_selective(&req.keyword_groups) {
                literals.extend(group.iter().map(|k| (k.to_lowercase(), gate)));
            } else {
                for pattern in &req.patterns {
                    let needed = required_literals(pattern)?;
                    literals.extend(needed.into_iter().map(|l| (l, gate)));
                }
            }
        }
        let code_list = loosest_gates(codes);
        let literals = without_redundant(literals);
        let shaped_digit_literals: Vec<(String, Gate)> = literals
            .iter()
            .filter(|(literal, _)| literal.bytes().any(|b| b.is_ascii_digit()))
            .map(|(literal, gate)| (shaped(literal), *gate))
            .collect();
        Some(Prefilter {
            shaped_digit_literals: match shaped_digit_literals.is_empty() {
                true => None,
                false => Some(GatedTerms::build(&shaped_digit_literals)?),
            },
            literals: GatedTerms::build(&literals)?,
            code_tails: code_list.iter().fold(vec![0; 1024], |mut bits, (code, _)| {
                let tail = tail_index(code);
                bits[tail / 64] |= 1 << (tail % 64);
                bits
            }),
            code_list,
            any_text_from,
        })
    }

    /// Whether a record with message code `code`, at `level`, whose
    /// searchable texts are `texts`, may match some log matcher.
    pub fn admits<'t>(
        &self,
        code: Option<&str>,
        mut texts: impl Iterator<Item = &'t str>,
        level: Option<Level>,
    ) -> bool {
        self.any_text_from
            .is_some_and(|from| level.is_some_and(|l| l >= from))
            || self.knows(code, level)
            || texts.any(|text| self.literals.admit(text, level))
    }

    /// Whether every record is refused that has the code and level of one
    /// [`admits`](Self::admits) refused and texts of the same shape as its
    /// (`shaped_texts`, each digit read as `0`): no literal that holds a
    /// digit occurs in them as shaped. A literal without digits occurs in
    /// such a record only where it occurs in the refused one (the shape
    /// keeps every other byte in place), and a literal with digits only
    /// where its shape occurs in the shared shape.
    pub fn refuses_shape<'t>(
        &self,
        mut shaped_texts: impl Iterator<Item = &'t str>,
        level: Option<Level>,
    ) -> bool {
        self.shaped_digit_literals
            .as_ref()
            .is_none_or(|shaped| !shaped_texts.any(|text| shaped.admit(text, level)))
    }

    fn knows(&self, code: Option<&str>, level: Option<Level>) -> bool {
        let Some(code) = code else {
            return false;
        };
        let tail = tail_index(code);
        self.code_tails[tail / 64] & (1 << (tail % 64)) != 0
            && self
                .code_list
                .iter()
                .any(|(known, gate)| known.eq_ignore_ascii_case(code) && passes(*gate, level))
    }

    /// Every code and term with its gate.
    pub fn terms(&self) -> impl Iterator<Item = &(String, Gate)> {
        self.code_list.iter().chain(&self.literals.terms)
    }
}

/// The group whose shortest keyword is longest: long phrases are rarer in
/// noise than short words ("configuration database" before "master node").
pub(super) fn most_selective<'a, 'b>(groups: &'b [Vec<&'a str>]) -> Option<&'b Vec<&'a str>> {
    groups.iter().filter(|g| !g.is_empty()).max_by(|a, b| {
        let shortest = |g: &Vec<&str>| g.iter().map(|k| k.len()).min().unwrap_or(0);
        shortest(a)
            .cmp(&shortest(b))
            .then_with(|| b.len().cmp(&a.len()))
    })
}

/// Each term once, with the loosest gate any matcher gave it; sorted.
fn loosest_gates(mut terms: Vec<(String, Gate)>) -> Vec<(String, Gate)> {
    terms.sort();
    terms.dedup_by(|later, earlier| later.0 == earlier.0);
    terms
}

/// The literals that contain no other literal as loosely gated: a text
/// holding a longer one holds the shorter one too, so the set admits the
/// same records, and the smaller set searches faster.
pub(super) fn without_redundant(literals: Vec<(String, Gate)>) -> Vec<(String, Gate)> {
    let mut literals = loosest_gates(literals);
    literals.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.cmp(b)));
    let mut kept: Vec<(String, Gate)> = Vec::new();
    for (literal, gate) in literals {
        let covered = kept
            .iter()
            .any(|(shorter, g)| *g <= gate && literal.contains(shorter.as_str()));
        if !covered {
            kept.push((literal, gate));
        }
    }
    kept.sort();
    kept
}

/// How many literals extraction may produce before shortening them: enough
/// for the case variants of `(?i)` phrases, which collapse once lowercased.
const CASE_VARIANTS: usize = 8192;

/// Lowercased literals one of which every match of `pattern` contains (the
/// prefixes its matches start with, else the suffixes they end with), or
/// `None` when there is no such finite set of non-empty literals.
pub(super) fn required_literals(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    // The prefilter matches without regard to ASCII case, so a leading `(?i)`
    // only multiplies the literals into case variants until they are cut
    // short (`conn…`); the literals of the case-sensitive pattern serve.
    let pattern = pattern.strip_prefix("(?i)").unwrap_or(pattern);
    let hir = regex_syntax::parse(pattern).ok()?;
    [ExtractKind::Prefix, ExtractKind::Suffix]
        .into_iter()
        .find_map(|kind| {
            let seq = Extractor::new()
                .kind(kind)
                .limit_total(CASE_VARIANTS)
                .extract(&hir);
            seq.literals()?
                .iter()
                .map(|lit| {
                    let text = String::from_utf8(lit.as_bytes().to_vec()).ok()?;
                    (!text.is_empty()).then(|| text.to_lowercase())
                })
                .collect()
        })
}

fn shaped(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    zero_digits(&mut bytes);
    String::from_utf8(bytes).unwrap_or_default()
}

/// The last two bytes of `code`, upper-cased, as a number below 65536.
fn tail_index(code: &str) -> usize {
    let bytes = code.as_bytes();
    let at = |back: usize| {
        bytes
            .len()
            .checked_sub(back)
            .map_or(0, |i| usize::from(bytes[i].to_ascii_uppercase()))
    };
    at(2) << 8 | at(1)
}
