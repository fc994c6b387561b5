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
    pub peak_rss_kib: u64,
    pub stdout: String,
}

/// Runs `cmd` with stdout captured, waits for it, and insists it succeeded.
pub fn run(cmd: &mut Command, what: &str) -> Child {
    let t = Instant::now();
    let child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap_or_else(|e| panic!("run {}: {}", what, e));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `usage` is a valid out-pointer.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let elapsed = t.elapsed();
    let mut stdout = String::new();
    child.stdout.expect("stdout").read_to_string(&mut stdout).ok();
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{} failed: {}", what, stdout);
    Child { elapsed, peak_rss_kib: usage.ru_maxrss as u64, stdout }
}
