//! The app's state, registered once: the open case, the running import's
//! cancel flag, where the app keeps its own files, and the injected clock.

use crate::error::{ApiError, ApiResult};
use kordon::clock::Clock;
use kordon::error::Code;
use kordon::store::Case;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

pub struct AppState {
    /// The app's data folder (recent cases, the demo case); `KORDON_DATA_DIR`
    /// overrides it (tests).
    pub data_dir: PathBuf,
    pub case: Mutex<Option<Case>>,
    /// Set while an import runs; `cancel_import` raises it.
    pub cancel: Mutex<Option<Arc<AtomicBool>>>,
    pub clock: Arc<dyn Clock>,
    /// The investigator's name for the activity log (the OS user).
    pub actor: String,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> AppState {
        let actor = std::env::var("KORDON_ACTOR")
            .or_else(|_| std::env::var("USER"))
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "investigator".into());
        AppState {
            data_dir,
            case: Mutex::new(None),
            cancel: Mutex::new(None),
            clock: kordon::clock::from_env(),
            actor,
        }
    }

    pub fn recent_file(&self) -> PathBuf {
        self.data_dir.join("recent-cases.json")
    }

    /// Runs `f` on the open case.
    pub fn with_case<T>(&self, f: impl FnOnce(&mut Case) -> kordon::error::Result<T>) -> ApiResult<T> {
        let mut guard = self.case.lock().map_err(|_| ApiError::new(Code::Store, "the case lock was poisoned"))?;
        let case = guard.as_mut().ok_or_else(|| ApiError::new(Code::NoCase, "no case is open: open or create one first"))?;
        Ok(f(case)?)
    }
}
