//! `triage`, `comment` and `verdict`: what investigators decide, each change
//! validated and logged (see `kordon::triage`).

use super::output::say;
use clap::Args;
use kordon::incident;
use kordon::store::Case;
use kordon::triage::{self, Change, Spelling, Triage};

#[derive(Args)]
pub struct TriageArgs {
    /// The incident (`INC-1a2b3c4d`).
    incident: String,
    /// new, in-progress or resolved (resolving needs a classification and a comment).
    #[arg(long)]
    status: Option<String>,
    /// true-positive, informational or false-positive; needs --determination.
    #[arg(long = "classify")]
    classification: Option<String>,
    /// A determination the classification allows (e.g. multistage-attack, security-test, not-malicious).
    #[arg(long)]
    determination: Option<String>,
    /// A person or a group; an empty value clears it.
    #[arg(long)]
    owner: Option<String>,
    /// Add a tag (repeatable).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Remove a tag (repeatable).
    #[arg(long = "untag")]
    untags: Vec<String>,
    /// Override the severity (info, low, medium, high, critical), or `computed` to drop the override.
    #[arg(long)]
    severity: Option<String>,
    /// Add a comment (Markdown) with the change.
    #[arg(long)]
    comment: Option<String>,
    /// Print the incident's triage state as one JSON object.
    #[arg(long)]
    json: bool,
    /// How classifications and determinations are spelt in --json: kordon, defender-api or graph.
    #[arg(long, default_value = "kordon")]
    spelling: String,
    /// Who decides, for the activity log (default: the OS user).
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct CommentArgs {
    incident: String,
    /// The comment (Markdown).
    text: String,
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct VerdictArgs {
    incident: String,
    /// The entity: its id (16 hex digits) or its key (`shop/cart-7f9c6d8b5-x2k4q`, `203.0.113.45` …).
    entity: String,
    /// malicious, suspicious, clean or not-reviewed.
    verdict: String,
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct FollowUpArgs {
    incident: String,
    /// The follow-up item, as `kordon show --json` names it (`rotate-credentials`, `hardening:token-automounted` …).
    item: String,
    /// Untick it again.
    #[arg(long)]
    undo: bool,
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

pub fn spelling(text: &str) -> anyhow::Result<Spelling> {
    Ok(match text {
        "kordon" => Spelling::Kordon,
        "defender-api" => Spelling::DefenderApi,
        "graph" => Spelling::Graph,
        other => {
            return Err(kordon::error::Error::input(
                kordon::error::Code::InvalidArgument,
                format!("unknown spelling '{}' (one of: kordon, defender-api, graph)", other),
            )
            .into())
        }
    })
}

fn print(t: &Triage, json: bool, spelling: Spelling) -> anyhow::Result<()> {
    let mut t = t.clone();
    triage::vocabulary().respell(spelling, &mut t.classification, &mut t.determination);
    if json {
        super::output::json(&t)?;
        return Ok(());
    }
    say!("{}  status {}", t.incident, t.status)?;
    if let Some(c) = &t.classification {
        say!("  classification: {} / {}", c, t.determination.as_deref().unwrap_or("-"))?;
    }
    if let Some(o) = &t.owner {
        say!("  owner: {}", o)?;
    }
    if let Some(s) = &t.severity_override {
        say!("  severity (override): {}", s)?;
    }
    if !t.tags.is_empty() {
        say!("  tags: {}", t.tags.join(", "))?;
    }
    for c in &t.comments {
        say!("  comment {} by {} at {}: {}", c.id, c.author, c.time, c.body)?;
    }
    for v in &t.verdicts {
        say!("  verdict: {} {} is {} ({} at {})", v.entity_kind, v.entity_key, v.verdict, v.author, v.time)?;
    }
    for f in &t.follow_up {
        say!("  follow-up: [{}] {} ({} at {})", if f.done { "x" } else { " " }, f.item, f.author, f.time)?;
    }
    Ok(())
}

pub fn triage(case: &mut Case, args: TriageArgs) -> anyhow::Result<()> {
    let spelling = spelling(&args.spelling)?;
    let id = incident::resolve(case, &args.incident)?;
    let clock = kordon::clock::from_env();
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let change = Change {
        status: args.status,
        classification: args.classification,
        determination: args.determination,
        owner: args.owner,
        add_tags: args.tags,
        remove_tags: args.untags,
        severity: args.severity,
        comment: args.comment,
    };
    let t = triage::apply(case, clock.as_ref(), &actor, id, &change)?;
    print(&t, args.json, spelling)
}

pub fn comment(case: &mut Case, args: CommentArgs) -> anyhow::Result<()> {
    let id = incident::resolve(case, &args.incident)?;
    let clock = kordon::clock::from_env();
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let t = triage::apply(case, clock.as_ref(), &actor, id, &Change { comment: Some(args.text), ..Change::default() })?;
    print(&t, false, Spelling::Kordon)
}

pub fn verdict(case: &mut Case, args: VerdictArgs) -> anyhow::Result<()> {
    let id = incident::resolve(case, &args.incident)?;
    let clock = kordon::clock::from_env();
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let t = triage::set_verdict(case, clock.as_ref(), &actor, id, &args.entity, &args.verdict)?;
    print(&t, false, Spelling::Kordon)
}

pub fn follow_up(case: &mut Case, args: FollowUpArgs) -> anyhow::Result<()> {
    let id = incident::resolve(case, &args.incident)?;
    let clock = kordon::clock::from_env();
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let t = triage::set_follow_up(case, clock.as_ref(), &actor, id, &args.item, !args.undo)?;
    print(&t, false, Spelling::Kordon)
}

#[derive(Args)]
pub struct MoveArgs {
    /// The signal (its event id, as `kordon show` lists it).
    signal: String,
    /// The incident to move it to; without it, the signal becomes an incident of its own.
    to: Option<String>,
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

pub fn move_signal(case: &mut Case, args: MoveArgs) -> anyhow::Result<()> {
    let clock = kordon::clock::from_env();
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let id = match &args.to {
        Some(to) => {
            let to = incident::resolve(case, to)?;
            triage::move_signal(case, clock.as_ref(), &actor, &args.signal, to)?
        }
        None => triage::split_signal(case, clock.as_ref(), &actor, &args.signal)?,
    };
    say!("{} is now in {} (placed by hand: correlation leaves it there).", args.signal, incident::format_incident_id(id))?;
    Ok(())
}
