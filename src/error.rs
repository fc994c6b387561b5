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
    /// The case file is not a Kordon case, or newer than this build.
    BadCase,
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
    #[error("case store: {0}")]
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
            Error::Store(_) => Code::Store,
            Error::Io { .. } => Code::Io,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
