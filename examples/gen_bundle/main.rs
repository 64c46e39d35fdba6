//! Writes a realistic benchmark bundle: N hosts × M MB of Informatica
//! `node.log`, `exceptions.log` and JDK 8 GC logs, mostly INFO noise with
//! WARN/ERROR stack traces, and one DB-outage incident (the master gateway
//! loses its domain database and shuts down; the other nodes lose their
//! heartbeats).
//!
//! `--flood` writes the bundle that arrives after an outage instead (see
//! [`flood`]): INFO lines full of signal words, a recurring LDAP timeout
//! with its stack trace, a ≥ 50 ms GC pause every few seconds in two
//! collector dialects, vmstat every second, and two FlinkServer hosts with
//! large role logs.
//!
//! `cargo run --release --example gen_bundle -- OUT_DIR [HOSTS] [MB_PER_HOST] [--gzip] [--flood]`

use flate2::{Compression, write::GzEncoder};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

mod flood;

/// Share of a host's bytes per file: node.log, exceptions.log, gc.log.
const SHARES: [(&str, u64); 3] = [("node.log", 70), ("exceptions.log", 15), ("gc.log", 15)];
/// Seconds between records, on average.
const STEP_MS: u64 = 40;
/// Where in each log (fraction of its bytes) the incident happens.
const INCIDENT_AT: u64 = 60;

const NOISE: [&str; 6] = [
    "[Domain Monitor] [DOM_10000] Domain monitor collected statistics for {services} services.",
    "[Service Manager] [SPC_10014] Service process [DIS_01] is running on node [{node}].",
    "[LicenseManager] [LIC_10002] License check completed for option [PowerCenter].",
    "[Heartbeat] [DOM_10120] Sent heartbeat to the master gateway node.",
    "[Catalina] [CCM_10012] Request processed in {ms} ms by worker thread pool-{pool}.",
    "[Repository] [REP_12014] Connection pool has {active} active and {idle} idle connections.",
];

/// A noise line of `template` with its figures drawn as a live node's
/// vary (`{ms}`, `{pool}`, `{active}`, `{idle}`, `{services}`, `{latency}`)
/// and its node named: real INFO noise is seldom the same line twice.
fn noise(template: &str, node: &str, rng: &mut Rng) -> String {
    let mut text = template.replace("{node}", node);
    for (field, below) in [
        ("{ms}", 900),
        ("{pool}", 8),
        ("{active}", 16),
        ("{idle}", 32),
        ("{services}", 16),
        ("{latency}", 40),
    ] {
        if text.contains(field) {
            let figure = rng.below(below) + 1;
            text = text.replace(field, &figure.to_string());
        }
    }
    text
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A clock that moves forward by a random step per record.
struct Clock {
    ms: u64,
}

impl Clock {
    fn tick(&mut self, rng: &mut Rng) -> String {
        self.ms += 1 + rng.below(STEP_MS * 2);
        let (s, ms) = (self.ms / 1000, self.ms % 1000);
        let (h, m, sec) = (10 + s / 3600 % 14, s / 60 % 60, s % 60);
        format!("2026-03-12 {h:02}:{m:02}:{sec:02},{ms:03}")
    }
    fn gc_stamp(&self) -> String {
        let (s, ms) = (self.ms / 1000, self.ms % 1000);
        let (h, m, sec) = (10 + s / 3600 % 14, s / 60 % 60, s % 60);
        format!("2026-03-12T{h:02}:{m:02}:{sec:02}.{ms:03}+0800")
    }
}

fn stack_trace(out: &mut dyn Write, rng: &mut Rng) -> io::Result<()> {
    writeln!(
        out,
        "java.sql.SQLRecoverableException: IO Error: Connection reset"
    )?;
    for i in 0..(8 + rng.below(12)) {
        writeln!(
            out,
            "\tat com.informatica.isp.domainservice.Worker{i}.run(Worker{i}.java:{})",
            100 + i * 7
        )?;
    }
    writeln!(out, "Caused by: java.net.SocketException: Connection reset")?;
    writeln!(
        out,
        "\tat java.net.SocketInputStream.read(SocketInputStream.java:210)"
    )?;
    writeln!(out, "\t... 14 more")
}

fn log_record(out: &mut dyn Write, clock: &mut Clock, rng: &mut Rng, node: &str) -> io::Result<()> {
    let stamp = clock.tick(rng);
    match rng.below(100) {
        0 => {
            writeln!(
                out,
                "{stamp} ERROR [Repository] [REP_12400] Repository request failed after retries."
            )?;
            stack_trace(out, rng)
        }
        1..=3 => writeln!(
            out,
            "{stamp} WARN  [Catalina] [CCM_10020] Slow request took 2412 ms on node [{node}]."
        ),
        n => {
            let text = noise(NOISE[n as usize % NOISE.len()], node, rng);
            writeln!(out, "{stamp} INFO  {text}")
        }
    }
}

fn incident(out: &mut dyn Write, clock: &mut Clock, rng: &mut Rng, master: bool) -> io::Result<()> {
    if master {
        for _ in 0..4 {
            let stamp = clock.tick(rng);
            writeln!(
                out,
                "{stamp} ERROR [Master Elect Data Writer] [DOM_10162] An exception occurred while updating the master election data in the domain configuration database."
            )?;
            writeln!(
                out,
                "java.sql.SQLException: ORA-01034: ORACLE not available"
            )?;
            writeln!(
                out,
                "\tat oracle.jdbc.driver.T4CTTIoer.processError(T4CTTIoer.java:450)"
            )?;
            clock.ms += 8000;
        }
        let stamp = clock.tick(rng);
        writeln!(
            out,
            "{stamp} FATAL [Master Elect Data Writer] [DOM_10094] The master gateway node could not update the domain configuration database within the timeout period. The node will shut down."
        )
    } else {
        for _ in 0..3 {
            clock.ms += 15000;
            let stamp = clock.tick(rng);
            writeln!(
                out,
                "{stamp} ERROR [Heartbeat] [DOM_10025] The node cannot send heartbeat messages to the master gateway node."
            )?;
            writeln!(out, "java.net.ConnectException: Connection refused")?;
        }
        Ok(())
    }
}

fn gc_record(out: &mut dyn Write, clock: &mut Clock, rng: &mut Rng) -> io::Result<()> {
    clock.tick(rng);
    let up = clock.ms as f64 / 1000.0;
    let young = 200_000 + rng.below(100_000);
    if rng.below(200) == 0 {
        writeln!(
            out,
            "{}: {up:.3}: [Full GC (Ergonomics) [PSYoungGen: 1024K->0K(305664K)] [ParOldGen: 699051K->512000K(699392K)] 700075K->512000K(1005056K), [Metaspace: 60000K->60000K(1101824K)], 1.2345678 secs] [Times: user=2.10 sys=0.01, real=1.23 secs]",
            clock.gc_stamp()
        )
    } else {
        // Healthy young pauses: mostly 3–30 ms, one in 50 up to 300 ms.
        let pause_us = match rng.below(50) {
            0 => 50_000 + rng.below(250_000),
            _ => 3_000 + rng.below(27_000),
        };
        writeln!(
            out,
            "{}: {up:.3}: [GC (Allocation Failure) [PSYoungGen: {young}K->{}K(305664K)] {}K->{}K(1005056K), 0.{:06}0 secs] [Times: user=0.01 sys=0.00, real=0.01 secs]",
            clock.gc_stamp(),
            young / 10,
            young + 400_000,
            young / 10 + 400_000,
            pause_us
        )
    }
}

fn write_file(
    path: &Path,
    bytes: u64,
    gzip: bool,
    mut record: impl FnMut(&mut dyn Write, bool) -> io::Result<()>,
) -> io::Result<()> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut out: Box<dyn Write> = if gzip {
        Box::new(GzEncoder::new(file, Compression::fast()))
    } else {
        Box::new(file)
    };
    let mut counter = Counting {
        inner: &mut out,
        written: 0,
    };
    let mut incident_done = false;
    while counter.written < bytes {
        let at_incident = !incident_done && counter.written * 100 >= bytes * INCIDENT_AT;
        incident_done |= at_incident;
        record(&mut counter, at_incident)?;
    }
    out.flush()
}

struct Counting<'a> {
    inner: &'a mut dyn Write,
    written: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn write_host(root: &Path, host: usize, mb: u64, gzip: bool) -> io::Result<()> {
    let name = format!("infa{:02}", host + 1);
    let node = format!("node{:02}", host + 1);
    let dir = root.join(&name).join("logs").join(&node);
    fs::create_dir_all(&dir)?;
    let master = host == 0;
    for (file, share) in SHARES {
        let bytes = mb * 1024 * 1024 * share / 100;
        let path = dir.join(if gzip {
            format!("{file}.gz")
        } else {
            file.to_string()
        });
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((host as u64 + 1) * 7919));
        let mut clock = Clock { ms: 0 };
        let is_gc = file == "gc.log";
        write_file(&path, bytes, gzip, |out, at_incident| {
            match (is_gc, at_incident) {
                (true, _) => gc_record(out, &mut clock, &mut rng),
                (false, true) => incident(out, &mut clock, &mut rng, master),
                (false, false) => log_record(out, &mut clock, &mut rng, &node),
            }
        })?;
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let gzip = args.iter().any(|a| a == "--gzip");
    let flood = args.iter().any(|a| a == "--flood");
    let plain: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let Some(out) = plain.first() else {
        eprintln!("usage: gen_bundle OUT_DIR [HOSTS=8] [MB_PER_HOST=64] [--gzip] [--flood]");
        std::process::exit(2);
    };
    let number =
        |i: usize, default: u64| plain.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (hosts, mb) = (number(1, 8) as usize, number(2, 64));
    let root = Path::new(out.as_str());
    let writers = if flood {
        hosts + flood::MRS_HOSTS
    } else {
        hosts
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|h| {
                scope.spawn(move || match (flood, h < hosts) {
                    (false, _) => write_host(root, h, mb, gzip),
                    (true, true) => flood::write_informatica_host(root, h, mb, gzip),
                    (true, false) => flood::write_flink_host(root, h - hosts, mb, gzip),
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("generator thread"))
    })
}
