//! The flood profile: the bundle of a sick cluster, where many lines match.
//!
//! Per Informatica host (M MB): a `node.log` of M MB whose INFO lines talk
//! about heartbeats and timeouts, with the DB outage of the plain profile;
//! an `exceptions.log` of M/8 MB where an LDAP read timeout and socket
//! timeouts recur every 5–60 s, each with its stack trace; a GC log of
//! M × 3.5/64 MB with a ≥ 50 ms pause every 2–8 s (G1 unified logging on
//! even hosts, JDK 8 CMS with safepoint lines on odd ones); and `vmstat -t 1`
//! of M/16 MB. Two FlinkServer hosts add a role log of M/4 MB each, with
//! heartbeat INFO lines and a recurring ZooKeeper session timeout.

use super::{Clock, Rng, incident, noise, write_file};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// FlinkServer hosts written besides the Informatica ones.
pub const MRS_HOSTS: usize = 2;

/// A wall clock that runs over days, for files that log seldom.
struct Calendar {
    at: NaiveDateTime,
}

impl Calendar {
    fn starting(day: u32, hour: u32) -> Calendar {
        let at = NaiveDate::from_ymd_opt(2026, 3, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("a valid start");
        Calendar { at }
    }

    fn advance_ms(&mut self, ms: u64) {
        self.at += Duration::milliseconds(ms as i64);
    }

    fn log4j(&self) -> String {
        self.at.format("%Y-%m-%d %H:%M:%S,%3f").to_string()
    }

    fn iso(&self, zone: &str) -> String {
        format!("{}{zone}", self.at.format("%Y-%m-%dT%H:%M:%S%.3f"))
    }
}

const NODE_NOISE: [&str; 8] = [
    "[Domain Monitor] [DOM_10113] Received heartbeat from node [{peer}]; the next heartbeat is expected within 90 seconds.",
    "[Heartbeat] [DOM_10120] Sent heartbeat to the master gateway node.",
    "[Master Elect Data Writer] [DOM_10161] Updated the master election data in the domain configuration database.",
    "[Service Manager] [SPC_10014] Service process [DIS_01] is running on node [{node}].",
    "[Catalina] [CCM_10012] Request processed in {ms} ms by worker thread pool-{pool}.",
    "[Repository] [REP_12014] Connection pool has {active} active and {idle} idle connections.",
    "[Domain Monitor] [DOM_10000] Domain monitor collected statistics for {services} services; heartbeat latency {latency} ms.",
    "[LDAP Synchronization] [UM_10101] Retrying the user synchronization: the earlier attempt read timed out.",
];

fn node_record(
    out: &mut dyn Write,
    clock: &mut Clock,
    rng: &mut Rng,
    node: &str,
) -> io::Result<()> {
    let stamp = clock.tick(rng);
    match rng.below(400) {
        0 => writeln!(
            out,
            "{stamp} WARN  [Catalina] [CCM_10020] Slow request took 2412 ms on node [{node}]; the client timed out."
        ),
        n => {
            let peer = format!("node{:02}", 1 + n % 8);
            let text = noise(NODE_NOISE[n as usize % NODE_NOISE.len()], node, rng)
                .replace("{peer}", &peer);
            writeln!(out, "{stamp} INFO  {text}")
        }
    }
}

fn frames(out: &mut dyn Write, rng: &mut Rng, top: &[&str]) -> io::Result<()> {
    for frame in top {
        writeln!(out, "\tat {frame}")?;
    }
    for i in 0..(6 + rng.below(10)) {
        writeln!(
            out,
            "\tat com.informatica.isp.usermanagement.sync.Step{i}.run(Step{i}.java:{})",
            40 + i * 11
        )?;
    }
    writeln!(out, "\tat java.lang.Thread.run(Thread.java:750)")
}

fn exception_record(out: &mut dyn Write, calendar: &mut Calendar, rng: &mut Rng) -> io::Result<()> {
    calendar.advance_ms(5_000 + rng.below(55_000));
    let stamp = calendar.log4j();
    match rng.below(3) {
        0 => {
            writeln!(
                out,
                "{stamp} ERROR [LDAP Synchronization] [UM_10033] Failed to synchronize users from security domain [corp_ldap]."
            )?;
            writeln!(
                out,
                "javax.naming.NamingException: LDAP response read timed out, timeout used:30000ms.; remaining name 'ou=users,dc=corp,dc=example,dc=com'"
            )?;
            frames(
                out,
                rng,
                &[
                    "com.sun.jndi.ldap.Connection.readReply(Connection.java:493)",
                    "com.sun.jndi.ldap.LdapClient.search(LdapClient.java:639)",
                    "com.sun.jndi.ldap.LdapCtx.doSearch(LdapCtx.java:2012)",
                ],
            )
        }
        1 => {
            writeln!(
                out,
                "{stamp} ERROR [pool-7-thread-{}] [SPC_10009] Could not reach the service [MRS_01] on node [node03].",
                1 + rng.below(16)
            )?;
            writeln!(out, "java.net.SocketTimeoutException: Read timed out")?;
            frames(
                out,
                rng,
                &[
                    "java.net.SocketInputStream.socketRead0(Native Method)",
                    "java.net.SocketInputStream.read(SocketInputStream.java:171)",
                ],
            )?;
            writeln!(out, "\t... 23 more")
        }
        _ => {
            writeln!(
                out,
                "{stamp} WARN  [Catalina] [CCM_10021] The HTTP client closed the connection before the response was sent."
            )?;
            writeln!(out, "java.io.IOException: Connection reset by peer")?;
            frames(
                out,
                rng,
                &["sun.nio.ch.FileDispatcherImpl.read0(Native Method)"],
            )
        }
    }
}

/// A G1 young pause as JDK 17 logs it at `info` with uptime and time.
fn g1_pause(
    out: &mut dyn Write,
    calendar: &mut Calendar,
    gc: &mut u64,
    rng: &mut Rng,
) -> io::Result<()> {
    calendar.advance_ms(2_000 + rng.below(6_000));
    let pause_ms = 50.0 + rng.below(90_000) as f64 / 1000.0;
    let up = *gc as f64 * 4.7 + 20.0;
    let n = *gc;
    *gc += 1;
    let start = calendar.iso("+0000");
    let line =
        |tag: &str, text: String| format!("[{start}][{up:.3}s][info][{tag:<12}] GC({n}) {text}");
    let before = 600 + rng.below(300);
    let lines = [
        line("gc,start", "Pause Young (Normal) (G1 Evacuation Pause)".into()),
        line("gc,task", "Using 8 workers of 8 for evacuation".into()),
        line("gc,phases", format!("  Pre Evacuate Collection Set: {:.1}ms", 0.2)),
        line("gc,phases", format!("  Merge Heap Roots: {:.1}ms", 0.4)),
        line("gc,phases", format!("  Evacuate Collection Set: {:.1}ms", pause_ms - 4.0)),
        line("gc,phases", format!("  Post Evacuate Collection Set: {:.1}ms", 2.1)),
        line("gc,phases", format!("  Other: {:.1}ms", 1.0)),
        line("gc,heap", format!("Eden regions: {}->0(180)", before / 4)),
        line("gc,heap", "Survivor regions: 12->14(23)".into()),
        line("gc,heap", "Old regions: 310->312".into()),
        line("gc,heap", "Humongous regions: 2->2".into()),
        line("gc,metaspace", "Metaspace: 98765K(99328K)->98765K(99328K) NonClass: 86000K(86528K)->86000K(86528K) Class: 12765K(12800K)->12765K(12800K)".into()),
        line("gc", format!("Pause Young (Normal) (G1 Evacuation Pause) {before}M->{}M(1024M) {pause_ms:.3}ms", before / 2)),
        line("gc,cpu", format!("User=0.{:02}s Sys=0.00s Real=0.{:02}s", 30 + rng.below(60), (pause_ms / 10.0) as u64)),
    ];
    for text in lines {
        writeln!(out, "{text}")?;
    }
    Ok(())
}

/// A CMS ParNew pause with its safepoint lines, as JDK 8 logs it with
/// `-XX:+PrintGCDateStamps -XX:+PrintGCApplicationStoppedTime`.
fn cms_pause(
    out: &mut dyn Write,
    calendar: &mut Calendar,
    up: &mut f64,
    rng: &mut Rng,
) -> io::Result<()> {
    let ran_ms = 2_000 + rng.below(6_000);
    calendar.advance_ms(ran_ms);
    *up += ran_ms as f64 / 1000.0;
    let pause = 0.050 + rng.below(90_000) as f64 / 1e6;
    let stamp = calendar.iso("+0800");
    let young = 306_688;
    let old = 900_000 + rng.below(400_000);
    writeln!(
        out,
        "{stamp}: {up:.3}: Application time: {:.7} seconds",
        ran_ms as f64 / 1000.0
    )?;
    writeln!(
        out,
        "{stamp}: {up:.3}: [GC (Allocation Failure) {stamp}: {up:.3}: [ParNew: {young}K->34048K({young}K), {:.7} secs] {}K->{}K(4160256K), {:.7} secs] [Times: user=0.{:02} sys=0.01, real={:.2} secs] ",
        pause - 0.0002,
        old + young,
        old + 34_048,
        pause,
        20 + rng.below(70),
        pause
    )?;
    writeln!(
        out,
        "{stamp}: {up:.3}: Total time for which application threads were stopped: {:.7} seconds, Stopping threads took: 0.0000{} seconds",
        pause + 0.0004,
        100 + rng.below(800)
    )
}

fn vmstat_header(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu----- -----timestamp-----"
    )?;
    writeln!(
        out,
        " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st                 UTC"
    )
}

fn vmstat_row(
    out: &mut dyn Write,
    calendar: &mut Calendar,
    row: &mut u64,
    rng: &mut Rng,
) -> io::Result<()> {
    if (*row).is_multiple_of(21) {
        vmstat_header(out)?;
    }
    *row += 1;
    calendar.advance_ms(1_000);
    let (us, sy) = (10 + rng.below(40), 2 + rng.below(8));
    let wa = rng.below(4);
    let st = rng.below(3);
    let id = 100 - us - sy - wa - st;
    writeln!(
        out,
        "{:>2} {:>2} {:>6} {:>6} {:>6} {:>7} {:>4} {:>4} {:>5} {:>5} {:>4} {:>4} {us:>2} {sy:>2} {id:>2} {wa:>2} {st:>2} {}",
        rng.below(6),
        rng.below(2),
        0,
        800_000 + rng.below(400_000),
        90_000 + rng.below(9_000),
        7_800_000 + rng.below(200_000),
        0,
        0,
        rng.below(60),
        80 + rng.below(80),
        1_000 + rng.below(800),
        1_800 + rng.below(600),
        calendar.at.format("%Y-%m-%d %H:%M:%S")
    )
}

const ROLE_NOISE: [&str; 5] = [
    "INFO  | [HA-Heartbeat] | Received heartbeat from peer 192.168.10.{peer}, peer state is standby. | com.huawei.bigdata.flink.server.ha.HeartbeatReceiver.onHeartbeat(HeartbeatReceiver.java:88)",
    "INFO  | [HA-Heartbeat] | Sent heartbeat to peer 192.168.10.{peer}, local state is active. | com.huawei.bigdata.flink.server.ha.HeartbeatSender.send(HeartbeatSender.java:61)",
    "INFO  | [qtp1209271652-41] | GET /flink/v1/jobs?limit=20 200 22ms | com.huawei.bigdata.flink.server.rest.AccessLogFilter.doFilter(AccessLogFilter.java:66)",
    "INFO  | [JobStatusPoller] | Polled 14 jobs from YARN; 0 failed, heartbeat interval 3000 ms. | com.huawei.bigdata.flink.server.job.JobStatusPoller.run(JobStatusPoller.java:132)",
    "INFO  | [main-EventThread] | ZooKeeper state is SyncConnected; session timeout is 90000 ms. | org.apache.curator.framework.state.ConnectionStateManager.postState(ConnectionStateManager.java:252)",
];

fn role_record(
    out: &mut dyn Write,
    calendar: &mut Calendar,
    rng: &mut Rng,
    peer: u32,
) -> io::Result<()> {
    calendar.advance_ms(50 + rng.below(400));
    let stamp = calendar.log4j();
    if rng.below(60) == 0 {
        return writeln!(
            out,
            "{stamp} | WARN  | [main-SendThread(zk1:2181)] | Client session timed out, have not heard from server in {}ms for sessionid 0x1800a1b2c3d4e5f6, closing socket connection and attempting reconnect | org.apache.zookeeper.ClientCnxn$SendThread.run(ClientCnxn.java:1258)",
            20_000 + rng.below(5_000)
        );
    }
    let text = ROLE_NOISE[rng.below(ROLE_NOISE.len() as u64) as usize]
        .replace("{peer}", &peer.to_string());
    writeln!(out, "{stamp} | {text}")
}

fn file_name(file: &str, gzip: bool) -> String {
    if gzip {
        format!("{file}.gz")
    } else {
        file.to_string()
    }
}

/// Writes host `host` (0-based) of the flood profile's Informatica domain.
pub fn write_informatica_host(root: &Path, host: usize, mb: u64, gzip: bool) -> io::Result<()> {
    let name = format!("infa{:02}", host + 1);
    let node = format!("node{:02}", host + 1);
    let dir = root.join(&name).join("logs").join(&node);
    fs::create_dir_all(&dir)?;
    let seed = 0x9E37_79B9_7F4A_7C15 ^ ((host as u64 + 1) * 7919);
    let mib = mb * 1024 * 1024;

    let (mut rng, mut clock) = (Rng(seed), Clock { ms: 0 });
    write_file(
        &dir.join(file_name("node.log", gzip)),
        mib,
        gzip,
        |out, at_incident| {
            if at_incident {
                incident(out, &mut clock, &mut rng, host == 0)
            } else {
                node_record(out, &mut clock, &mut rng, &node)
            }
        },
    )?;

    let (mut rng, mut calendar) = (Rng(seed ^ 1), Calendar::starting(10, 12));
    write_file(
        &dir.join(file_name("exceptions.log", gzip)),
        mib / 8,
        gzip,
        |out, _| exception_record(out, &mut calendar, &mut rng),
    )?;

    let (mut rng, mut calendar) = (Rng(seed ^ 2), Calendar::starting(12, 8));
    let gc_bytes = mib * 35 / 640;
    let gc_path = dir.join(file_name("gc.log", gzip));
    if host.is_multiple_of(2) {
        let mut gc = 0;
        write_file(&gc_path, gc_bytes, gzip, |out, _| {
            g1_pause(out, &mut calendar, &mut gc, &mut rng)
        })?;
    } else {
        let mut up = 12.5;
        write_file(&gc_path, gc_bytes, gzip, |out, _| {
            cms_pause(out, &mut calendar, &mut up, &mut rng)
        })?;
    }

    let (mut rng, mut calendar) = (Rng(seed ^ 3), Calendar::starting(12, 8));
    let mut row = 0;
    let vmstat = root
        .join(&name)
        .join(file_name(&format!("vmstat-{name}.log"), gzip));
    write_file(&vmstat, mib / 16, gzip, |out, _| {
        vmstat_row(out, &mut calendar, &mut row, &mut rng)
    })
}

/// Writes FlinkServer host `host` (0-based) of the flood profile.
pub fn write_flink_host(root: &Path, host: usize, mb: u64, gzip: bool) -> io::Result<()> {
    let dir = root
        .join(format!("mrs-master{}", host + 1))
        .join("var/log/Bigdata/flink/flinkserver");
    fs::create_dir_all(&dir)?;
    let (mut rng, mut calendar) = (
        Rng(0xF1E2_D3C4 ^ (host as u64 + 1)),
        Calendar::starting(12, 6),
    );
    let peer = if host == 0 { 12 } else { 11 };
    let path = dir.join(file_name("flinkserver.log", gzip));
    write_file(&path, mb * 1024 * 1024 / 4, gzip, |out, _| {
        role_record(out, &mut calendar, &mut rng, peer)
    })
}
