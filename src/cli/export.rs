//! `export timesketch` and `export stix`: the case in the formats other
//! tools ingest (see `kordon::exports`).

use super::output::{json, say};
use clap::{Args, Subcommand};
use kordon::clock::Clock;
use kordon::exports::{stix, timesketch};
use kordon::incident;
use kordon::store::Case;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// A Timesketch timeline (JSON Lines): one incident's evidence, or every event of the case.
    Timesketch(TimesketchArgs),
    /// A STIX 2.1 bundle of the entities marked malicious or suspicious: one incident, or every one.
    Stix(StixArgs),
}

#[derive(Args)]
pub struct TimesketchArgs {
    /// The incident (`INC-1a2b3c4d`); without it, the whole case.
    incident: Option<String>,
    /// The file to write (`.jsonl`, which Timesketch's upload expects).
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Print what was written as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct StixArgs {
    /// The incident (`INC-1a2b3c4d`); without it, every incident with a verdict to share.
    incident: Option<String>,
    /// The file to write (`.json`).
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Print what was written as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(case: &Case, clock: &dyn Clock, command: ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::Timesketch(args) => {
            let id = args
                .incident
                .as_deref()
                .map(|i| incident::resolve(case, i))
                .transpose()?;
            let s = timesketch::export(case, id, &args.output)?;
            if args.json {
                return json(&s);
            }
            say!("Wrote {} events to {}.", s.events, s.path)?;
            if s.without_time > 0 {
                say!(
                    "Left out {} events without a time (a timeline cannot place them).",
                    s.without_time
                )?;
            }
        }
        ExportCommand::Stix(args) => {
            let id = args
                .incident
                .as_deref()
                .map(|i| incident::resolve(case, i))
                .transpose()?;
            let s = stix::export(case, clock, id, &args.output)?;
            if args.json {
                return json(&s);
            }
            say!(
                "Wrote {} indicators for {} to {}.",
                s.indicators,
                s.incidents.join(", "),
                s.path
            )?;
            if !s.skipped.is_empty() {
                say!(
                    "Left out (no STIX observable for them): {}.",
                    s.skipped.join(", ")
                )?;
            }
        }
    }
    Ok(())
}
