//! Exports other tools ingest: the case's events as a Timesketch timeline
//! (JSON Lines) and the investigator's verdicts as a STIX 2.1 bundle.
//!
//! Kordon is one investigator's case on one laptop. A team that outgrows
//! that shares its timeline in Timesketch (OpenSearch-backed, many people on
//! one sketch) and its indicators in a threat-intelligence platform, both of
//! which read these files as they are. Both are written as the case says,
//! deterministically (same case and clock, same bytes), beside their final
//! name and renamed into place, so an export that fails half-way leaves
//! nothing that looks like a finished file.

pub mod stix;
pub mod timesketch;

use crate::error::{Code, Error, Result};
use std::io::Write;
use std::path::Path;

/// Writes an export to `path` through `write`, or explains why it cannot:
/// a folder that does not exist, a file name that is a folder, a folder that
/// may not be written.
pub(crate) fn write_export(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::input(
                Code::InvalidArgument,
                format!(
                    "{} is not a folder; cannot write {} there",
                    dir.display(),
                    path.display()
                ),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::input(
                Code::NotFound,
                format!(
                    "the folder {} does not exist; create it or choose another place for {}",
                    dir.display(),
                    path.display()
                ),
            ))
        }
        Err(e) => {
            return Err(Error::io(
                format!("reading the folder {}", dir.display()),
                e,
            ))
        }
    }
    if path.is_dir() {
        return Err(Error::input(
            Code::InvalidArgument,
            format!(
                "{} is a folder; give the export a file name",
                path.display()
            ),
        ));
    }
    crate::app::replace_file_with(path, |file| {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.flush().map_err(|e| Error::io(format!("writing {}", path.display()), e))
    })
    .map_err(|e| match e {
        Error::Io { source, .. }
            if matches!(
                source.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Error::input(
                Code::ReadOnly,
                format!(
                    "cannot write {}: the folder {} is read-only or you may not write there ({})",
                    path.display(),
                    dir.display(),
                    source
                ),
            )
        }
        other => other,
    })
}

/// One JSON value and a line break. Besides what JSON must escape, the
/// characters some readers take as a line end or a terminal obeys (C1
/// controls, U+2028/U+2029, bidi controls) are written as `\uXXXX`: the
/// same value, and a file that splits into exactly one value a line
/// whatever reads it.
pub(crate) fn write_json_line(
    w: &mut dyn Write,
    value: &impl serde::Serialize,
) -> std::io::Result<()> {
    value
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut *w, LineSafe,
        ))
        .map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

struct LineSafe;

impl serde_json::ser::Formatter for LineSafe {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest
            .char_indices()
            .find(|(_, c)| crate::text::is_unsafe(*c) || matches!(c, '\u{2028}' | '\u{2029}'))
        {
            w.write_all(&rest.as_bytes()[..at])?;
            // All of them are in the Basic Multilingual Plane.
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

/// An error of the writer, in the core's terms.
pub(crate) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(format!("writing {}", path.display()), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_or_a_folder_for_a_file_is_a_clear_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope").join("out.jsonl");
        let e = write_export(&missing, &mut |w| {
            w.write_all(b"x").map_err(io_err(&missing))
        })
        .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        assert!(e.to_string().contains("does not exist"), "{}", e);

        let e = write_export(dir.path(), &mut |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("is a folder"), "{}", e);

        let file = dir.path().join("plain");
        std::fs::write(&file, b"").unwrap();
        let e = write_export(&file.join("out.json"), &mut |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("is not a folder"), "{}", e);
    }

    #[test]
    fn a_writer_that_fails_half_way_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        let e = write_export(&out, &mut |w| {
            w.write_all(b"{\"half\":").map_err(io_err(&out))?;
            Err(Error::input(Code::Cancelled, "stopped"))
        })
        .unwrap_err();
        assert_eq!(e.code(), Code::Cancelled);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "neither the file nor its temporary"
        );

        write_export(&out, &mut |w| w.write_all(b"done\n").map_err(io_err(&out))).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"done\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_json_line_escapes_what_could_split_it_or_reach_a_terminal() {
        let mut out = Vec::new();
        let text = "a\nb\u{85}c\u{2028}d\u{202e}e\u{1b}f\"g\\h";
        write_json_line(&mut out, &serde_json::json!({"k": text})).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "{\"k\":\"a\\nb\\u0085c\\u2028d\\u202ee\\u001bf\\\"g\\\\h\"}\n"
        );
        let back: serde_json::Value = serde_json::from_str(s.trim_end()).unwrap();
        assert_eq!(back["k"], text);
    }
}
