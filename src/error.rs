//! Typed errors of the core, each with a stable machine-readable code.
//!
//! The CLI prints the message and exits 1; the desktop app sends
//! `{code, message}` over IPC and branches on `code`, never on the text.

use std::fmt;

/// Stable error codes. Adding one is fine; renaming one breaks the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// A zip or gzip stream that cannot be read.
    CorruptArchive,
    /// An archive entry named with an absolute path or `..`.
    UnsafePath,
    /// Uncompressed size or compression ratio over the configured caps.
    ZipBomb,
    EncryptedEntry,
    /// Archives inside archives inside archives.
    NestedArchive,
    /// Two entries of an archive under one name: one would hide the other.
    DuplicateEntry,
    /// One record (line or document) longer than the cap.
    RecordTooLong,
    /// No importer recognises the file.
    UnknownFormat,
    /// A bundle's manifest disagrees with its files.
    HashMismatch,
    MissingFile,
    UnlistedFile,
    BadManifest,
    UnsupportedBundleVersion,
    /// `--strict` and a record could not be parsed.
    MalformedRecord,
    NotFound,
    InvalidArgument,
    Cancelled,
    /// The file is not a Kordon case (another application's file, not
    /// SQLite at all), or a case newer than this build.
    BadCase,
    /// The case (or the folder for a new one) cannot be written: a read-only
    /// medium, or no permission to write.
    ReadOnly,
    /// The disk (or the user's quota) is full.
    DiskFull,
    /// A detection rule file or mapping table that does not validate.
    InvalidRules,
    Io,
    Store,
    /// A front end asked for something that needs an open case.
    NoCase,
    /// Another long task (an import) is running on the case.
    Busy,
    /// The cluster refused: the caller lacks a permission (HTTP 403).
    Forbidden,
    /// The cluster refused the credentials (HTTP 401).
    Unauthorized,
    /// The object changed under us: a precondition or a concurrent write (HTTP 409).
    Conflict,
    /// The cluster could not be reached, or the connection dropped.
    ClusterUnreachable,
    /// Any other answer of the cluster's API.
    ClusterError,
    /// The kubeconfig's user runs a command to get credentials, and the
    /// investigator has not trusted it yet.
    ExecUntrusted,
    /// The pod in the evidence is not the live one (recreated, or gone).
    TargetChanged,
    /// A response playbook that does not validate (the message names the
    /// line and why).
    InvalidPlaybook,
    /// The playbook's rule requires something before this action (a second
    /// person, an override, verdicts, the evidence captured).
    PlaybookRequirement,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::CorruptArchive => "corrupt_archive",
            Code::UnsafePath => "unsafe_path",
            Code::ZipBomb => "zip_bomb",
            Code::EncryptedEntry => "encrypted_entry",
            Code::NestedArchive => "nested_archive",
            Code::DuplicateEntry => "duplicate_entry",
            Code::RecordTooLong => "record_too_long",
            Code::UnknownFormat => "unknown_format",
            Code::HashMismatch => "hash_mismatch",
            Code::MissingFile => "missing_file",
            Code::UnlistedFile => "unlisted_file",
            Code::BadManifest => "bad_manifest",
            Code::UnsupportedBundleVersion => "unsupported_bundle_version",
            Code::MalformedRecord => "malformed_record",
            Code::NotFound => "not_found",
            Code::InvalidArgument => "invalid_argument",
            Code::Cancelled => "cancelled",
            Code::BadCase => "bad_case",
            Code::ReadOnly => "read_only",
            Code::DiskFull => "disk_full",
            Code::InvalidRules => "invalid_rules",
            Code::Io => "io",
            Code::Store => "store",
            Code::NoCase => "no_case",
            Code::Busy => "busy",
            Code::Forbidden => "forbidden",
            Code::Unauthorized => "unauthorized",
            Code::Conflict => "conflict",
            Code::ClusterUnreachable => "cluster_unreachable",
            Code::ClusterError => "cluster_error",
            Code::ExecUntrusted => "exec_untrusted",
            Code::TargetChanged => "target_changed",
            Code::InvalidPlaybook => "invalid_playbook",
            Code::PlaybookRequirement => "playbook_requirement",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something wrong with what the user gave us; `message` names the file
    /// and place.
    #[error("{message}")]
    Input { code: Code, message: String },
    #[error("case store: {cause}{0}", cause = store_cause(.0))]
    Store(#[from] rusqlite::Error),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

impl Error {
    pub fn input(code: Code, message: impl Into<String>) -> Error {
        Error::Input { code, message: message.into() }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }

    pub fn code(&self) -> Code {
        match self {
            Error::Input { code, .. } => *code,
            Error::Store(e) => store_code(e),
            Error::Io { source, .. } => io_code(source),
        }
    }
}

/// What a failed write of SQLite's means to the investigator: a full disk
/// and a read-only medium are not a damaged case, and the UI tells them
/// apart by code.
pub fn store_code(e: &rusqlite::Error) -> Code {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => Code::DiskFull,
        Some(rusqlite::ErrorCode::ReadOnly) => Code::ReadOnly,
        Some(rusqlite::ErrorCode::NotADatabase) => Code::BadCase,
        _ => Code::Store,
    }
}

/// The same for the file system's own errors (creating a case's folder).
pub fn io_code(e: &std::io::Error) -> Code {
    match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Code::DiskFull,
        std::io::ErrorKind::ReadOnlyFilesystem => Code::ReadOnly,
        _ => Code::Io,
    }
}

/// Words before SQLite's own message, naming the cause in the terms of
/// [`store_code`].
fn store_cause(e: &rusqlite::Error) -> &'static str {
    match store_code(e) {
        Code::DiskFull => "disk full: ",
        Code::ReadOnly => "read-only medium or no permission to write: ",
        Code::BadCase => "not a Kordon case: ",
        _ => "",
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> Error {
        Error::Store(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None))
    }

    #[test]
    fn a_full_disk_a_read_only_medium_and_a_foreign_file_are_told_apart() {
        let full = sqlite(rusqlite::ffi::SQLITE_FULL);
        assert_eq!(full.code(), Code::DiskFull);
        assert!(full.to_string().starts_with("case store: disk full"), "{}", full);
        for read_only in [rusqlite::ffi::SQLITE_READONLY, rusqlite::ffi::SQLITE_READONLY_DBMOVED, rusqlite::ffi::SQLITE_READONLY_DIRECTORY] {
            let e = sqlite(read_only);
            assert_eq!(e.code(), Code::ReadOnly);
            assert!(e.to_string().contains("read-only medium"), "{}", e);
        }
        assert_eq!(sqlite(rusqlite::ffi::SQLITE_NOTADB).code(), Code::BadCase);
        assert_eq!(sqlite(rusqlite::ffi::SQLITE_CORRUPT).code(), Code::Store);
    }

    #[test]
    fn file_system_errors_are_classified_too() {
        use std::io::ErrorKind;
        let io = |kind| Error::io("creating the case's folder", std::io::Error::from(kind));
        assert_eq!(io(ErrorKind::StorageFull).code(), Code::DiskFull);
        assert_eq!(io(ErrorKind::QuotaExceeded).code(), Code::DiskFull);
        assert_eq!(io(ErrorKind::ReadOnlyFilesystem).code(), Code::ReadOnly);
        assert_eq!(io(ErrorKind::PermissionDenied).code(), Code::Io);
    }
}
