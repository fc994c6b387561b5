//! Shared by the benchmarks: the real binary in a child process, so that
//! its peak RSS is its own — provided the benchmark process itself stays
//! small when it spawns it: at exec, Linux carries the spawning process's
//! peak RSS into the child's `ru_maxrss`, so big test data must live in
//! another process (see benches/snapshot.rs) or be written to disk first.

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Child {
    pub elapsed: Duration,
    /// User plus system CPU time of the child, all its threads.
    pub cpu: Duration,
    pub peak_rss_kib: u64,
    pub stdout: String,
}

/// Runs `cmd` with stdout captured, waits for it, and insists it succeeded.
// The child is reaped by wait4, which `Child::wait` cannot replace: only
// wait4 gives its resource usage.
#[allow(clippy::zombie_processes)]
pub fn run(cmd: &mut Command, what: &str) -> Child {
    let t = Instant::now();
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap_or_else(|e| panic!("run {}: {}", what, e));
    let pid = child.id() as libc::pid_t;
    // Read before waiting: a child whose output outgrew the pipe would
    // otherwise block on it forever.
    let mut stdout = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut stdout).ok();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `usage` is a valid out-pointer.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let elapsed = t.elapsed();
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{} failed: {}", what, stdout);
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Child { elapsed, cpu: tv(usage.ru_utime) + tv(usage.ru_stime), peak_rss_kib: usage.ru_maxrss as u64, stdout }
}
