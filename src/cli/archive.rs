//! `archive` (seal the case in a zip to hand it off) and `unarchive` (check
//! such a zip and restore its case as a new one): see `kordon::archive`.
//!
//! The archive's counterpart is not called `restore`: that word is the
//! containment command that scales a pod's owner back, and the activity
//! logs already record it under that name.

use super::output::say;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kordon::archive::{self, Phase, Progress, UnarchiveOptions};
use kordon::clock::Clock;
use kordon::store::Case;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ArchiveArgs {
    /// The zip to write; an earlier archive there is replaced, any other file is not.
    #[arg(short = 'o', long = "output", value_name = "FILE.zip")]
    output: PathBuf,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct UnarchiveArgs {
    /// The zip `kordon archive` wrote. The new case is `--case`, which must not exist.
    archive: PathBuf,
    /// The archive's SHA-256 as `kordon archive` printed it, received by
    /// another channel than the archive: proves it is the very archive made.
    #[arg(long, value_name = "SHA256")]
    expect_sha256: Option<String>,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn archive(case: &Case, clock: &dyn Clock, args: ArchiveArgs) -> anyhow::Result<()> {
    let bar = bar(args.json);
    let made = archive::write(case, &args.output, clock, &mut |p| show(&bar, p));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let made = made?;
    if args.json {
        super::output::json(&made)?;
        return Ok(());
    }
    let m = &made.manifest;
    let c = &m.counts;
    say!("Archived {} to {} ({} bytes).", case.path.display(), made.archive, made.archive_size)?;
    say!(
        "The case: schema {}, {} file(s), {} events, {} alerts, {} incidents, {} activity rows; made by Kordon {} at {}.",
        m.schema_version,
        c.sources,
        c.events,
        c.alerts,
        c.incidents,
        c.activity,
        m.kordon_version,
        m.created
    )?;
    say!("Archive SHA-256: {}", made.archive_sha256)?;
    if let Some(h) = &m.activity_head {
        say!("Activity log head: {}", h)?;
    }
    say!(
        "Send the SHA-256 by another channel than the archive (the ticket, a call): `kordon --case NEW unarchive {} --expect-sha256 {}` then proves it is this archive.",
        made.archive,
        made.archive_sha256
    )?;
    Ok(())
}

pub fn unarchive(new_case: &Path, args: UnarchiveArgs) -> anyhow::Result<()> {
    let bar = bar(args.json);
    let opts = UnarchiveOptions { expect_sha256: args.expect_sha256 };
    let restored = archive::unarchive(&args.archive, new_case, &opts, &mut |p| show(&bar, p));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let r = restored?;
    if args.json {
        super::output::json(&r)?;
        return Ok(());
    }
    let m = &r.manifest;
    say!("Restored {} from {} (archived {} by Kordon {}).", r.case, r.archive, m.created, m.kordon_version)?;
    say!(
        "Checked: the archive holds exactly the {} file(s) its manifest lists, each with its size and SHA-256; the case opens as a Kordon case, passes `kordon verify`, and its activity log ends at the manifest's head {} with the counts it records ({} events, {} incidents).",
        m.files.len(),
        m.activity_head.as_deref().unwrap_or("(an empty log)"),
        m.counts.events,
        m.counts.incidents
    )?;
    if r.archive_sha256_checked {
        say!("Authentic: the archive's SHA-256 {} is the one given with --expect-sha256.", r.archive_sha256)?;
    } else {
        say!("Archive SHA-256: {}", r.archive_sha256)?;
    }
    if let Some(v) = r.upgraded_to {
        say!("The case was archived with schema {} and is now at schema {}.", m.schema_version, v)?;
    }
    for l in &r.limits {
        say!("Not proven: {}", l)?;
    }
    Ok(())
}

fn bar(json: bool) -> Option<ProgressBar> {
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::new(0);
    b.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(b)
}

fn show(bar: &Option<ProgressBar>, p: Progress) {
    let Some(b) = bar else { return };
    b.set_length(p.total);
    b.set_position(p.done);
    b.set_message(match p.phase {
        Phase::Copying => "copying the case (pages)",
        Phase::Compressing => "compressing (bytes)",
        Phase::Checking => "hashing the archive (bytes)",
        Phase::Unpacking => "unpacking the case (bytes)",
        Phase::Verifying => "verifying the case",
    });
}
