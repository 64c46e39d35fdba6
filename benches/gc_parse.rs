//! Throughput of the GC parser over generated logs: one mixing JDK 8 G1
//! multi-line pauses with details, stopped-time lines, concurrent phases and
//! unified-logging pauses with their cpu and safepoint lines; one of JDK 8
//! Parallel one-line pauses, the bulk of a busy service's GC log.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hbdiag::model::Event;
use hbdiag::parse::gc::GcParser;
use hbdiag::parse::{Parser, Sink};
use hbdiag::read::{DEFAULT_MAX_LINE, Line, LineReader};
use std::hint::black_box;

/// Cycles of the generated log (about 2,5 KB each).
const CYCLES: usize = 4000;

/// Counts what the parser emits so the work cannot be optimised away.
#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn event(&mut self, event: Event) {
        self.0 += event.line;
    }
    fn unparsed(&mut self, _line: &Line<'_>) {
        self.0 += 1;
    }
    fn warning(&mut self, _line: u64, _message: String) {}
}

fn jdk8_g1_cycle(log: &mut String, i: usize) {
    let t = 10.0 + i as f64 * 1.5;
    log.push_str(&format!(
        "2015-05-04T18:08:01.462+0000: {t:.3}: [GC pause (G1 Evacuation Pause) (young)
Desired survivor size 8388608 bytes, new threshold 15 (max 15)
, 0.0209631 secs]
   [Parallel Time: 12.6 ms, GC Workers: 6]
      [GC Worker Start (ms): Min: 2192.4, Avg: 2192.5, Max: 2192.5, Diff: 0.1]
      [Object Copy (ms): Min: 9.1, Avg: 9.3, Max: 9.5, Diff: 0.4, Sum: 55.8]
   [Other: 8.2 ms]
   [Eden: 128.0M(128.0M)->0.0B(112.0M) Survivors: 0.0B->16.0M Heap: 128.0M(30.0G)->24.9M(30.0G)]
 [Times: user=0.09 sys=0.02, real=0.03 secs]
2015-05-04T18:08:01.484+0000: {:.3}: Total time for which application threads were stopped: 0.0212000 seconds, Stopping threads took: 0.0000269 seconds
2015-05-04T18:08:01.500+0000: {:.3}: [GC concurrent-root-region-scan-end, 0.0127300 secs]
",
        t + 0.022,
        t + 0.04
    ));
}

fn unified_cycle(log: &mut String, i: usize) {
    let t = 10.0 + i as f64 * 1.5;
    log.push_str(&format!(
        "[2020-06-24T18:13:47.695-0700][{t:.3}s][info][gc,start     ] GC({i}) Pause Young (Normal) (G1 Evacuation Pause)
[2020-06-24T18:13:47.700-0700][{t:.3}s][info][gc,phases    ] GC({i}) Evacuate Collection Set: 4.1ms
[2020-06-24T18:13:47.701-0700][{t:.3}s][info][gc           ] GC({i}) Pause Young (Normal) (G1 Evacuation Pause) 887M->583M(1223M) 5.780ms
[2020-06-24T18:13:47.701-0700][{t:.3}s][info][gc,cpu       ] GC({i}) User=0.02s Sys=0.00s Real=0.01s
[2020-06-24T18:13:47.702-0700][{t:.3}s][info][safepoint    ] Safepoint \"G1CollectForAllocation\", Time since last: 1566743493 ns, Reaching safepoint: 8455 ns, Cleanup: 6062 ns, At safepoint: 183943 ns, Total: 198460 ns
"
    ));
}

fn parallel_line(log: &mut String, i: usize) {
    let t = 10.0 + i as f64 * 0.07;
    let young = 200_000 + i % 90_000;
    log.push_str(&format!(
        "2026-03-12T10:00:{:06.3}+0800: {t:.3}: [GC (Allocation Failure) [PSYoungGen: {young}K->29319K(305664K)] 693198K->429319K(1005056K), 0.0{:06}0 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]\n",
        t % 60.0,
        i % 50_000
    ));
}

fn parallel_log() -> String {
    let mut log = String::new();
    for i in 0..CYCLES * 10 {
        parallel_line(&mut log, i);
    }
    log
}

fn generated_log() -> String {
    let mut log = String::new();
    for i in 0..CYCLES {
        jdk8_g1_cycle(&mut log, i);
        unified_cycle(&mut log, i);
    }
    log
}

fn parse(log: &[u8]) -> u64 {
    let mut reader = LineReader::new(log, DEFAULT_MAX_LINE);
    let mut parser = GcParser::new();
    let mut sink = Count::default();
    while let Ok(Some(line)) = reader.next_line() {
        parser.line(&line, &mut sink);
    }
    parser.finish(&mut sink);
    sink.0
}

fn bench(c: &mut Criterion) {
    let log = generated_log();
    let mut group = c.benchmark_group("gc_parse");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.sample_size(20);
    group.bench_function("jdk8_g1_and_unified", |b| {
        b.iter(|| parse(black_box(log.as_bytes())))
    });
    let parallel = parallel_log();
    group.throughput(Throughput::Bytes(parallel.len() as u64));
    group.bench_function("jdk8_parallel", |b| {
        b.iter(|| parse(black_box(parallel.as_bytes())))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
