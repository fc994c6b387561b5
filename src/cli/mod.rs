//! Argument parsing and dispatch. Exit codes: 0 success, 1 refused or failed,
//! 2 usage (clap's own code for bad arguments).

mod archive;
mod cluster;
mod detect;
mod export;
mod import;
mod incidents;
mod log;
mod triage;
mod list;
mod output;
mod playbook;
mod report;
mod soc;

use clap::{Parser, Subcommand};
use output::{tell, Stream};
use kordon::error::Error;
use kordon::store::{Access, Case};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "kordon", version, about = "Offline forensic review of Kubernetes container incidents")]
pub struct Cli {
    /// The case file (SQLite). Default: `default.kordon` in the user's data folder.
    #[arg(long, global = true, env = "KORDON_CASE")]
    case: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import bundles, zips, folders or single exports into the case.
    Import(import::ImportArgs),
    /// List the imported source files with their SHA-256.
    Sources(list::JsonArg),
    /// List events, oldest first.
    Events(list::EventsArgs),
    /// List entities (pods, containers, identities, addresses …).
    Entities(list::EntitiesArgs),
    /// List records that could not be parsed, kept verbatim.
    Errors(list::JsonArg),
    /// Run Kordon's detections over the case and store what fires as alerts.
    Detect(detect::DetectArgs),
    /// List Kordon's detection rules.
    Rules(detect::RulesArgs),
    /// Group the case's alerts into incidents (after `detect`).
    Correlate(incidents::CorrelateArgs),
    /// List the incidents, most severe first.
    Incidents(incidents::IncidentsArgs),
    /// Show an incident: story, recommended response, signals, evidence by tactic, entities.
    Show(incidents::ShowArgs),
    /// Export an incident's graph as JSON or Graphviz DOT.
    Graph(incidents::GraphArgs),
    /// Set an incident's status, classification and determination, owner, tags or severity.
    Triage(triage::TriageArgs),
    /// Add a comment (Markdown) to an incident.
    Comment(triage::CommentArgs),
    /// Set a verdict on one of an incident's entities.
    Verdict(triage::VerdictArgs),
    /// Tick off an item of the incident's follow-up checklist (`--undo` unticks it).
    FollowUp(triage::FollowUpArgs),
    /// Move a signal to another incident, or split it into its own (no INC).
    Move(triage::MoveArgs),
    /// The activity log: every change, by whom and when.
    Log(log::LogArgs),
    /// Check the activity log's hash chain and every imported file's SHA-256.
    Verify(log::VerifyArgs),
    /// Kubeconfig contexts (server, user, namespace, how the user authenticates).
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Isolate a pod: a deny-all NetworkPolicy for that pod only (dry run, preview and confirmation first).
    Isolate(cluster::IsolateArgs),
    /// Undo an isolation exactly (its policy and label, by UID).
    Release(cluster::ActionArgs),
    /// Capture a pod's evidence, then delete it (UID precondition); optionally scale its owner to zero.
    Terminate(cluster::TerminateArgs),
    /// Scale a terminated pod's owner back to its recorded replica count.
    Restore(cluster::ActionArgs),
    /// Read the cluster for an action whose outcome is unknown and record what exists.
    Reconcile(cluster::ActionArgs),
    /// The cluster actions recorded in the case.
    Actions(cluster::ActionsArgs),
    /// Capture a live cluster (through a kubeconfig) into a Kordon bundle; secrets as metadata only.
    Snapshot(cluster::SnapshotArgs),
    /// Hardening findings from the case's snapshot, for an incident or the whole cluster.
    Findings(incidents::FindingsArgs),
    /// Write the review-meeting report of an incident (or --all) as HTML or PDF.
    Report(report::ReportArgs),
    /// Export for other tools: a Timesketch timeline, a STIX 2.1 bundle.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Seal the case in a zip to hand it off: the case, consistent even while open, and a manifest of SHA-256s, log head and counts.
    Archive(archive::ArchiveArgs),
    /// The response playbook: load the team's (`load FILE`), show the one in force (`show`).
    Playbook {
        #[command(subcommand)]
        command: playbook::PlaybookCommand,
    },
    /// Check an archive and restore its case as the new case `--case` (never over an existing file).
    Unarchive(archive::UnarchiveArgs),
}

#[derive(Subcommand)]
enum ClusterCommand {
    /// List the kubeconfig's contexts.
    Contexts(cluster::ContextsArgs),
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Usage errors quote the arguments, which may come from evidence
            // (a pod name pasted into a script): plain text, escaped.
            let stream = if e.use_stderr() { Stream::Err } else { Stream::Out };
            let _ = output::block(stream, &e.render().to_string());
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match dispatch(cli) {
        Ok(()) => 0,
        // `kordon events | head`: the reader had enough.
        Err(e) if broken_pipe(&e) => 0,
        Err(e) => {
            let _ = match e.downcast_ref::<Error>() {
                Some(k) => tell!("error[{}]: {}", k.code(), k),
                None => tell!("error: {}", format!("{:#}", e)),
            };
            1
        }
    }
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    let io = e.downcast_ref::<std::io::Error>().or_else(|| match e.downcast_ref::<Error>() {
        Some(Error::Io { source, .. }) => Some(source),
        _ => None,
    });
    io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn case_path(cli: &Cli) -> anyhow::Result<PathBuf> {
    if let Some(p) = &cli.case {
        return Ok(p.clone());
    }
    let dirs = directories::ProjectDirs::from("io", "kordon", "kordon")
        .ok_or_else(|| anyhow::anyhow!("no home folder to keep the default case in; pass --case PATH"))?;
    Ok(dirs.data_dir().join("default.kordon"))
}

/// What a command does with the case: `None` for `import`, the one command
/// that may create it. The others need an existing case, and the reading
/// ones also work on a read-only medium.
fn access(command: &Command) -> Option<Access> {
    match command {
        Command::Import(_) => None,
        // Makes the case, from an archive (handled before any case opens).
        Command::Unarchive(_) => None,
        Command::Sources(_)
        | Command::Events(_)
        | Command::Entities(_)
        | Command::Errors(_)
        | Command::Rules(_)
        | Command::Incidents(_)
        | Command::Show(_)
        | Command::Graph(_)
        | Command::Log(_)
        | Command::Verify(_)
        | Command::Cluster { .. }
        | Command::Snapshot(_)
        | Command::Actions(_)
        | Command::Findings(_)
        | Command::Report(_)
        | Command::Export { .. }
        | Command::Archive(_) => Some(Access::Read),
        Command::Playbook { command } if !playbook::writes(command) => Some(Access::Read),
        Command::Detect(_)
        | Command::Correlate(_)
        | Command::Triage(_)
        | Command::Comment(_)
        | Command::Verdict(_)
        | Command::FollowUp(_)
        | Command::Move(_)
        | Command::Isolate(_)
        | Command::Release(_)
        | Command::Terminate(_)
        | Command::Restore(_)
        | Command::Reconcile(_)
        | Command::Playbook { .. } => Some(Access::Write),
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if let Command::Rules(args) = cli.command {
        // Listing the rules needs no case.
        return detect::rules(args);
    }
    // Listing contexts, taking a snapshot and the playbook's schema need no case.
    let cli = match cli.command {
        Command::Cluster { command: ClusterCommand::Contexts(args) } => return cluster::contexts(args),
        Command::Snapshot(args) => return cluster::snapshot(args),
        Command::Playbook { command: playbook::PlaybookCommand::Schema } => return playbook::schema(),
        _ => cli,
    };
    let path = case_path(&cli)?;
    // Unarchiving makes the case: none opens.
    let cli = match cli.command {
        Command::Unarchive(args) => return archive::unarchive(&path, args),
        _ => cli,
    };
    let mut case = match access(&cli.command) {
        // Importing is how a case starts.
        None => Case::open(&path)?,
        Some(access) => Case::open_existing(&path, access)?,
    };
    let clock = kordon::clock::from_env();
    match cli.command {
        Command::Import(args) => import::run(&mut case, args),
        Command::Sources(args) => list::sources(&case, args),
        Command::Events(args) => list::events(&case, args),
        Command::Entities(args) => list::entities(&case, args),
        Command::Errors(args) => list::errors(&case, args),
        Command::Detect(args) => detect::detect(&mut case, args),
        Command::Rules(args) => detect::rules(args),
        Command::Correlate(args) => incidents::correlate(&mut case, args),
        Command::Incidents(args) => incidents::incidents(&case, args),
        Command::Show(args) => incidents::show(&case, args),
        Command::Graph(args) => incidents::graph(&case, args),
        Command::Triage(args) => triage::triage(&mut case, args),
        Command::Comment(args) => triage::comment(&mut case, args),
        Command::Verdict(args) => triage::verdict(&mut case, args),
        Command::FollowUp(args) => triage::follow_up(&mut case, args),
        Command::Move(args) => triage::move_signal(&mut case, args),
        Command::Log(args) => log::log(&case, args),
        Command::Verify(args) => log::verify(&case, args),
        Command::Cluster { .. } | Command::Snapshot(_) => unreachable!("handled above"),
        Command::Isolate(args) => cluster::isolate(case, clock.as_ref(), args),
        Command::Release(args) => cluster::release(case, clock.as_ref(), args),
        Command::Terminate(args) => cluster::terminate(case, clock.as_ref(), args),
        Command::Restore(args) => cluster::restore(case, clock.as_ref(), args),
        Command::Reconcile(args) => cluster::reconcile(case, clock.as_ref(), args),
        Command::Actions(args) => cluster::actions(&case, args),
        Command::Findings(args) => incidents::findings(&case, args),
        Command::Report(args) => report::report(&case, args),
        Command::Export { command } => export::run(&case, clock.as_ref(), command),
        Command::Archive(args) => archive::archive(&case, clock.as_ref(), args),
        Command::Playbook { command } => playbook::run(&mut case, clock.as_ref(), command),
        Command::Unarchive(_) => unreachable!("handled above"),
    }
}
