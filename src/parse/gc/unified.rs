//! JDK 9+ unified logging (`-Xlog:gc*,safepoint`) with any decorations.
//! Pause lines are logged at the pause end with the duration in ms; the
//! `gc,cpu` line of the same GC id that follows adds user/sys/real.
//! Concurrent phases and ZGC cycles (`Major Collection … 0.036s`) are not
//! pauses and are skipped.

use super::decor::Decorated;
use super::units::{self, trailing_number};
use super::{Clock, failures_in, paren_group, pause_event, safepoint_event};
use crate::model::{
    AllocationStall, Event, EventKind, GcPause, LogTime, LoggedAt, PauseKind, Safepoint,
};
use crate::parse::{Sink, evidence_text};
use crate::read::Line;

const STOPPED: &str = "Total time for which application threads were stopped:";
const ENTERING: &str = "Entering safepoint region:";

/// State of the unified-logging dialect.
#[derive(Default)]
pub(super) struct Unified {
    /// The last pause, waiting for its `User=… Sys=… Real=…` line.
    pending: Option<(Option<u64>, Event)>,
    /// Failure markers (`To-space exhausted`) logged before their pause.
    failures: Option<(Option<u64>, Vec<String>)>,
    /// JDK 9–16 `Entering safepoint region` awaiting its total.
    entering: Option<Entering>,
}

struct Entering {
    start: LogTime,
    line: u64,
    text: String,
    operation: String,
}

impl Unified {
    pub(super) fn line(
        &mut self,
        line: &Line<'_>,
        decorated: &Decorated<'_>,
        clock: &mut Clock,
        sink: &mut dyn Sink,
    ) {
        let Some(end) = clock.time(decorated.stamp).or(clock.last) else {
            sink.unparsed(line);
            return;
        };
        let (gc_id, message) = split_gc_id(decorated.message);
        if self.pending.as_ref().is_some_and(|(id, _)| *id != gc_id) {
            self.flush(sink);
        }
        if let Some(name) = message.strip_prefix("Using ") {
            clock.collector = collector_named(name.trim()).or(clock.collector);
        } else if message.starts_with("User=") {
            self.cpu(message, sink);
        } else if let Some(pause) = pause_message(message) {
            self.pause(line, end, gc_id, pause, clock, sink);
        } else if message.eq_ignore_ascii_case("To-space exhausted") {
            self.failure(gc_id);
        } else if message.starts_with("Allocation Stall") || message.starts_with("Relocation Stall")
        {
            stall(line, end, message, sink);
        } else {
            self.safepoint(line, end, message, sink);
        }
    }

    pub(super) fn finish(&mut self, sink: &mut dyn Sink) {
        self.flush(sink);
    }

    fn flush(&mut self, sink: &mut dyn Sink) {
        if let Some((_, event)) = self.pending.take() {
            sink.event(event);
        }
    }

    fn cpu(&mut self, message: &str, sink: &mut dyn Sink) {
        if let Some((_, event)) = self.pending.as_mut()
            && let EventKind::GcPause(pause) = &mut event.kind
        {
            pause.user_s = units::value_after(message, "User=");
            pause.sys_s = units::value_after(message, "Sys=");
            pause.real_s = units::value_after(message, "Real=");
        }
        self.flush(sink);
    }

    fn failure(&mut self, gc_id: Option<u64>) {
        let marker = "to-space exhausted".to_string();
        if let Some((id, event)) = self.pending.as_mut()
            && *id == gc_id
            && let EventKind::GcPause(pause) = &mut event.kind
        {
            pause.failures.push(marker);
            return;
        }
        match self.failures.as_mut() {
            Some((id, list)) if *id == gc_id => list.push(marker),
            _ => self.failures = Some((gc_id, vec![marker])),
        }
    }

    fn pause(
        &mut self,
        line: &Line<'_>,
        end: LogTime,
        gc_id: Option<u64>,
        mut pause: GcPause,
        clock: &mut Clock,
        sink: &mut dyn Sink,
    ) {
        self.flush(sink);
        if let Some((id, list)) = self.failures.take()
            && id == gc_id
        {
            pause.failures.extend(list);
        }
        let named = clock
            .collector
            .or_else(|| infer_collector(line.text, &pause));
        clock.collector = named;
        pause.collector = named;
        let start = end.add_millis(-pause.duration_ms);
        pause.logged_at = LoggedAt::End;
        let event = pause_event(line.number, evidence_text(line.text), start, pause);
        self.pending = Some((gc_id, event));
    }

    fn safepoint(&mut self, line: &Line<'_>, end: LogTime, message: &str, sink: &mut dyn Sink) {
        if let Some(operation) = message.strip_prefix(ENTERING) {
            self.entering = Some(Entering {
                start: end,
                line: line.number,
                text: evidence_text(line.text),
                operation: operation.trim().to_string(),
            });
        } else if message.starts_with(STOPPED) {
            let Some(total) = units::value_after(message, STOPPED) else {
                return;
            };
            let safepoint = Safepoint {
                duration_ms: total * 1000.0,
                time_to_safepoint_ms: units::value_after(message, "Stopping threads took:")
                    .map(|s| s * 1000.0),
                operation: None,
                logged_at: LoggedAt::End,
            };
            sink.event(self.jdk9_safepoint(line, end, safepoint));
        } else if let Some(rest) = message.strip_prefix("Safepoint \"")
            && let Some(safepoint) = jdk17_safepoint(rest)
        {
            let start = end.add_millis(-safepoint.duration_ms);
            sink.event(safepoint_event(line, start, safepoint));
        }
    }

    /// A JDK 9–16 safepoint: starts at its `Entering` line when there was one.
    fn jdk9_safepoint(&mut self, line: &Line<'_>, end: LogTime, mut safepoint: Safepoint) -> Event {
        match self.entering.take() {
            Some(entering) => {
                safepoint.operation = Some(entering.operation);
                safepoint.logged_at = LoggedAt::Start;
                Event {
                    line: entering.line,
                    time: entering.start,
                    level: None,
                    text: entering.text,
                    host: None,
                    kind: EventKind::Safepoint(Box::new(safepoint)),
                }
            }
            None => safepoint_event(line, end.add_millis(-safepoint.duration_ms), safepoint),
        }
    }
}

/// `GC(12) rest` → (Some(12), `rest`).
fn split_gc_id(message: &str) -> (Option<u64>, &str) {
    let Some(rest) = message.strip_prefix("GC(") else {
        return (None, message);
    };
    let Some(close) = rest.find(')') else {
        return (None, message);
    };
    match rest[..close].parse() {
        Ok(id) => (Some(id), rest[close + 1..].trim_start()),
        Err(_) => (None, message),
    }
}

/// A pause end line: `Pause <name> (<group>)… [heap] <d>ms`, with ZGC's
/// generational `Y: `/`O: ` prefix.
fn pause_message(message: &str) -> Option<GcPause> {
    let generation = message
        .get(..3)
        .filter(|p| matches!(p.as_bytes(), [b'Y' | b'O' | b'y' | b'o', b':', b' ']));
    let message = &message[generation.map_or(0, str::len)..];
    let rest = message.strip_prefix("Pause ")?;
    let duration_ms = trailing_number(rest, "ms")?;
    let name_end = rest
        .find(|c: char| c == '(' || c.is_ascii_digit())
        .unwrap_or(rest.len());
    let name = rest[..name_end].trim();
    let mut groups = Vec::new();
    let mut tail = &rest[name_end..];
    while let Some((group, used)) = paren_group(tail) {
        groups.push(group);
        tail = tail[used..].trim_start();
    }
    let kind = kind_of(name, &groups);
    let mut pause = GcPause {
        duration_ms,
        kind: Some(kind),
        cause: cause_of(kind, &groups).map(str::to_string),
        failures: failures_in(message),
        ..GcPause::default()
    };
    if let Some((heap, _)) = units::transition(tail) {
        pause.heap_before_kb = Some(heap.before_kb);
        pause.heap_after_kb = Some(heap.after_kb);
        pause.heap_capacity_kb = Some(heap.capacity_kb);
    }
    Some(pause)
}

/// G1 young-pause subtypes printed before the cause.
const G1_SUBTYPES: [&str; 4] = ["Normal", "Concurrent Start", "Prepare Mixed", "Mixed"];

fn kind_of(name: &str, groups: &[&str]) -> PauseKind {
    match name {
        "Young" if groups.contains(&"Mixed") => PauseKind::Mixed,
        "Young" if groups.contains(&"Concurrent Start") => PauseKind::InitialMark,
        "Young" => PauseKind::Young,
        "Mixed" => PauseKind::Mixed,
        "Full" => PauseKind::Full,
        "Remark" => PauseKind::Remark,
        "Cleanup" => PauseKind::Cleanup,
        "Initial Mark" => PauseKind::InitialMark,
        "Degenerated GC" => PauseKind::Degenerated,
        _ => PauseKind::Other,
    }
}

fn cause_of<'a>(kind: PauseKind, groups: &[&'a str]) -> Option<&'a str> {
    match kind {
        PauseKind::Young
        | PauseKind::Mixed
        | PauseKind::InitialMark
        | PauseKind::Full
        | PauseKind::Degenerated => groups.iter().find(|g| !G1_SUBTYPES.contains(g)).copied(),
        _ => None,
    }
}

/// The collector of a `Using …` line.
fn collector_named(name: &str) -> Option<&'static str> {
    const NAMES: [(&str, &str); 6] = [
        ("G1", "G1"),
        ("Parallel", "Parallel"),
        ("Serial", "Serial"),
        ("Concurrent Mark Sweep", "CMS"),
        ("Shenandoah", "Shenandoah"),
        ("The Z Garbage Collector", "ZGC"),
    ];
    NAMES
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, n)| *n)
        .or((name == "ZGC").then_some("ZGC"))
}

/// G1 young-pause names with their subtype.
const G1_YOUNG_NAMES: [&str; 4] = [
    "Young (Normal)",
    "Young (Concurrent Start)",
    "Young (Prepare Mixed)",
    "Young (Mixed)",
];

/// A guess from the pause name when the log has no `Using …` line.
fn infer_collector(text: &str, pause: &GcPause) -> Option<&'static str> {
    if pause.kind == Some(PauseKind::Other)
        && (text.contains("Pause Mark") || text.contains("Pause Relocate"))
    {
        Some("ZGC")
    } else if text.contains("Pause Init ")
        || text.contains("Pause Final ")
        || text.contains("Degenerated")
    {
        Some("Shenandoah")
    } else if G1_YOUNG_NAMES.iter().any(|s| text.contains(s)) || text.contains("Pause Remark") {
        Some("G1")
    } else {
        None
    }
}

fn jdk17_safepoint(rest: &str) -> Option<Safepoint> {
    let quote = rest.find('"')?;
    let ns = |key| units::value_after(rest, key).map(|v| v / 1.0e6);
    Some(Safepoint {
        duration_ms: ns("Total:")?,
        time_to_safepoint_ms: ns("Reaching safepoint:"),
        operation: Some(rest[..quote].to_string()),
        logged_at: LoggedAt::End,
    })
}

/// `Allocation Stall (thread) 1.234ms`: mutators blocked, logged at the end.
fn stall(line: &Line<'_>, end: LogTime, message: &str, sink: &mut dyn Sink) {
    let Some(duration_ms) = trailing_number(message, "ms") else {
        return;
    };
    let thread = message
        .find('(')
        .and_then(|at| paren_group(&message[at..]))
        .map(|(name, _)| name.to_string());
    sink.event(Event {
        line: line.number,
        time: end.add_millis(-duration_ms),
        level: None,
        text: evidence_text(line.text),
        host: None,
        kind: EventKind::AllocationStall(Box::new(AllocationStall {
            logged_at: LoggedAt::End,
            duration_ms,
            thread,
        })),
    });
}

#[cfg(test)]
mod tests {
    use crate::model::{EventKind, GcPause, LogTime, PauseKind};
    use crate::parse::gc::GcParser;
    use crate::parse::testing::{Collect, run};

    fn pauses(out: &Collect) -> Vec<&GcPause> {
        out.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::GcPause(p) => Some(&**p),
                _ => None,
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn g1_full_with_cpu_line_and_wall_start() {
        let input = "\
[2020-06-24T18:13:47.695-0700][173690ms] GC(74) Pause Full (System.gc())
[2020-06-24T18:13:49.278-0700][175273ms] GC(74) Phase 1: Mark live objects 1566.691ms
[2020-06-24T18:13:51.155-0700][177150ms] GC(74) Pause Full (System.gc()) 887M->583M(1223M) 3460.196ms
[2020-06-24T18:13:51.155-0700][177150ms] GC(74) User=1.78s Sys=0.01s Real=3.46s";
        let out = run(GcParser::new(), input);
        assert_eq!(out.events.len(), 1);
        let event = &out.events[0];
        let EventKind::GcPause(p) = &event.kind else {
            panic!("not a pause")
        };
        assert!(close(p.duration_ms, 3460.196));
        assert_eq!(p.kind, Some(PauseKind::Full));
        assert_eq!(p.cause.as_deref(), Some("System.gc()"));
        assert_eq!(
            (p.user_s, p.sys_s, p.real_s),
            (Some(1.78), Some(0.01), Some(3.46))
        );
        assert_eq!(p.heap_after_kb, Some(583 * 1024));
        assert_eq!(event.line, 3);
        assert!(format!("{:?}", event.time).contains("2020-06-24T18:13:47.694804-07:00"));
    }

    #[test]
    fn g1_young_uptime_collector_and_to_space_exhausted() {
        let input = "\
[0.010s][info][gc] Using G1
[0.050s][info][gc,start     ] GC(0) Pause Young (Normal) (G1 Evacuation Pause)
[0.055s][info][gc           ] GC(0) To-space exhausted
[0.058s][info][gc           ] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 1M->1M(4M) 5.780ms
[0.070s][info][gc           ] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 2M->1M(4M) 1.000ms";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].collector, Some("G1"));
        assert_eq!(all[0].failures, ["to-space exhausted"]);
        assert_eq!(all[0].cause.as_deref(), Some("G1 Evacuation Pause"));
        assert_eq!(out.events[0].time, LogTime::Uptime(0.058 - 0.00578));
        assert_eq!(all[1].kind, Some(PauseKind::InitialMark));
        assert_eq!(all[1].cause.as_deref(), Some("G1 Humongous Allocation"));
        assert!(all[1].failures.is_empty());
    }

    #[test]
    fn shenandoah_full_and_phase_pauses() {
        let input = "\
[0.401s][info][gc     ] Using Shenandoah
[29.657s][info][gc,start      ] GC(831) Pause Full (Allocation Failure)
[43.948s][info][gc             ] GC(831) Pause Full (Allocation Failure) 7943M->6013M(8192M) 14289.335ms
[41.893s][info][gc           ] GC(1500) Pause Init Mark (update refs) (process weakrefs) 0.295ms
[2024-04-12T17:56:00.635-0400] GC(74) Pause Degenerated GC (Outside of Cycle) 90M->15M(96M) 13.088ms
[2022-10-27T22:37:06.695-0400] Pause Init Mark (G)            =    0.026 s (a =      271 us) (n =    94)";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all.len(), 3);
        assert!(close(all[0].duration_ms, 14289.335));
        assert_eq!(all[0].cause.as_deref(), Some("Allocation Failure"));
        assert_eq!(
            (all[1].kind, all[1].cause.as_deref()),
            (Some(PauseKind::Other), None)
        );
        assert_eq!(all[2].kind, Some(PauseKind::Degenerated));
        assert_eq!(all[2].cause.as_deref(), Some("Outside of Cycle"));
        assert_eq!(all[2].collector, Some("Shenandoah"));
    }

    #[test]
    fn zgc_pauses_but_not_cycles_and_allocation_stalls() {
        let input = "\
[0.125s] GC(0) Pause Mark Start 0.004ms
[0.193s][info][gc,phases   ] GC(2) Y: Pause Mark Start (Major) 0.009ms
[0.296s][info][gc,phases   ] GC(3) y: Pause Mark End 0.007ms
[0.228s][info][gc          ] GC(2) Major Collection (Warmup) 30M(31%)->26M(27%) 0.036s
[1.500s][info][gc          ] Allocation Stall (main) 12.500ms";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].collector, Some("ZGC"));
        assert!(close(all[1].duration_ms, 0.009));
        let stall = out.events.iter().find_map(|e| match &e.kind {
            EventKind::AllocationStall(s) => Some((e.time, s)),
            _ => None,
        });
        let (time, stall) = stall.unwrap();
        assert_eq!(stall.thread.as_deref(), Some("main"));
        assert_eq!(time, LogTime::Uptime(1.5 - 0.0125));
        assert_eq!(stall.logged_at, crate::model::LoggedAt::End);
        assert!(
            all.iter()
                .all(|p| p.logged_at == crate::model::LoggedAt::End)
        );
    }

    #[test]
    fn parallel_serial_cms_pauses() {
        let input = "\
[0.092s][info][gc             ] GC(3) Pause Full (Ergonomics) 0M->0M(3M) 1.849ms
[0.042s][info][gc           ] GC(0) Pause Young (Allocation Failure) 0M->0M(1M) 1.393ms
[0.695s][info][gc] GC(18) Pause Initial Mark 61M->61M(150M) 0.136ms";
        let out = run(GcParser::new(), input);
        let all = pauses(&out);
        assert_eq!(all[0].cause.as_deref(), Some("Ergonomics"));
        assert_eq!(all[1].kind, Some(PauseKind::Young));
        assert_eq!(all[2].kind, Some(PauseKind::InitialMark));
        assert_eq!(all[2].heap_capacity_kb, Some(150 * 1024));
    }

    #[test]
    fn jdk9_three_line_safepoint() {
        let input = "\
[2021-09-14T11:38:33.217-0500][3.874s][info][safepoint    ] Entering safepoint region: CollectForMetadataAllocation
[2021-09-14T11:38:33.223-0500][3.880s][info][safepoint    ] Leaving safepoint region
[2021-09-14T11:38:33.223-0500][3.880s][info][safepoint    ] Total time for which application threads were stopped: 0.0059106 seconds, Stopping threads took: 0.0000063 seconds";
        let out = run(GcParser::new(), input);
        assert_eq!(out.events.len(), 1);
        let EventKind::Safepoint(s) = &out.events[0].kind else {
            panic!("not a safepoint")
        };
        assert!(close(s.duration_ms, 5.9106));
        assert!(close(s.time_to_safepoint_ms.unwrap(), 0.0063));
        assert_eq!(s.operation.as_deref(), Some("CollectForMetadataAllocation"));
        assert_eq!(out.events[0].line, 1);
        assert!(format!("{:?}", out.events[0].time).contains("11:38:33.217"));
    }

    #[test]
    fn jdk17_one_line_safepoint_in_ns() {
        let input = "[2025-03-20T23:34:05.200-0400][633546.240s] Safepoint \"GetAllStackTraces\", Time since last: 1566743493 ns, Reaching safepoint: 8455 ns, Cleanup: 6062 ns, At safepoint: 183943 ns, Total: 198460 ns";
        let out = run(GcParser::new(), input);
        let EventKind::Safepoint(s) = &out.events[0].kind else {
            panic!("not a safepoint")
        };
        assert!(close(s.duration_ms, 0.19846));
        assert!(close(s.time_to_safepoint_ms.unwrap(), 0.008455));
        assert_eq!(s.operation.as_deref(), Some("GetAllStackTraces"));
        assert!(format!("{:?}", out.events[0].time).contains("23:34:05.199802"));
    }
}
