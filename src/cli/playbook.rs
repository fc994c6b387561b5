//! `kordon playbook`: load the team's response playbook into the case, and
//! show the one in force.

use super::output::say;
use clap::{Args, Subcommand};
use kordon::clock::Clock;
use kordon::playbook;
use kordon::store::Case;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PlaybookCommand {
    /// Load a playbook file into the case (stored with its SHA-256 and a log entry); in force from now.
    Load(LoadArgs),
    /// Show the playbook in force: where it comes from, then the file as written.
    Show(ShowArgs),
    /// The playbook format as a JSON Schema, for an editor to complete and check a playbook as it is written.
    Schema,
    /// The hand-off note of an incident: owners, whom to notify, containment, the steps still open — to paste into a ticket or chat.
    Handoff(HandoffArgs),
}

#[derive(Args)]
pub struct HandoffArgs {
    /// The incident (`INC-…`).
    incident: String,
}

#[derive(Args)]
pub struct LoadArgs {
    /// The playbook (YAML).
    file: PathBuf,
    /// Who loads it, for the activity log (default: the OS user).
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The playbook as Kordon read it, as JSON.
    #[arg(long)]
    json: bool,
}

/// Whether the command writes to the case.
pub fn writes(command: &PlaybookCommand) -> bool {
    matches!(command, PlaybookCommand::Load(_))
}

pub fn run(case: &mut Case, clock: &dyn Clock, command: PlaybookCommand) -> anyhow::Result<()> {
    match command {
        PlaybookCommand::Load(args) => load(case, clock, args),
        PlaybookCommand::Show(args) => show(case, args),
        PlaybookCommand::Handoff(args) => handoff(case, args),
        PlaybookCommand::Schema => schema(),
    }
}

/// Pretty-printed: it is meant to be saved beside the team's playbook.
pub fn schema() -> anyhow::Result<()> {
    for line in serde_json::to_string_pretty(&playbook::format::schema())?.lines() {
        say!("{}", line)?;
    }
    Ok(())
}

fn handoff(case: &Case, args: HandoffArgs) -> anyhow::Result<()> {
    let id = kordon::incident::resolve(case, &args.incident)?;
    for line in playbook::handoff::note(case, id)?.lines() {
        say!("{}", line)?;
    }
    Ok(())
}

fn load(case: &mut Case, clock: &dyn Clock, args: LoadArgs) -> anyhow::Result<()> {
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let loaded = playbook::stored::load_file(case, clock, &actor, &args.file)?;
    if args.json {
        return super::output::json(&loaded);
    }
    if loaded.unchanged {
        say!("{} is the playbook in force already (SHA-256 {}): nothing changed", loaded.file, loaded.sha256)?;
    } else {
        say!("Loaded playbook \"{}\" from {}: {} rule(s), SHA-256 {}", loaded.name, loaded.file, loaded.rules, loaded.sha256)?;
        say!("In force for this case from now; the activity log records the load.")?;
    }
    Ok(())
}

fn show(case: &Case, args: ShowArgs) -> anyhow::Result<()> {
    let p = playbook::in_force(case)?;
    if args.json {
        return super::output::json(&p);
    }
    let o = &p.origin;
    match o.kind.as_str() {
        "default" => say!("Playbook \"{}\": Kordon's default ({}); no playbook loaded in this case", p.playbook.name, o.file)?,
        _ => say!(
            "Playbook \"{}\": loaded from {} by {} at {}",
            p.playbook.name,
            o.file,
            o.loaded_by.as_deref().unwrap_or("-"),
            o.loaded_at.as_deref().unwrap_or("-")
        )?,
    }
    say!("SHA-256 {}", o.sha256)?;
    say!()?;
    for line in p.text.lines() {
        say!("{}", line)?;
    }
    Ok(())
}
