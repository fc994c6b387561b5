//! `log` (the activity log, and its head to keep outside the case) and
//! `verify` (everything the case can be checked against: see
//! `kordon::store::verify`).

use super::output::{cells, print_rows, say};
use clap::Args;
use kordon::error::{Code, Error};
use kordon::store::{activity, derived, verify, Case};
use kordon::time::format_ns;
use serde::Serialize;

#[derive(Args)]
pub struct LogArgs {
    /// Only entries about this target (an incident id such as `INC-1a2b3c4d`).
    target: Option<String>,
    /// One JSON object per entry.
    #[arg(long)]
    json: bool,
    /// Only the log's head, `ROW:HASH`: paste it into a ticket, and check
    /// the case against it later with `verify --expect-head`.
    #[arg(long, conflicts_with = "target")]
    head: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
    /// The head `kordon log --head` printed earlier (`ROW:HASH`): the log
    /// must still hold that row with that hash.
    #[arg(long, value_name = "ROW:HASH")]
    expect_head: Option<verify::Head>,
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
    if args.head {
        let head = verify::head(case)?.ok_or_else(|| Error::input(Code::NotFound, "the activity log is empty: nothing to anchor yet"))?;
        if args.json {
            super::output::json(&head)?;
        } else {
            say!("{}", head)?;
        }
        return Ok(());
    }
    let rows: Vec<LogRow> = activity::list(&case.conn)?
        .into_iter()
        .filter(|e| args.target.as_deref().is_none_or(|t| e.target.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(t))))
        .map(|e| LogRow { id: e.id, time: format_ns(e.at_ns), actor: e.actor, action: e.action, target: e.target, details: e.details, hash: e.hash })
        .collect();
    print_rows(&rows, args.json, &["ID", "TIME", "ACTOR", "ACTION", "TARGET", "DETAILS"], |r| {
        // The commitment to the derived tables is kilobytes of hex: `--json` has it.
        let mut shown = r.details.clone();
        if let Some(map) = shown.as_object_mut() {
            map.remove(derived::LOG_KEY);
        }
        let mut details = shown.to_string();
        if details.chars().count() > 120 {
            details = details.chars().take(119).collect::<String>() + "…";
        }
        cells![r.id.to_string(), r.time, r.actor, r.action, r.target.clone().unwrap_or_default(), details]
    })
}

pub fn verify(case: &Case, args: VerifyArgs) -> anyhow::Result<()> {
    let v = verify::verify(case, args.expect_head.as_ref())?;
    if args.json {
        super::output::json(&v)?;
    } else if v.ok {
        say!(
            "OK: the activity log's {} row(s) chain correctly{}; the {} imported file(s) carry the SHA-256 and the record counts their imports recorded; the events, entities and their attributes add up to what the log committed to; triage, comments and playbooks are what the log records; every reference in the case resolves.",
            v.activity_rows,
            if v.head_checked { " and still hold the head kept outside the case" } else { "" },
            v.files_checked
        )?;
        if let Some(h) = &v.head {
            say!("Head: {} (keep it outside the case: `kordon verify --expect-head {}` checks it later)", h, h)?;
        }
        for l in &v.limits {
            say!("Not proven: {}", l)?;
        }
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
