//! The app's state, registered once: the open case, the running import's
//! cancel flag, where the app keeps its own files, the injected clock and
//! the investigator's preferences.

use crate::error::{ApiError, ApiResult};
use kordon::app::prefs;
use kordon::cluster::isolate::{self, CaseAccess, IsolateRequest};
use kordon::cluster::terminate::{self, TerminateRequest};
use kordon::cluster::Connection;
use kordon::clock::Clock;
use kordon::error::Code;
use kordon::store::Case;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

const PREFS_FILE: &str = "preferences.json";

pub struct AppState {
    /// The app's data folder (recent cases, the demo case); `KORDON_DATA_DIR`
    /// overrides it (tests).
    pub data_dir: PathBuf,
    pub case: Mutex<Option<Case>>,
    /// Set while an import or a capture runs; cancelling raises it.
    pub cancel: Mutex<Option<Arc<AtomicBool>>>,
    pub clock: Arc<dyn Clock>,
    /// The investigator's preferences (their name for the activity log),
    /// read once and written through on change.
    prefs: Mutex<prefs::Preferences>,
    /// Cluster actions prepared (checked, dry-run, previewed) and waiting
    /// for the investigator's confirmation, by action id.
    pending: Mutex<HashMap<String, Pending>>,
}

/// A prepared cluster action with the connection it was checked on.
pub enum Pending {
    Isolate(Connection, IsolateRequest, Box<isolate::Prepared>),
    Terminate(Connection, TerminateRequest, Box<terminate::PreparedTermination>),
}

/// The open case, lent to a cluster action between its network calls.
pub struct OpenCase<'a>(pub &'a Mutex<Option<Case>>);

impl CaseAccess for OpenCase<'_> {
    fn run(&self, f: &mut dyn FnMut(&mut Case) -> kordon::error::Result<()>) -> kordon::error::Result<()> {
        let mut g = self.0.lock().map_err(|_| kordon::error::Error::input(Code::Store, "the case lock was poisoned"))?;
        let case = g.as_mut().ok_or_else(|| kordon::error::Error::input(Code::NoCase, "no case is open: open or create one first"))?;
        f(case)
    }
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> AppState {
        let prefs = Mutex::new(prefs::load(&data_dir.join(PREFS_FILE)));
        AppState {
            data_dir,
            case: Mutex::new(None),
            cancel: Mutex::new(None),
            clock: kordon::clock::from_env(),
            prefs,
            pending: Mutex::new(HashMap::new()),
        }
    }

    pub fn pending(&self, id: String, p: Pending) -> ApiResult<()> {
        self.pending.lock().map_err(|_| ApiError::new(Code::Store, "the pending lock was poisoned"))?.insert(id, p);
        Ok(())
    }

    /// The prepared action, once: a confirmation applies it at most once.
    pub fn take_pending(&self, id: &str) -> ApiResult<Pending> {
        self.pending
            .lock()
            .map_err(|_| ApiError::new(Code::Store, "the pending lock was poisoned"))?
            .remove(id)
            .ok_or_else(|| ApiError::new(Code::NotFound, format!("no prepared action {}: check it again", id)))
    }

    pub fn prefs(&self) -> prefs::Preferences {
        self.prefs.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn set_prefs(&self, p: prefs::Preferences) -> ApiResult<()> {
        prefs::save(&self.data_dir.join(PREFS_FILE), &p)?;
        *self.prefs.lock().map_err(|_| ApiError::new(Code::Store, "the preferences lock was poisoned"))? = p;
        Ok(())
    }

    /// The investigator's name for the activity log: from the preferences,
    /// else the OS user.
    /// Starts a long job (an import or a capture; one at a time) and returns
    /// its cancel flag, which `cancel_import`/`cancel_capture` raise.
    pub fn begin_job(&self, what: &str) -> ApiResult<Arc<AtomicBool>> {
        let mut slot = self.cancel.lock().map_err(|_| ApiError::new(Code::Store, "the cancel lock was poisoned"))?;
        if slot.is_some() {
            return Err(ApiError::new(Code::Busy, format!("an import or a capture is already running; wait for it before {}", what)));
        }
        let flag = Arc::new(AtomicBool::new(false));
        *slot = Some(flag.clone());
        Ok(flag)
    }

    pub fn end_job(&self) {
        if let Ok(mut slot) = self.cancel.lock() {
            *slot = None;
        }
    }

    pub fn cancel_job(&self) {
        if let Ok(slot) = self.cancel.lock() {
            if let Some(flag) = slot.as_ref() {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }

    pub fn actor(&self) -> String {
        prefs::view(&self.prefs()).investigator_in_effect
    }

    pub fn recent_file(&self) -> PathBuf {
        self.data_dir.join("recent-cases.json")
    }

    /// The activity-log head last seen per case (`kordon::app::heads`).
    pub fn heads_file(&self) -> PathBuf {
        self.data_dir.join("log-heads.json")
    }

    /// Runs `f` on the open case.
    pub fn with_case<T>(&self, f: impl FnOnce(&mut Case) -> kordon::error::Result<T>) -> ApiResult<T> {
        let mut guard = self.case.lock().map_err(|_| ApiError::new(Code::Store, "the case lock was poisoned"))?;
        let case = guard.as_mut().ok_or_else(|| ApiError::new(Code::NoCase, "no case is open: open or create one first"))?;
        Ok(f(case)?)
    }
}
