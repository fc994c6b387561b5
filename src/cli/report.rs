//! `report`: the review-meeting report of one incident (or of every
//! incident, `--all`) as a self-contained HTML page or a PDF.

use super::output::say;
use clap::Args;
use kordon::error::{Code, Error};
use kordon::incident;
use kordon::report::{self, Format, Which};
use kordon::store::Case;
use std::path::PathBuf;

#[derive(Args)]
pub struct ReportArgs {
    /// The incident (`INC-1a2b3c4d`); leave out with --all.
    incident: Option<String>,
    /// Every incident of the case in one document, a part per incident.
    #[arg(long, conflicts_with = "incident")]
    all: bool,
    /// Where to write it (`report.html` or `report.pdf`).
    #[arg(short, long)]
    output: PathBuf,
    /// `html` or `pdf`; default: from the file name's extension.
    #[arg(long)]
    format: Option<String>,
    /// Print what was written as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn report(case: &Case, args: ReportArgs) -> anyhow::Result<()> {
    let which = match (&args.incident, args.all) {
        (Some(text), false) => Which::One(incident::resolve(case, text)?),
        (None, true) => Which::All,
        _ => {
            return Err(Error::input(Code::InvalidArgument, "name the incident (INC-1a2b3c4d), or give --all for every incident").into());
        }
    };
    let format = match &args.format {
        Some(f) => Format::parse(f)?,
        None => Format::of_path(&args.output)?,
    };
    let clock = kordon::clock::from_env();
    let w = report::write(case, which, format, &args.output, clock.as_ref())?;
    if args.json {
        super::output::json(&w)?;
        return Ok(());
    }
    match w.pages {
        Some(p) => say!("Wrote {} ({} bytes, {} page(s), {} incident(s)).", w.path.display(), w.bytes, p, w.incidents)?,
        None => say!("Wrote {} ({} bytes, {} incident(s)).", w.path.display(), w.bytes, w.incidents)?,
    }
    Ok(())
}
