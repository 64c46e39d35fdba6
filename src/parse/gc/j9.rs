//! OpenJ9 / IBM J9 verbose GC XML, one element per line. A pause is an
//! exclusive-access section (`<exclusive-start>` … `<exclusive-end
//! durationms=…>`); `<af-start>`/`<sys-start>` give the cause, `<gc-start
//! type=…>` the kind, `<mem-info>` inside `gc-start`/`gc-end` the heap and
//! `<gc-end>` the CPU times. The older J9 5.0 `<af type=…>` … `<time
//! totalms=…>` … `</af>` form is read too. Times are local, without offset.

use super::pause_event;
use crate::model::{GcPause, LogTime, PauseKind};
use crate::parse::time::local_datetime_prefix;
use crate::parse::{Sink, evidence_text};
use crate::read::Line;
use chrono::NaiveDateTime;

/// Which `<mem-info>` the next one is.
#[derive(Copy, Clone, Default, PartialEq)]
enum MemInfo {
    #[default]
    Ignored,
    Before,
    After,
}

/// State of the J9 dialect.
#[derive(Default)]
pub(super) struct J9 {
    open: Option<Open>,
    mem_info: MemInfo,
}

struct Open {
    line: u64,
    text: String,
    start: Option<NaiveDateTime>,
    /// Old `<af>`/`<sys>` form, closed by `</af>`/`</sys>`.
    legacy: bool,
    collected: bool,
    pause: GcPause,
}

impl J9 {
    pub(super) fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim_start();
        let tag = text.strip_prefix('<').unwrap_or(text);
        let name_end = tag
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/'))
            .unwrap_or(tag.len());
        let name = tag[..name_end].trim_end_matches('/');
        match name {
            "exclusive-start" => self.open(line, text, false, sink),
            "af" | "sys" if attr(text, "type").is_some() || attr(text, "id").is_some() => {
                self.open(line, text, true, sink);
                self.cause(if name == "af" {
                    "Allocation Failure"
                } else {
                    "System.gc()"
                });
            }
            "af-start" => self.cause("Allocation Failure"),
            "sys-start" => self.cause(system_cause(attr(text, "reason"))),
            "gc-start" | "cycle-start" | "gc" => self.kind(text, name == "gc-start"),
            "gc-end" => self.gc_end(text),
            "mem-info" => self.mem_info(text),
            "time" => self.legacy_time(text),
            "exclusive-end" => self.exclusive_end(text, sink),
            "/af" | "/sys" => self.legacy_end(sink),
            "/gc-start" | "/gc-end" => self.mem_info = MemInfo::Ignored,
            _ => {}
        }
    }

    pub(super) fn finish(&mut self, sink: &mut dyn Sink) {
        if let Some(open) = self.open.take() {
            sink.warning(open.line, "J9 GC pause cut off at end of input".into());
        }
    }

    fn open(&mut self, line: &Line<'_>, text: &str, legacy: bool, sink: &mut dyn Sink) {
        self.finish(sink);
        let start = attr(text, "timestamp").and_then(j9_time);
        self.open = Some(Open {
            line: line.number,
            text: evidence_text(line.text),
            start,
            legacy,
            collected: false,
            pause: GcPause {
                collector: Some("OpenJ9"),
                ..GcPause::default()
            },
        });
    }

    fn cause(&mut self, cause: &str) {
        if let Some(open) = self.open.as_mut() {
            open.pause.cause.get_or_insert_with(|| cause.to_string());
        }
    }

    fn kind(&mut self, text: &str, gc_start: bool) {
        if gc_start {
            self.mem_info = MemInfo::Before;
        }
        let Some(open) = self.open.as_mut() else {
            return;
        };
        open.collected = true;
        let kind = match attr(text, "type") {
            Some("scavenge" | "scavenger" | "nursery") => PauseKind::Young,
            Some("global" | "tenured") => PauseKind::Full,
            _ => PauseKind::Other,
        };
        open.pause.kind.get_or_insert(kind);
    }

    fn gc_end(&mut self, text: &str) {
        self.mem_info = MemInfo::After;
        if let Some(open) = self.open.as_mut() {
            let seconds = |name| number(text, name).map(|ms| ms / 1000.0);
            open.pause.user_s = seconds("usertimems");
            open.pause.sys_s = seconds("systemtimems");
        }
    }

    fn mem_info(&mut self, text: &str) {
        let (Some(open), Some(free), Some(total)) = (
            self.open.as_mut(),
            number(text, "free"),
            number(text, "total"),
        ) else {
            return;
        };
        let used_kb = ((total - free) / 1024.0).round() as u64;
        match self.mem_info {
            MemInfo::Before => {
                open.pause.heap_before_kb.get_or_insert(used_kb);
            }
            MemInfo::After => {
                open.pause.heap_after_kb.get_or_insert(used_kb);
                open.pause
                    .heap_capacity_kb
                    .get_or_insert((total / 1024.0).round() as u64);
            }
            MemInfo::Ignored => {}
        }
        self.mem_info = MemInfo::Ignored;
    }

    fn legacy_time(&mut self, text: &str) {
        if let (Some(open), Some(total)) = (self.open.as_mut(), number(text, "totalms")) {
            open.pause.duration_ms = total;
        }
    }

    fn exclusive_end(&mut self, text: &str, sink: &mut dyn Sink) {
        let Some(mut open) = self.open.take() else {
            return;
        };
        let Some(duration_ms) = number(text, "durationms") else {
            sink.warning(open.line, "J9 exclusive-end without durationms".into());
            return;
        };
        open.pause.duration_ms = duration_ms;
        if open.start.is_none() {
            let end = attr(text, "timestamp").and_then(j9_time);
            open.start =
                end.map(|t| t - chrono::Duration::microseconds((duration_ms * 1000.0) as i64));
        }
        if open.collected {
            emit(open, sink);
        }
    }

    fn legacy_end(&mut self, sink: &mut dyn Sink) {
        match self.open.take() {
            Some(open) if open.legacy => emit(open, sink),
            other => self.open = other,
        }
    }
}

fn emit(open: Open, sink: &mut dyn Sink) {
    let start = open.start.map_or(LogTime::Uptime(0.0), LogTime::Local);
    sink.event(pause_event(open.line, open.text, start, open.pause));
}

fn system_cause(reason: Option<&str>) -> &str {
    match reason {
        None | Some("explicit") => "System.gc()",
        Some(other) => other,
    }
}

/// The value of attribute `name` in an XML element line.
fn attr<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(at) = text[from..].find(name) {
        let start = from + at;
        let after = &text[start + name.len()..];
        let preceded_by_space = text[..start].ends_with(char::is_whitespace);
        if preceded_by_space && let Some(value) = after.strip_prefix("=\"") {
            return value.find('"').map(|end| &value[..end]);
        }
        from = start + name.len();
    }
    None
}

fn number(text: &str, name: &str) -> Option<f64> {
    attr(text, name)?.parse().ok()
}

/// `2015-12-31T15:22:46.957` or J9 5.0's `Mar 25 22:40:24 2010`.
fn j9_time(value: &str) -> Option<NaiveDateTime> {
    match local_datetime_prefix(value) {
        Some((time, _)) => Some(time),
        None => NaiveDateTime::parse_from_str(value, "%b %d %H:%M:%S %Y").ok(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{EventKind, GcPause, LogTime, PauseKind};
    use crate::parse::gc::GcParser;
    use crate::parse::testing::run;

    fn pause_of(input: &str) -> (LogTime, GcPause, u64) {
        let out = run(GcParser::new(), input);
        assert_eq!(out.events.len(), 1);
        let event = &out.events[0];
        match &event.kind {
            EventKind::GcPause(p) => (event.time, (**p).clone(), event.line),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn openj9_af_global_pause() {
        let input = r#"<exclusive-start id="9871" timestamp="2016-08-09T14:58:58.343" intervalms="14425.085">
  <response-info timems="1.109" idlems="0.826" threads="7" lastid="0000000033719C00" lastname="HTTP Handler 10.172.46.44" />
</exclusive-start>
<af-start id="9872" totalBytesRequested="40" timestamp="2016-08-09T14:58:58.346" intervalms="453274064.112" />
<cycle-start id="9873" type="global" contextid="0" timestamp="2016-08-09T14:58:58.346" intervalms="14426.710" />
<gc-start id="9874" type="global" contextid="9873" timestamp="2016-08-09T14:58:58.347">
  <mem-info id="9875" free="322121728" total="6442450944" percent="4">
    <mem type="tenure" free="322121728" total="6442450944" percent="4">
  </mem-info>
</gc-start>
<gc-end id="9878" type="global" contextid="9873" durationms="1239.395" usertimems="2046.100" systemtimems="2.290" timestamp="2016-08-09T14:58:59.586">
  <mem-info id="9879" free="4911161608" total="6442450944" percent="76">
  </mem-info>
</gc-end>
<exclusive-end id="9883" timestamp="2016-08-09T14:58:59.598" durationms="1255.648" />"#;
        let (time, p, line) = pause_of(input);
        assert!((p.duration_ms - 1255.648).abs() < 1e-9);
        assert_eq!(p.kind, Some(PauseKind::Full));
        assert_eq!(p.cause.as_deref(), Some("Allocation Failure"));
        assert_eq!(p.heap_before_kb, Some(5976884));
        assert_eq!(p.heap_after_kb, Some(1495400));
        assert_eq!(p.heap_capacity_kb, Some(6291456));
        assert_eq!(p.user_s, Some(2.0461));
        assert_eq!(line, 1);
        assert_eq!(format!("{time:?}"), "Local(2016-08-09T14:58:58.343)");
    }

    #[test]
    fn openj9_explicit_scavenge() {
        let input = r#"<exclusive-start id="2" timestamp="2015-12-31T15:22:46.957" intervalms="3955.367">
<sys-start reason="explicit" id="183" timestamp="2015-12-31T15:23:00.646" intervalms="17644.592" />
<cycle-start id="4" type="scavenge" contextid="0" timestamp="2015-12-31T15:22:46.957" intervalms="3955.562" />
<exclusive-end id="13" timestamp="2015-12-31T15:22:46.982" durationms="25.388" />"#;
        let (_, p, _) = pause_of(input);
        assert_eq!(p.kind, Some(PauseKind::Young));
        assert_eq!(p.cause.as_deref(), Some("System.gc()"));
        assert_eq!(p.collector, Some("OpenJ9"));
    }

    #[test]
    fn j9_5_legacy_af() {
        let input = r#"<af type="tenured" id="1" timestamp="Mar 25 22:40:24 2010" intervalms="0.000">
  <gc type="global" id="1" totalid="1" intervalms="0.000">
  </gc>
  <time totalms="35.912" />
</af>"#;
        let (time, p, _) = pause_of(input);
        assert_eq!(p.duration_ms, 35.912);
        assert_eq!(p.kind, Some(PauseKind::Full));
        assert_eq!(format!("{time:?}"), "Local(2010-03-25T22:40:24)");
    }

    #[test]
    fn cut_off_section_warns() {
        let out = run(
            GcParser::new(),
            r#"<exclusive-start id="2" timestamp="2015-12-31T15:22:46.957">"#,
        );
        assert!(out.events.is_empty());
        assert_eq!(out.warnings.len(), 1);
    }
}
