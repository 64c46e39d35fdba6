//! HotSpot thread dumps, as `jstack`, `jstack -l`, `jcmd PID Thread.print`
//! and `kill -3` print them (JDK 8 to 25): a local time line, `Full thread
//! dump …`, then one block per thread — its quoted name, its
//! `java.lang.Thread.State:`, its frames (`at …`) and lock lines (`- locked
//! <0x…>`, `- waiting to lock <0x…>`, `- parking to wait for <0x…>`), and
//! with `-l` the `java.util.concurrent` locks it owns. A file may hold
//! several dumps one after another.
//!
//! IBM J9 / OpenJ9 javacores are read too ([`j9`]): their thread section
//! names, for each blocked or parked thread, the lock and its owner.
//!
//! The parser emits one [`ThreadWait`] per thread waiting to take a lock,
//! with the thread that holds it when the dump shows one, and marks the
//! waits that close a cycle (a deadlock).

mod j9;

use super::time::local_datetime_prefix;
use super::{Parser, Sink};
use crate::model::{Event, EventKind, LockHolder, LogTime, ThreadState, ThreadWait};
use crate::read::Line;
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// Frames kept per thread: enough to see what a holder waits in (a socket
/// read is 8 frames deep on JDK 17) and who called it.
const KEPT_FRAMES: usize = 16;

/// Threads read per dump: a JVM with more is a runaway (or the input is
/// not a dump); the rest are warned about, not kept.
const MAX_THREADS: usize = 20_000;

/// How many lines after its time line a dump's `Full thread dump` line may
/// come (`jcmd` prints the process id first; some collectors add a title).
const TIME_LINE_REACH: u64 = 3;

/// Reads thread dumps, one after another, from one file.
#[derive(Default)]
pub struct ThreadDumpParser {
    /// The last line that held only a time, with its line number.
    time_line: Option<(NaiveDateTime, u64)>,
    dump: Option<OpenDump>,
}

struct OpenDump {
    format: Format,
    /// `None` when no time line came before the dump.
    time: Option<NaiveDateTime>,
    threads: Vec<DumpThread>,
    /// Whether the lines now belong to the `Locked ownable synchronizers:`
    /// list of the last thread.
    in_owned_list: bool,
    /// The line of the first thread past [`MAX_THREADS`], if any.
    overflow: Option<u64>,
}

/// Which JVM's dump the lines are.
#[derive(Copy, Clone, PartialEq)]
enum Format {
    HotSpot,
    /// A javacore, with whether its thread list (`1XMTHDINFO`) has begun:
    /// the current thread is printed once before it.
    J9 {
        in_thread_list: bool,
    },
}

struct DumpThread {
    name: String,
    /// The VM's own id of the thread, by which a javacore names an owner.
    address: Option<String>,
    state: Option<ThreadState>,
    frames: Vec<String>,
    waits_for: Option<LockWait>,
    /// Addresses of the monitors and locks the thread holds.
    holds: Vec<String>,
}

struct LockWait {
    lock: String,
    class: String,
    line: u64,
    /// The owner as the waiting thread's own line names it (javacores);
    /// `None` where the owner is found by the locks threads hold (HotSpot).
    owner: Option<Owner>,
}

/// A lock's owner named by a javacore: `"name" (J9VMThread:0x…)`.
struct Owner {
    name: String,
    address: Option<String>,
}

impl ThreadDumpParser {
    /// A parser at the start of a file.
    pub fn new() -> ThreadDumpParser {
        ThreadDumpParser::default()
    }

    fn open(&mut self, line: u64, sink: &mut dyn Sink) {
        let time = self
            .time_line
            .take()
            .filter(|(_, at)| line - at <= TIME_LINE_REACH)
            .map(|(time, _)| time);
        self.open_with(Format::HotSpot, time, line, sink);
    }

    fn open_with(
        &mut self,
        format: Format,
        time: Option<NaiveDateTime>,
        line: u64,
        sink: &mut dyn Sink,
    ) {
        self.close(sink);
        if time.is_none() {
            sink.warning(
                line,
                "this thread dump has no time line before it (`yyyy-MM-dd HH:mm:ss`), so its threads cannot be placed on the timeline; dump with `jstack -l PID` or `jcmd PID Thread.print -l`, which print one".into(),
            );
        }
        self.dump = Some(OpenDump {
            format,
            time,
            threads: Vec::new(),
            in_owned_list: false,
            overflow: None,
        });
    }

    fn close(&mut self, sink: &mut dyn Sink) {
        let Some(dump) = self.dump.take() else {
            return;
        };
        if let Some(line) = dump.overflow {
            sink.warning(
                line,
                format!("this thread dump has more than {MAX_THREADS} threads; the threads from here on are not read"),
            );
        }
        if let Some(time) = dump.time {
            for event in dump.waits(time) {
                sink.event(event);
            }
        }
    }
}

impl Parser for ThreadDumpParser {
    fn line(&mut self, line: &Line<'_>, sink: &mut dyn Sink) {
        let text = line.text.trim_end();
        if text.starts_with("Full thread dump") {
            self.open(line.number, sink);
            return;
        }
        if let Some(time) = j9::dump_time(text) {
            let format = Format::J9 {
                in_thread_list: false,
            };
            self.open_with(format, Some(time), line.number, sink);
            return;
        }
        if let Some(time) = bare_time(text) {
            self.time_line = Some((time, line.number));
            return;
        }
        let Some(dump) = self.dump.as_mut() else {
            return;
        };
        if text.starts_with("Found one Java-level deadlock")
            || text.starts_with("Found a total of")
            || text.starts_with("JNI global ref")
        {
            self.close(sink);
            return;
        }
        dump.line(text, line.number);
    }

    fn finish(&mut self, sink: &mut dyn Sink) {
        self.close(sink);
    }
}

/// The time of a line that holds nothing else: a dump's first line.
fn bare_time(text: &str) -> Option<NaiveDateTime> {
    let (time, used) = local_datetime_prefix(text)?;
    (used == text.len()).then_some(time)
}

impl OpenDump {
    fn line(&mut self, text: &str, number: u64) {
        if let Format::J9 { in_thread_list } = self.format {
            self.format = Format::J9 {
                in_thread_list: j9::in_thread_list(text, in_thread_list),
            };
            if in_thread_list {
                self.j9_line(text, number);
            }
            return;
        }
        if let Some(name) = thread_name(text) {
            self.in_owned_list = false;
            self.push(DumpThread::named(name, None), number);
            return;
        }
        let body = text.trim_start();
        if body.starts_with("Locked ownable synchronizers:") {
            self.in_owned_list = true;
            return;
        }
        let owned_list = self.in_owned_list;
        let Some(thread) = self.current() else {
            return;
        };
        if let Some(state) = body.strip_prefix("java.lang.Thread.State:") {
            thread.state = state.split_whitespace().next().and_then(ThreadState::parse);
        } else if let Some(frame) = body.strip_prefix("at ") {
            if thread.frames.len() < KEPT_FRAMES {
                thread.frames.push(frame.to_string());
            }
        } else if let Some(lock) = body.strip_prefix("- ") {
            thread.lock_line(lock.trim_start(), number, owned_list);
        }
    }

    /// A thread's header line; past [`MAX_THREADS`], only noted.
    fn push(&mut self, thread: DumpThread, number: u64) {
        if self.threads.len() == MAX_THREADS {
            self.overflow = Some(self.overflow.unwrap_or(number));
        } else {
            self.threads.push(thread);
        }
    }

    /// The thread whose lines these are, unless it was past the limit.
    fn current(&mut self) -> Option<&mut DumpThread> {
        self.threads.last_mut().filter(|_| self.overflow.is_none())
    }

    fn j9_line(&mut self, text: &str, number: u64) {
        if let Some((name, address, state)) = j9::thread(text) {
            let mut thread = DumpThread::named(name, Some(address));
            thread.state = state;
            self.push(thread, number);
            return;
        }
        let Some(thread) = self.current() else {
            return;
        };
        if let Some(frame) = j9::frame(text) {
            if thread.frames.len() < KEPT_FRAMES {
                thread.frames.push(frame);
            }
        } else if let Some(block) = j9::block(text)
            && thread.waits_for.is_none()
        {
            thread.waits_for = Some(LockWait {
                lock: block.lock,
                class: block.class,
                line: number,
                owner: block.owner,
            });
        }
    }

    /// The thread holding the lock thread `i` waits for, if the dump shows it.
    fn holder(&self, i: usize, holder_of: &HashMap<&str, usize>) -> Option<usize> {
        let wait = self.threads[i].waits_for.as_ref()?;
        let found = match &wait.owner {
            Some(owner) => self.threads.iter().position(|t| match &owner.address {
                Some(address) => t.address.as_ref() == Some(address),
                None => t.name == owner.name,
            }),
            None => holder_of.get(wait.lock.as_str()).copied(),
        };
        found.filter(|&h| h != i)
    }

    /// Every wait for a lock in the dump, with its holder.
    fn waits(&self, time: NaiveDateTime) -> Vec<Event> {
        let holder_of: HashMap<&str, usize> = self
            .threads
            .iter()
            .enumerate()
            .flat_map(|(i, t)| t.holds.iter().map(move |lock| (lock.as_str(), i)))
            .collect();
        let holders: Vec<Option<usize>> = (0..self.threads.len())
            .map(|i| self.holder(i, &holder_of))
            .collect();
        let deadlocked = in_cycles(&holders);
        self.threads
            .iter()
            .zip(&holders)
            .zip(deadlocked)
            .filter_map(|((thread, holder), deadlocked)| {
                let lock = thread.waits_for.as_ref()?;
                let wait = ThreadWait {
                    thread: thread.name.clone(),
                    state: thread.state.unwrap_or(ThreadState::Blocked),
                    lock: lock.lock.clone(),
                    lock_class: lock.class.clone(),
                    frames: thread.frames.clone(),
                    holder: holder.map(|h| {
                        let h = &self.threads[h];
                        LockHolder {
                            thread: h.name.clone(),
                            state: h.state.unwrap_or(ThreadState::Runnable),
                            frames: h.frames.clone(),
                        }
                    }),
                    deadlocked,
                };
                Some(Event {
                    line: lock.line,
                    time: LogTime::Local(time),
                    level: None,
                    text: super::evidence_text(&describe(&wait)),
                    host: None,
                    kind: EventKind::ThreadWait(Box::new(wait)),
                })
            })
            .collect()
    }
}

impl DumpThread {
    fn named(name: &str, address: Option<String>) -> DumpThread {
        DumpThread {
            name: name.to_string(),
            address,
            state: None,
            frames: Vec::new(),
            waits_for: None,
            holds: Vec::new(),
        }
    }

    /// One `- …` line under a thread: a lock it waits for or holds.
    fn lock_line(&mut self, lock: &str, number: u64, owned_list: bool) {
        if owned_list {
            if let Some((address, _)) = lock_ref(lock) {
                self.holds.push(address.to_string());
            }
            return;
        }
        if let Some(rest) = lock.strip_prefix("locked ") {
            if let Some((address, _)) = lock_ref(rest) {
                self.holds.push(address.to_string());
            }
        } else if let Some(rest) = lock.strip_prefix("waiting to lock ") {
            self.wait_for(rest, number);
        } else if let Some(rest) = lock.strip_prefix("parking to wait for ")
            && lock_ref(rest).is_some_and(|(_, class)| is_lock_class(class))
        {
            self.wait_for(rest, number);
        }
    }

    fn wait_for(&mut self, reference: &str, line: u64) {
        if self.waits_for.is_some() {
            return;
        }
        if let Some((address, class)) = lock_ref(reference) {
            self.waits_for = Some(LockWait {
                lock: address.to_string(),
                class: class.to_string(),
                line,
                owner: None,
            });
        }
    }
}

/// The name of the thread a header line starts: `"main" #1 prio=5 …`,
/// `"VM Thread" os_prio=0 …`. A name may itself hold quotes, so it ends at
/// the last quote before the header's fields.
fn thread_name(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('"')?;
    let end = rest
        .rfind("\" ")
        .or_else(|| rest.strip_suffix('"').map(str::len))?;
    let fields = &rest[end + 1..];
    let is_header = fields.is_empty()
        || ["#", "daemon", "prio=", "os_prio=", "tid=", "nid="]
            .iter()
            .any(|f| fields.trim_start().starts_with(f));
    is_header.then(|| &rest[..end])
}

/// `<0x000000069e5d2398> (a java.lang.Object)` as address and class.
fn lock_ref(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let end = text.find('>')?;
    let address = text.get(..=end).filter(|a| a.starts_with('<'))?;
    let class = text[end + 1..]
        .trim_start()
        .strip_prefix("(a ")
        .and_then(|c| c.strip_suffix(')'))
        .unwrap_or("");
    Some((address, class))
}

/// Whether a `parking to wait for` object is a lock someone owns, rather
/// than a condition or a queue a thread waits on for work: the
/// `java.util.concurrent` locks are synchronizers named `…Sync`
/// (`ReentrantLock$NonfairSync`, `ReentrantReadWriteLock$FairSync`).
fn is_lock_class(class: &str) -> bool {
    class.ends_with("Sync") && !class.contains("ConditionObject")
}

/// Which threads are on a cycle of waits (each waits for a lock the next
/// holds): following each thread's holder once, in time linear in the
/// number of threads (a thread waits for one lock, so the waits form
/// chains that end, or that close into a cycle).
fn in_cycles(holders: &[Option<usize>]) -> Vec<bool> {
    #[derive(Copy, Clone, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks = vec![Mark::New; holders.len()];
    let mut cyclic = vec![false; holders.len()];
    let mut path = Vec::new();
    for start in 0..holders.len() {
        let mut at = Some(start);
        while let Some(thread) = at.filter(|&t| marks[t] == Mark::New) {
            marks[thread] = Mark::OnPath;
            path.push(thread);
            at = holders[thread];
        }
        if let Some(closing) = at.filter(|&t| marks[t] == Mark::OnPath) {
            let from = path.iter().position(|&t| t == closing).unwrap_or(0);
            for &thread in &path[from..] {
                cyclic[thread] = true;
            }
        }
        for thread in path.drain(..) {
            marks[thread] = Mark::Done;
        }
    }
    cyclic
}

/// The wait in one line, for evidence.
fn describe(wait: &ThreadWait) -> String {
    let holder = match &wait.holder {
        Some(h) => format!(
            " held by \"{}\" ({}{})",
            h.thread,
            h.state.name(),
            h.frames
                .first()
                .map(|f| format!(" in {f}"))
                .unwrap_or_default()
        ),
        None => " (the dump does not show its holder)".to_string(),
    };
    format!(
        "\"{}\" {} waiting for {} (a {}){holder}{}",
        wait.thread,
        wait.state.name(),
        wait.lock,
        wait.lock_class,
        if wait.deadlocked { ", deadlocked" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::run;

    fn waits(text: &str) -> (Vec<ThreadWait>, Vec<Event>, Vec<(u64, String)>) {
        let out = run(ThreadDumpParser::new(), text);
        let waits = out
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ThreadWait(w) => Some((**w).clone()),
                _ => None,
            })
            .collect();
        (waits, out.events, out.warnings)
    }

    fn dump(file: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/data/thread-dumps/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("thread dump fixture")
    }

    #[test]
    fn jdk17_jstack_monitor_wait_names_its_holder_in_a_socket_read() {
        let (waits, events, warnings) = waits(&dump("jdk17-jstack-db-1.txt"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(waits.len(), 1, "{waits:#?}");
        let wait = &waits[0];
        assert_eq!(wait.thread, "Node Heartbeat Sender");
        assert_eq!(wait.state, ThreadState::Blocked);
        assert_eq!(wait.lock_class, "java.lang.Object");
        let holder = wait
            .holder
            .as_ref()
            .expect("a monitor's holder is in the dump");
        assert_eq!(holder.thread, "Master Elect Data Writer");
        assert_eq!(holder.state, ThreadState::Runnable);
        assert!(holder.frames[0].starts_with("sun.nio.ch.SocketDispatcher.read0"));
        assert!(
            holder
                .frames
                .iter()
                .any(|f| f.contains("$jdbc$SpyStatement"))
        );
        assert!(!wait.deadlocked);
        assert_eq!(
            events[0].time,
            LogTime::Local("2026-03-12T09:44:20".parse().unwrap())
        );
        assert!(
            events[0]
                .text
                .contains("held by \"Master Elect Data Writer\" (RUNNABLE")
        );
    }

    #[test]
    fn jdk25_jstack_l_with_thread_ids_in_brackets() {
        let (waits, _, _) = waits(&dump("jdk25-jstack-l-db-1.txt"));
        assert_eq!(waits.len(), 1);
        assert_eq!(waits[0].thread, "Node Heartbeat Sender");
        let holder = waits[0].holder.as_ref().unwrap();
        assert_eq!(holder.thread, "Master Elect Data Writer");
    }

    #[test]
    fn a_reentrant_lock_holder_comes_from_the_owned_synchronizers() {
        for file in [
            "jdk25-jcmd-peer-1.txt",
            "../../../fixtures/blocked-thread-peer/infawk01/logs/node03/threaddumps/node03_threaddump-1.txt",
        ] {
            let (waits, _, warnings) = waits(&dump(file));
            assert!(warnings.is_empty(), "{file}: {warnings:?}");
            assert_eq!(waits.len(), 1, "{file}");
            assert_eq!(waits[0].state, ThreadState::Waiting);
            assert!(waits[0].lock_class.ends_with("ReentrantLock$NonfairSync"));
            let holder = waits[0].holder.as_ref().expect("-l lists owned locks");
            assert_eq!(holder.thread, "Master Gateway Connection");
        }
    }

    #[test]
    fn without_l_a_reentrant_lock_wait_has_no_holder() {
        let (waits, events, _) = waits(&dump("jdk17-jstack-peer-no-locks-1.txt"));
        assert_eq!(waits.len(), 1);
        assert!(waits[0].holder.is_none());
        assert!(events[0].text.contains("does not show its holder"));
    }

    /// `kill -3` output of a JDK 8 JVM (no `cpu=`/`elapsed=`, `socketRead0`),
    /// two dumps in one stdout file, the second with a Java-level deadlock.
    const JDK8_STDOUT: &str = "\
2026-03-12 09:44:20
Full thread dump Java HotSpot(TM) 64-Bit Server VM (25.381-b09 mixed mode):

\"Domain Monitor\" #41 daemon prio=5 os_prio=0 tid=0x00007f0c2c1b2000 nid=0x5a3e waiting for monitor entry [0x00007f0bf29e6000]
   java.lang.Thread.State: BLOCKED (on object monitor)
\tat com.example.isp.DomainMonitor.checkHeartbeats(DomainMonitor.java:212)
\t- waiting to lock <0x00000000c5a1b2c8> (a com.example.isp.NodeTable)
\tat com.example.isp.DomainMonitor.run(DomainMonitor.java:98)

\"JDBC Refresh\" #52 daemon prio=5 os_prio=0 tid=0x00007f0c2c3a1000 nid=0x5a49 runnable [0x00007f0bf1dd4000]
   java.lang.Thread.State: RUNNABLE
\tat java.net.SocketInputStream.socketRead0(Native Method)
\tat java.net.SocketInputStream.socketRead(SocketInputStream.java:116)
\tat java.net.SocketInputStream.read(SocketInputStream.java:171)
\tat oracle.jdbc.driver.T4CMAREngine.unmarshalUB1(T4CMAREngine.java:1109)
\tat com.example.isp.NodeTable.refresh(NodeTable.java:77)
\t- locked <0x00000000c5a1b2c8> (a com.example.isp.NodeTable)

\"Gang worker#0 (Parallel GC Threads)\" os_prio=0 tid=0x00007f0c2c01e800 nid=0x5a1f runnable

JNI global references: 1402

2026-03-12 09:44:50
Full thread dump Java HotSpot(TM) 64-Bit Server VM (25.381-b09 mixed mode):

\"Thread-1\" #12 prio=5 os_prio=0 tid=0x00007f0c2c0f1000 nid=0x5a30 waiting for monitor entry [0x00007f0bf3aff000]
   java.lang.Thread.State: BLOCKED (on object monitor)
\tat Demo.b(Demo.java:20)
\t- waiting to lock <0x00000000d5a0a0a0> (a java.lang.Object)
\t- locked <0x00000000d5b0b0b0> (a java.lang.Object)

\"Thread-0\" #11 prio=5 os_prio=0 tid=0x00007f0c2c0ef800 nid=0x5a2f waiting for monitor entry [0x00007f0bf3c00000]
   java.lang.Thread.State: BLOCKED (on object monitor)
\tat Demo.a(Demo.java:10)
\t- waiting to lock <0x00000000d5b0b0b0> (a java.lang.Object)
\t- locked <0x00000000d5a0a0a0> (a java.lang.Object)

Found one Java-level deadlock:
=============================
\"Thread-1\":
  waiting to lock monitor 0x00007f0bd4003f08 (object 0x00000000d5a0a0a0, a java.lang.Object),
  which is held by \"Thread-0\"
";

    #[test]
    fn jdk8_kill_3_output_with_two_dumps_and_a_deadlock() {
        let (waits, events, warnings) = waits(JDK8_STDOUT);
        assert!(warnings.is_empty(), "{warnings:?}");
        let names: Vec<&str> = waits.iter().map(|w| w.thread.as_str()).collect();
        assert_eq!(names, ["Domain Monitor", "Thread-1", "Thread-0"]);
        let holder = waits[0].holder.as_ref().unwrap();
        assert_eq!(holder.thread, "JDBC Refresh");
        assert!(holder.frames[0].starts_with("java.net.SocketInputStream.socketRead0"));
        assert!(!waits[0].deadlocked);
        assert!(waits[1].deadlocked && waits[2].deadlocked);
        assert_eq!(events[0].line, 7);
        assert_eq!(
            events[1].time,
            LogTime::Local("2026-03-12T09:44:50".parse().unwrap())
        );
    }

    #[test]
    fn a_dump_without_a_time_line_is_named_in_a_warning() {
        let text = JDK8_STDOUT.replacen("2026-03-12 09:44:20\n", "", 1);
        let (waits, _, warnings) = waits(&text);
        assert_eq!(waits.len(), 2, "only the second dump is placed");
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].0, 1, "{warnings:?}");
    }

    #[test]
    fn idle_pool_threads_parked_on_a_condition_are_not_lock_waits() {
        let text = "2026-03-12 09:44:20\nFull thread dump OpenJDK:\n\n\"pool-1-thread-1\" #20 prio=5 os_prio=0 cpu=0.1ms elapsed=9s tid=0x1 nid=0x2 waiting on condition  [0x3]\n   java.lang.Thread.State: WAITING (parking)\n\tat jdk.internal.misc.Unsafe.park(java.base@17/Native Method)\n\t- parking to wait for  <0x000000069e5d1ed0> (a java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject)\n";
        let (waits, _, _) = waits(text);
        assert!(waits.is_empty());
    }

    #[test]
    fn a_j9_javacore_names_the_owner_in_the_blocked_thread() {
        let (waits, events, warnings) = waits(&dump("javacore-ibm8-documented.txt"));
        assert!(warnings.is_empty(), "{warnings:?}");
        let names: Vec<&str> = waits.iter().map(|w| w.thread.as_str()).collect();
        assert_eq!(names, ["Domain Monitor", "pool-3-thread-1"]);
        let monitor = &waits[0];
        assert_eq!(monitor.state, ThreadState::Blocked);
        assert_eq!(monitor.lock_class, "com.example.isp.NodeTable");
        assert_eq!(
            monitor.frames[0],
            "com.example.isp.DomainMonitor.checkHeartbeats(DomainMonitor.java:212)"
        );
        let holder = monitor.holder.as_ref().unwrap();
        assert_eq!(holder.thread, "JDBC Refresh");
        assert_eq!(holder.state, ThreadState::Runnable);
        assert_eq!(
            holder.frames[0],
            "java.net.SocketInputStream.socketRead0(Native Method)"
        );
        assert!(waits[1].holder.is_none());
        assert_eq!(events[0].line, 20);
        assert_eq!(
            events[0].time,
            LogTime::Local("2026-03-12T09:44:20.123".parse().unwrap())
        );
    }

    #[test]
    fn cycles_are_found_among_chains() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 0 waits on it; 4 -> 5 ends.
        let holders = [Some(1), Some(2), Some(0), Some(0), Some(5), None];
        assert_eq!(in_cycles(&holders), [true, true, true, false, false, false]);
    }

    #[test]
    fn a_dump_of_too_many_threads_is_cut_with_a_warning() {
        let mut text = String::from("2026-03-12 09:44:20\nFull thread dump OpenJDK:\n");
        for i in 0..MAX_THREADS + 2 {
            text.push_str(&format!(
                "\"t{i}\" #{i} prio=5 os_prio=0 tid=0x1 nid=0x2 waiting for monitor entry [0x3]\n   java.lang.Thread.State: BLOCKED (on object monitor)\n\t- waiting to lock <0x{:016x}> (a java.lang.Object)\n\t- locked <0x{:016x}> (a java.lang.Object)\n",
                i + 1,
                i
            ));
        }
        let (waits, _, warnings) = waits(&text);
        assert_eq!(waits.len(), MAX_THREADS);
        assert!(waits.iter().all(|w| !w.deadlocked));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].0, 3 + 4 * MAX_THREADS as u64);
    }

    #[test]
    fn thread_names_with_quotes_and_brackets() {
        assert_eq!(
            thread_name("\"qtp \"x\" [1]\" #5 daemon prio=5 os_prio=0 tid=0x1 nid=0x2 runnable"),
            Some("qtp \"x\" [1]")
        );
        assert_eq!(
            thread_name("\"VM Thread\" os_prio=0 tid=0x1 nid=0x2 runnable"),
            Some("VM Thread")
        );
        assert_eq!(thread_name("\"Thread-1\":"), None);
        assert_eq!(thread_name("\"quoted text in a log\" and more"), None);
    }
}
