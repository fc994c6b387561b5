//! `cluster contexts`, `isolate`, `release`, `terminate`, `restore`,
//! `reconcile` and `actions`: containment from the command line. Every
//! action shows the target, the permission checklist and the exact change,
//! then asks for a confirmation (typing the pod's name for a termination);
//! `--yes` (with `--confirm-pod NAME` for a termination) answers for scripts.

use super::output::{ask, cells, print_rows, say, tell};
use clap::Args;
use kordon::clock::Clock;
use kordon::cluster::isolate::{self, CaseAccess, IsolateRequest};
use kordon::cluster::record::{self, ActionRow};
use kordon::cluster::terminate::{self, TerminateRequest};
use kordon::cluster::{self, kubeconfig, ConnectOptions, PodRef};
use kordon::error::{Code, Error};
use kordon::incident;
use kordon::playbook::{gate, Action};
use kordon::store::Case;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Args, Clone)]
pub struct ConnectArgs {
    /// The kubeconfig (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// The context (default: the kubeconfig's current one; for an earlier action, the one it used).
    #[arg(long)]
    context: Option<String>,
    /// Run the context's exec credential plugin (its command is shown when this is missing).
    #[arg(long)]
    trust_exec: bool,
}

impl ConnectArgs {
    fn options(&self, recorded_context: Option<&str>) -> ConnectOptions {
        ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone().or(recorded_context.map(str::to_string)),
            trust_exec: self.trust_exec,
        }
    }
}

#[derive(Args)]
pub struct ContextsArgs {
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// What every action on a pod takes.
#[derive(Args)]
pub struct PodActionArgs {
    /// The incident the action belongs to (`INC-1a2b3c4d`).
    #[arg(long)]
    incident: String,
    /// The pod, as NAMESPACE/NAME.
    #[arg(long)]
    pod: String,
    /// Why (recorded in the case and on the pod).
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    connect: ConnectArgs,
    /// Check, plan and dry-run on the server; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for a confirmation.
    #[arg(long)]
    yes: bool,
    /// Act on the live pod with this UID although the evidence names another (the pod was recreated).
    #[arg(long)]
    accept_uid: Option<String>,
    /// The second person who agreed, where the playbook's rule asks two people.
    #[arg(long)]
    second_person: Option<String>,
    /// Why the playbook's rule is overridden, where it forbids the action.
    #[arg(long)]
    override_reason: Option<String>,
    /// The pod's evidence is captured, where the playbook's rule allows the action only after.
    #[arg(long)]
    evidence_captured: bool,
    #[arg(long)]
    json: bool,
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct IsolateArgs {
    #[command(flatten)]
    on: PodActionArgs,
}

#[derive(Args)]
pub struct TerminateArgs {
    #[command(flatten)]
    on: PodActionArgs,
    /// Seconds the pod gets to stop (default: the pod's own).
    #[arg(long)]
    grace_period: Option<i64>,
    /// Also scale the pod's Deployment/StatefulSet/ReplicaSet to zero (its replica count is recorded for `restore`).
    #[arg(long)]
    scale_owner_to_zero: bool,
    /// With --yes: the pod's name, typed, as the confirmation a destructive action needs.
    #[arg(long)]
    confirm_pod: Option<String>,
    /// Seconds to wait for the pod to be gone.
    #[arg(long, default_value_t = 60)]
    wait: u64,
}

#[derive(Args)]
pub struct ActionArgs {
    /// The action id (`act-…`, from `kordon actions`).
    action: String,
    /// Why (required to release).
    #[arg(long)]
    reason: Option<String>,
    #[command(flatten)]
    connect: ConnectArgs,
    #[arg(long)]
    yes: bool,
    #[arg(long)]
    json: bool,
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct ActionsArgs {
    /// Only this incident's actions.
    incident: Option<String>,
    #[arg(long)]
    json: bool,
}

fn actor(a: &Option<String>) -> String {
    a.clone().unwrap_or_else(kordon::app::prefs::os_user)
}

pub fn contexts(args: ContextsArgs) -> anyhow::Result<()> {
    let (kc, files) = kubeconfig::load(args.kubeconfig.as_deref())?;
    let rows = kubeconfig::contexts(&kc, &files);
    print_rows(&rows, args.json, &["", "CONTEXT", "SERVER", "USER", "NAMESPACE", "AUTH"], |c| {
        let kind = serde_json::to_value(&c.auth).ok().and_then(|v| v["kind"].as_str().map(str::to_string)).unwrap_or_default();
        let auth = match &c.command {
            Some(command) => format!("{} runs: {}", kind, command),
            None => kind,
        };
        cells![if c.current { "*".into() } else { String::new() }, c.name, c.server, c.user, c.namespace.clone().unwrap_or_default(), auth]
    })
}

fn confirm(prompt: &str, expected: &str, yes: bool, typed: Option<&str>) -> anyhow::Result<()> {
    if yes {
        if let Some(t) = typed {
            if t != expected {
                return Err(Error::input(Code::InvalidArgument, format!("--confirm-pod says '{}' but the pod is '{}': nothing done", t, expected)).into());
            }
        }
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::input(Code::InvalidArgument, "this changes the cluster and needs a confirmation: run it in a terminal, or pass --yes").into());
    }
    ask!("{} ", prompt)?;
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if line.trim() != expected {
        return Err(Error::input(Code::Cancelled, "not confirmed: nothing done").into());
    }
    Ok(())
}

fn print_action(row: &ActionRow, json: bool) -> anyhow::Result<()> {
    if json {
        super::output::json(&row)?;
    } else {
        say!("{} {} {}/{} (UID {}): {}", row.id, row.kind, row.namespace, row.pod, row.pod_uid, row.state)?;
    }
    Ok(())
}

fn show_target(t: &kordon::cluster::LiveTarget) -> std::io::Result<()> {
    tell!("Target: pod {} UID {} on node {}", t.label(), t.uid, t.node.as_deref().unwrap_or("?"))?;
    if !t.owners.is_empty() {
        tell!("  owners: {}", t.owners.iter().map(|o| format!("{} {}", o.kind, o.name)).collect::<Vec<_>>().join(" → "))?;
    }
    tell!("  labels: {}", t.labels.iter().map(|(k, v)| format!("{}={}", k, v)).collect::<Vec<_>>().join(", "))?;
    if !t.services.is_empty() {
        tell!("  services selecting it: {}", t.services.join(", "))?;
    }
    for p in &t.policies {
        tell!("  NetworkPolicy {} selects it ({})", p.name, p.policy_types.join("+"))?;
    }
    Ok(())
}

fn show_preflight(pf: &kordon::cluster::preflight::Preflight) -> std::io::Result<()> {
    tell!("Preflight (Kubernetes {}):", pf.version)?;
    for c in &pf.checks {
        tell!("  [{}] {} — to {}", if c.allowed { "ok" } else { "MISSING" }, c.permission(), c.why)?;
    }
    if !pf.engines.is_empty() {
        tell!("  network-policy engine: {}", pf.engines.join(", "))?;
    }
    for w in &pf.warnings {
        tell!("  warning: {}", w)?;
    }
    Ok(())
}

/// The incident and the pod (with its UID from the evidence).
fn target(case: &Case, on: &PodActionArgs) -> anyhow::Result<(i64, PodRef)> {
    let incident = incident::resolve(case, &on.incident)?;
    let mut pod = PodRef::parse(&on.pod, None)?;
    pod.uid = kordon::app::views::pod_uid(case, &pod.label())?;
    Ok((incident, pod))
}

/// The playbook's requirements for the action, shown; refused (before the
/// cluster is contacted) while one is unmet, unless only a dry run is asked.
fn playbook_gate(case: &Case, incident: i64, pod: &PodRef, action: Action, on: &PodActionArgs, actor: &str) -> anyhow::Result<serde_json::Value> {
    let approvals = gate::Approvals {
        second_person: on.second_person.clone(),
        override_reason: on.override_reason.clone(),
        evidence_captured: on.evidence_captured,
    };
    let g = gate::check(case, incident, &pod.label(), action, actor, approvals)?;
    match &g.rule {
        Some(rule) if !g.requirements.is_empty() => {
            tell!("Playbook \"{}\", rule {} requires:", g.playbook, rule)?;
            for r in &g.requirements {
                tell!("  [{}] {}", if r.met { "x" } else { " " }, r.text)?;
            }
        }
        Some(rule) => tell!("Playbook \"{}\", rule {}: nothing required before this action", g.playbook, rule)?,
        None => tell!("Playbook \"{}\": no rule matches {}", g.playbook, pod.label())?,
    }
    if !on.dry_run {
        g.enforce()?;
    }
    Ok(serde_json::to_value(&g)?)
}

pub fn isolate(case: Case, clock: &dyn Clock, args: IsolateArgs) -> anyhow::Result<()> {
    let args = args.on;
    let (incident, pod) = target(&case, &args)?;
    let actor = actor(&args.actor);
    let playbook = playbook_gate(&case, incident, &pod, Action::Isolate, &args, &actor)?;
    let req = IsolateRequest { incident: Some(incident), pod, reason: args.reason.clone(), accept_uid: args.accept_uid.clone(), playbook: Some(playbook) };
    let access = Mutex::new(case);
    cluster::block_on(async {
        let conn = cluster::connect(&args.connect.options(None)).await?;
        tell!("Connected to {} ({}) as {} — Kubernetes {}", conn.context.name, conn.context.server, conn.identity.username, conn.version)?;
        let id = isolate::with_case(&access, |c| record::next_id(c, clock.now_ns(), "isolate", &req.pod.label()))?;
        let prepared = isolate::prepare(&conn, &req, &id).await?;
        show_target(&prepared.target)?;
        show_preflight(&prepared.preflight)?;
        tell!("The change (the server accepted it in a dry run):\n{}", prepared.plan.preview)?;
        if args.dry_run {
            let row = isolate::record_dry_run(&access as &dyn CaseAccess, clock, &actor, &req, &prepared)?;
            return print_action(&row, args.json);
        }
        confirm(&format!("Isolate pod {}? Type yes:", prepared.target.label()), "yes", args.yes, None)?;
        let row = isolate::isolate(&conn, &access, clock, &actor, &req, &prepared).await?;
        print_action(&row, args.json)
    })
}

pub fn terminate(case: Case, clock: &dyn Clock, t: TerminateArgs) -> anyhow::Result<()> {
    let args = &t.on;
    let (incident, pod) = target(&case, args)?;
    let actor = actor(&args.actor);
    if args.reason.trim().is_empty() {
        return Err(Error::input(Code::InvalidArgument, "terminating needs a reason").into());
    }
    let playbook = playbook_gate(&case, incident, &pod, Action::of_termination(t.scale_owner_to_zero), args, &actor)?;
    let req = TerminateRequest {
        incident: Some(incident),
        pod,
        reason: args.reason.clone(),
        accept_uid: args.accept_uid.clone(),
        grace_period_seconds: t.grace_period,
        scale_owner_to_zero: t.scale_owner_to_zero,
        wait: std::time::Duration::from_secs(t.wait),
        playbook: Some(playbook),
    };
    let access = Mutex::new(case);
    cluster::block_on(async {
        let conn = cluster::connect(&args.connect.options(None)).await?;
        tell!("Connected to {} ({}) as {} — Kubernetes {}", conn.context.name, conn.context.server, conn.identity.username, conn.version)?;
        let id = isolate::with_case(&access, |c| record::next_id(c, clock.now_ns(), "terminate", &req.pod.label()))?;
        let prepared = terminate::prepare(&conn, &req, &id).await?;
        show_target(&prepared.target)?;
        show_preflight(&prepared.preflight)?;
        tell!("Then: {}", prepared.controller_note)?;
        if args.dry_run {
            super::output::json(&prepared.dry_run)?;
            return Ok(());
        }
        if args.yes && t.confirm_pod.is_none() {
            return Err(Error::input(Code::InvalidArgument, "terminating is destructive: with --yes, also type the pod's name with --confirm-pod NAME").into());
        }
        confirm(&format!("Terminate pod {}? Type its name ({}):", prepared.target.label(), prepared.target.name), &prepared.target.name, args.yes, t.confirm_pod.as_deref())?;
        let row = terminate::terminate(&conn, &access, clock, &actor, &req, &prepared).await?;
        print_action(&row, args.json)
    })
}

fn recorded(case: &Case, id: &str) -> anyhow::Result<ActionRow> {
    Ok(record::get(case, id)?)
}

/// Connects to the context the action used, refusing another server.
async fn connect_for(args: &ConnectArgs, row: &ActionRow) -> anyhow::Result<cluster::Connection> {
    let conn = cluster::connect(&args.options(Some(&row.context))).await?;
    if conn.context.server != row.server {
        return Err(Error::input(
            Code::InvalidArgument,
            format!("{} was done on {} but context {} points at {}: nothing done", row.id, row.server, conn.context.name, conn.context.server),
        )
        .into());
    }
    Ok(conn)
}

pub fn release(case: Case, clock: &dyn Clock, args: ActionArgs) -> anyhow::Result<()> {
    let row = recorded(&case, &args.action)?;
    let reason = args.reason.clone().unwrap_or_default();
    let actor = actor(&args.actor);
    let access = Mutex::new(case);
    cluster::block_on(async {
        let conn = connect_for(&args.connect, &row).await?;
        tell!("Release {}: delete NetworkPolicy {} (UID {}) and remove label {} from pod {}/{} (UID {})",
            row.id, row.details["policy_name"].as_str().unwrap_or("?"), row.details["created"]["policy_uid"].as_str().unwrap_or("?"),
            row.details["label"].as_str().unwrap_or("?"), row.namespace, row.pod, row.pod_uid)?;
        confirm("Release? Type yes:", "yes", args.yes, None)?;
        let out = isolate::release(&conn, &access, clock, &actor, &args.action, &reason).await?;
        print_action(&out, args.json)
    })
}

pub fn reconcile(case: Case, clock: &dyn Clock, args: ActionArgs) -> anyhow::Result<()> {
    let row = recorded(&case, &args.action)?;
    let actor = actor(&args.actor);
    let access = Mutex::new(case);
    cluster::block_on(async {
        let conn = connect_for(&args.connect, &row).await?;
        let out = isolate::reconcile(&conn, &access, clock, &actor, &args.action).await?;
        print_action(&out, args.json)
    })
}

pub fn restore(case: Case, clock: &dyn Clock, args: ActionArgs) -> anyhow::Result<()> {
    let row = recorded(&case, &args.action)?;
    let actor = actor(&args.actor);
    let access = Mutex::new(case);
    cluster::block_on(async {
        let conn = connect_for(&args.connect, &row).await?;
        confirm("Scale the owner back? Type yes:", "yes", args.yes, None)?;
        let out = terminate::restore(&conn, &access, clock, &actor, &args.action).await?;
        print_action(&out, args.json)
    })
}

pub fn actions(case: &Case, args: ActionsArgs) -> anyhow::Result<()> {
    let inc = args.incident.as_deref().map(|i| incident::resolve(case, i)).transpose()?;
    let rows = record::list(case, inc)?;
    print_rows(&rows, args.json, &["ACTION", "KIND", "STATE", "POD", "UID", "BY", "UPDATED", "INCIDENT"], |r| {
        cells![r.id, r.kind, r.state, format!("{}/{}", r.namespace, r.pod), r.pod_uid, r.actor, r.updated, r.incident.clone().unwrap_or_default()]
    })?;
    // What responders outside Kordon did (Falco Talon): after Kordon's own,
    // as JSON lines with `done_outside: true`, or a table of their own.
    let external = incident::external::list(case, inc)?;
    if external.is_empty() {
        return Ok(());
    }
    if !args.json {
        super::output::block(super::output::Stream::Out, "\nDone outside Kordon:\n")?;
    }
    print_rows(&external, args.json, &["EVENT", "BY", "ACTIONNER", "STATUS", "POD", "TIME", "WHAT"], |a| {
        let what = match &a.error {
            Some(e) => format!("{}: {}", a.what, e),
            None => a.what.clone(),
        };
        cells![a.id, a.by, a.actionner.clone().unwrap_or_default(), a.status.clone().unwrap_or_default(), a.pod.clone().unwrap_or_default(), a.time.clone().unwrap_or_default(), what]
    })
}

#[derive(Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Only this namespace (repeatable; cluster-scoped kinds are always captured).
    #[arg(long = "namespace")]
    namespaces: Vec<String>,
    /// Capture ConfigMap data too (default: metadata only). Secret values are never captured.
    #[arg(long)]
    configmap_data: bool,
    /// Also capture the logs (current and previous, each capped at 4 MiB) of
    /// every container of this pod (repeatable).
    #[arg(long = "logs", value_name = "NAMESPACE/POD")]
    logs: Vec<String>,
    /// The bundle to write.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    #[arg(long)]
    json: bool,
}

/// `kordon snapshot`: a live cluster into a Kordon bundle (needs no case).
pub fn snapshot(args: SnapshotArgs) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = super::import::ctrlc_hook(move || {
        flag.store(true, Ordering::SeqCst);
        "cancelling the capture …"
    });
    let opts = kordon::cluster::snapshot::SnapshotOptions {
        connect: args.connect.options(None),
        namespaces: args.namespaces.clone(),
        configmap_data: args.configmap_data,
        logs: args.logs.clone(),
    };
    let bar = (std::io::stderr().is_terminal() && !args.json).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    let clock = kordon::clock::from_env();
    let report = kordon::cluster::snapshot::capture(&opts, &args.output, clock.as_ref(), &cancel, &mut |s| {
        if let Some(b) = &bar {
            let doing = if s.kind == "logs" { "reading logs".to_string() } else { format!("listing {}", s.kind) };
            b.set_message(format!("{} objects · {}/{} kinds · {}", s.objects, s.kinds_done, s.kinds_total, doing));
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let report = report?;
    if args.json {
        super::output::json(&report)?;
        return Ok(());
    }
    say!("{}: {} objects from {} ({}) as {}, Kubernetes {}", report.path, report.objects, report.context, report.server, report.caller, report.kubernetes_version)?;
    for k in &report.kinds {
        match &k.error {
            Some(e) => say!("  {:<34} {:>6}  {}", k.kind, k.items, e)?,
            None => say!("  {:<34} {:>6}", k.kind, k.items)?,
        }
    }
    for l in &report.logs {
        let what = if l.previous { "previous log" } else { "log" };
        match &l.error {
            Some(e) => say!("  {} {} {}: {}", l.pod, l.container, what, e)?,
            None => say!("  {} {} {}: {} bytes{}", l.pod, l.container, what, l.bytes, if l.truncated { " (capped)" } else { "" })?,
        }
    }
    say!("Secrets: metadata only. Import it with: kordon import {}", report.path)?;
    Ok(())
}
