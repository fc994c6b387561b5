//! `kordon import`: progress on a terminal, a summary at the end.

use super::output::{Cell, Shown, cells, say, table, tell};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kordon::ingest::{self, ImportOptions, Limits};
use kordon::store::Case;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

#[derive(Args)]
pub struct ImportArgs {
    /// Kordon bundles, zips or folders of raw exports, or single files, in any mix.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Refuse the whole import if any record cannot be parsed, or any file
    /// of a folder or zip is not a format Kordon reads (without it, such a
    /// file is kept as an attachment).
    #[arg(long)]
    strict: bool,
    /// The cluster the evidence is from, for records that do not name
    /// theirs (a CloudWatch page, a Falco log).
    #[arg(long, value_name = "NAME")]
    cluster: Option<String>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// Longest record accepted: a line, or one record of a document file.
    #[arg(long, value_name = "BYTES")]
    max_record_bytes: Option<usize>,
    /// Largest single JSON document (a `List`, a Defender export).
    #[arg(long, value_name = "BYTES")]
    max_document_bytes: Option<u64>,
    /// Most bytes one import may inflate to.
    #[arg(long, value_name = "BYTES")]
    max_total_bytes: Option<u64>,
    /// Highest compression ratio accepted before a file counts as a zip bomb.
    #[arg(long, value_name = "N")]
    max_ratio: Option<u64>,
    /// Who is importing, for the activity log (default: the OS user).
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
    /// Threads that parse records beside the reading and the writing
    /// thread (default: the machine's cores beyond those two, at least one).
    /// The case is the same whatever the number.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
}

pub fn run(case: &mut Case, args: ImportArgs) -> anyhow::Result<()> {
    let mut limits = Limits::default();
    if let Some(v) = args.max_record_bytes {
        limits.max_record_bytes = v;
    }
    if let Some(v) = args.max_document_bytes {
        limits.max_document_bytes = v;
    }
    if let Some(v) = args.max_total_bytes {
        limits.max_total_bytes = v;
    }
    if let Some(v) = args.max_ratio {
        limits.max_ratio = v;
    }
    let opts = ImportOptions {
        limits,
        strict: args.strict,
        clock: kordon::clock::from_env(),
        actor: args.actor.unwrap_or_else(default_actor),
        cluster: args.cluster.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        workers: args.workers.unwrap_or(0),
        ..ImportOptions::default()
    };
    let cancel = opts.cancel.clone();
    // Ctrl-C cancels cleanly unless the import is already committing; the
    // import's own result, printed below, says which happened.
    let _ = ctrlc_hook(move || match ingest::cancel::request(&cancel) {
        ingest::cancel::Request::Accepted => "cancelling: the import rolls back and the case stays as it was …",
        ingest::cancel::Request::AlreadyDecided => "too late to cancel: the import is committing …",
    });

    let bar = if std::io::stderr().is_terminal() && !args.json {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let summary = ingest::import(case, &args.paths, &opts, &mut |p| {
        if let Some(b) = &bar {
            b.set_length(p.bytes_total);
            b.set_position(p.bytes_done);
            // The file name comes from the evidence (a zip entry), and the bar
            // writes to the terminal: escaped like all output.
            b.set_message(format!("{} records · {}", p.records, Shown(&p.file)));
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let summary = summary?;
    if args.json {
        super::output::json(&summary)?;
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = summary
        .files
        .iter()
        .map(|f| {
            cells![
                f.format.clone().unwrap_or_else(|| "-".into()),
                f.events_new.to_string(),
                f.events_merged.to_string(),
                f.errors.to_string(),
                f.skipped.clone().or_else(|| f.shape.clone()).unwrap_or_default(),
                kordon::store::file_label(&f.name, f.inner_path.as_deref()),
            ]
        })
        .collect();
    table(&["FORMAT", "NEW", "MERGED", "ERRORS", "NOTE", "FILE"], rows)?;
    say!()?;
    say!(
        "Imported {} file(s) ({} skipped): {} records, {} new events, {} merged into existing events, {} new entities, {} unparsable record(s) kept{}.",
        summary.files_imported,
        summary.files_skipped,
        summary.records,
        summary.events_new,
        summary.events_merged,
        summary.entities_new,
        summary.parse_errors,
        if summary.parse_errors > 0 { " (see `kordon errors`)" } else { "" }
    )?;
    if summary.files_imported == 0 && summary.files_skipped > 0 {
        say!("Nothing new: every file was already in the case or empty.")?;
    }
    super::soc::after_import(case)?;
    Ok(())
}

pub(super) fn default_actor() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "investigator".into())
}

/// The first Ctrl-C asks for a clean cancel: `request` raises the task's
/// flag and says what that achieved, which is printed. A second one exits at
/// once, which is still safe: SQLite commits whole or not at all.
pub(crate) fn ctrlc_hook(request: impl Fn() -> &'static str + Send + 'static) -> Result<(), ctrlc::Error> {
    let pressed = std::sync::atomic::AtomicBool::new(false);
    ctrlc::set_handler(move || {
        if pressed.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        let _ = tell!("\n{}", request());
    })
}
