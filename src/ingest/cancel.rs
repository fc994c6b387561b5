//! Cancelling an import: the outcome is decided at one point.
//!
//! A cancel (Ctrl-C, the app's Cancel button) raises the import's flag; the
//! reader and the writer check it between records and stop, and the
//! transaction rolls back. Checking it "often" is not enough at the end:
//! a cancel raised between the writer's last check and its commit used to
//! print "the case stays as it was" and then commit. So the import takes
//! the decision with one atomic swap of that same flag just before it
//! commits ([`decide_commit`]), and a cancel request swaps it too
//! ([`request`]): whichever comes first wins, and each side learns which.
//! Front ends print what the request returned and, at the end, what the
//! import returned — never an outcome guessed before it happened.
//!
//! The flag stays raised after a successful import: it then means "too late
//! to cancel".

use crate::error::{Code, Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a cancel request achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// The import had not committed yet: it stops and rolls back.
    Accepted,
    /// The flag was raised already: the import had passed its point of no
    /// return and commits (or fails on its own), or a cancel came first.
    AlreadyDecided,
}

/// Asks a running import to cancel (see the module docs for the outcome).
pub fn request(flag: &AtomicBool) -> Request {
    if flag.swap(true, Ordering::SeqCst) {
        Request::AlreadyDecided
    } else {
        Request::Accepted
    }
}

pub(crate) fn cancelled() -> Error {
    Error::input(Code::Cancelled, "import cancelled; the case is unchanged")
}

/// The import's point of no return, right before its commit: the swap both
/// reads a cancel that came first and tells any later one it is too late.
pub(crate) fn decide_commit(flag: &AtomicBool) -> Result<()> {
    #[cfg(test)]
    tests::AT_COMMIT.with(|hook| {
        if let Some(f) = hook.borrow_mut().as_mut() {
            f(flag)
        }
    });
    match request(flag) {
        Request::Accepted => Ok(()),
        Request::AlreadyDecided => Err(cancelled()),
    }
}

#[cfg(test)]
mod tests {
    use super::{request, Request};
    use crate::ingest::{import, ImportOptions};
    use crate::store::Case;
    use std::cell::RefCell;
    use std::path::PathBuf;
    use std::sync::atomic::AtomicBool;

    type Hook = Box<dyn FnMut(&AtomicBool)>;

    thread_local! {
        /// Runs at the commit point of imports on this thread: the writer
        /// runs on the caller's thread, so a test injects its cancel exactly
        /// there instead of racing a timer.
        pub(super) static AT_COMMIT: RefCell<Option<Hook>> = RefCell::new(None);
    }

    fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
    }

    fn events(case: &Case) -> i64 {
        case.count("events").unwrap()
    }

    #[test]
    fn a_cancel_at_the_commit_point_rolls_the_import_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut case = Case::open(&dir.path().join("c.kordon")).unwrap();
        let opts = ImportOptions::default();
        AT_COMMIT.with(|h| {
            *h.borrow_mut() = Some(Box::new(|flag: &AtomicBool| assert_eq!(request(flag), Request::Accepted)))
        });
        let result = import(&mut case, &[fixture("samples/falco/plain.jsonl")], &opts, &mut |_| {});
        AT_COMMIT.with(|h| *h.borrow_mut() = None);
        let err = result.expect_err("the cancel came before the commit: the import must not commit");
        assert_eq!(err.code().as_str(), "cancelled", "{}", err);
        assert_eq!(events(&case), 0, "the case stays as it was");
        assert_eq!(case.count("imports").unwrap(), 0);
    }

    #[test]
    fn a_cancel_after_the_commit_point_is_told_it_is_too_late() {
        let dir = tempfile::tempdir().unwrap();
        let mut case = Case::open(&dir.path().join("c.kordon")).unwrap();
        let opts = ImportOptions::default();
        let summary = import(&mut case, &[fixture("samples/falco/plain.jsonl")], &opts, &mut |_| {}).unwrap();
        assert!(summary.events_new > 0);
        assert_eq!(events(&case) as u64, summary.events_new, "committed");
        // What a Ctrl-C during or after the commit hears.
        assert_eq!(request(&opts.cancel), Request::AlreadyDecided);
    }

    #[test]
    fn only_the_first_request_is_accepted() {
        let flag = AtomicBool::new(false);
        assert_eq!(request(&flag), Request::Accepted);
        assert_eq!(request(&flag), Request::AlreadyDecided);
        assert!(super::decide_commit(&flag).is_err(), "a cancelled import never commits");
    }
}
