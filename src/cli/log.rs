//! `log` (the activity log) and `verify` (the log's chain and the imported
//! files' hashes).

use super::output::{cells, print_rows, say};
use clap::Args;
use kordon::error::{Code, Error};
use kordon::store::{activity, verify, Case};
use kordon::time::format_ns;
use serde::Serialize;

#[derive(Args)]
pub struct LogArgs {
    /// Only entries about this target (an incident id such as `INC-1a2b3c4d`).
    target: Option<String>,
    /// One JSON object per entry.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct LogRow {
    id: i64,
    time: String,
    actor: String,
    action: String,
    target: Option<String>,
    details: serde_json::Value,
    hash: String,
}

pub fn log(case: &Case, args: LogArgs) -> anyhow::Result<()> {
    let rows: Vec<LogRow> = activity::list(&case.conn)?
        .into_iter()
        .filter(|e| args.target.as_deref().is_none_or(|t| e.target.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(t))))
        .map(|e| LogRow { id: e.id, time: format_ns(e.at_ns), actor: e.actor, action: e.action, target: e.target, details: e.details, hash: e.hash })
        .collect();
    print_rows(&rows, args.json, &["ID", "TIME", "ACTOR", "ACTION", "TARGET", "DETAILS"], |r| {
        let mut details = r.details.to_string();
        if details.chars().count() > 120 {
            details = details.chars().take(119).collect::<String>() + "…";
        }
        cells![r.id.to_string(), r.time, r.actor, r.action, r.target.clone().unwrap_or_default(), details]
    })
}

pub fn verify(case: &Case, args: VerifyArgs) -> anyhow::Result<()> {
    let v = verify::verify(case)?;
    if args.json {
        super::output::json(&v)?;
    } else if v.ok {
        say!(
            "OK: the activity log's {} row(s) chain correctly, the {} imported file(s) carry the SHA-256 their imports recorded, and every reference in the case resolves.",
            v.activity_rows, v.files_checked
        )?;
    } else {
        for p in &v.problems {
            say!("TAMPERED: {}", p)?;
        }
    }
    if v.ok {
        Ok(())
    } else {
        Err(Error::input(Code::BadCase, format!("the case fails verification: {}", v.problems[0])).into())
    }
}
