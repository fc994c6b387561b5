//! Finding and reading kubeconfigs, and describing their contexts without
//! their secrets: the investigator sees each context's server, user,
//! namespace and how the user authenticates — and, when getting the
//! credentials runs a program (an exec plugin, or the `cmd-path` of a `gcp`
//! auth provider), the command Kordon would run, before it runs.

use super::redact;
use crate::error::{Code, Error, Result};
use kube::config::Kubeconfig;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How a context's user authenticates. Never carries a secret: credential
/// arguments and environment values are hidden ([`redact`]).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Auth {
    Token,
    TokenFile { path: String },
    ClientCertificate,
    Basic,
    /// A command that prints credentials (`kubelogin`, `aws eks get-token` …);
    /// `env` as `NAME=<hidden>`.
    Exec { command: String, args: Vec<String>, env: Vec<String> },
    /// A legacy auth provider (gcp, azure, oidc); `command` is what its
    /// `cmd-path` and `cmd-args` run (the `gcp` provider runs it for a token).
    AuthProvider { name: String, command: Option<String> },
    None,
}

impl Auth {
    /// The command line getting the credentials runs, as the investigator
    /// reads it; `None` when nothing runs.
    pub fn command_line(&self) -> Option<String> {
        match self {
            Auth::Exec { command, args, env } => {
                let mut parts: Vec<String> = env.clone();
                parts.push(command.clone());
                parts.extend(args.iter().map(|a| if a.contains(' ') { format!("'{}'", a) } else { a.clone() }));
                Some(parts.join(" "))
            }
            Auth::AuthProvider { command, .. } => command.clone(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ContextInfo {
    pub name: String,
    pub cluster: String,
    pub server: String,
    pub user: String,
    pub namespace: Option<String>,
    pub current: bool,
    pub auth: Auth,
    /// The command getting the credentials runs ([`Auth::command_line`]):
    /// Kordon runs it only once the investigator trusts it.
    pub command: Option<String>,
    /// The kubeconfig files read.
    pub files: Vec<String>,
}

/// The kubeconfig files to read: the one given, else each of `$KUBECONFIG`'s
/// paths that exists, else `~/.kube/config`.
pub fn locate(explicit: Option<&Path>) -> Result<Vec<PathBuf>> {
    if let Some(p) = explicit {
        if !p.is_file() {
            return Err(Error::input(Code::NotFound, format!("{}: no such kubeconfig", p.display())));
        }
        return Ok(vec![p.to_path_buf()]);
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let found: Vec<PathBuf> = std::env::split_paths(&list).filter(|p| p.is_file()).collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    let home = directories::BaseDirs::new().map(|b| b.home_dir().join(".kube").join("config"));
    match home {
        Some(p) if p.is_file() => Ok(vec![p]),
        _ => Err(Error::input(
            Code::NotFound,
            "no kubeconfig: give one with --kubeconfig, or set KUBECONFIG, or create ~/.kube/config",
        )),
    }
}

/// Reads (and merges, like kubectl) the kubeconfig files.
pub fn load(explicit: Option<&Path>) -> Result<(Kubeconfig, Vec<PathBuf>)> {
    let files = locate(explicit)?;
    let mut merged: Option<Kubeconfig> = None;
    for f in &files {
        refuse_cut_utf16(f)?;
        let kc = Kubeconfig::read_from(f).map_err(|e| {
            Error::input(Code::InvalidArgument, format!("{}: not a readable kubeconfig: {}", f.display(), redact::message(&e.to_string())))
        })?;
        merged = Some(match merged {
            None => kc,
            Some(m) => m
                .merge(kc)
                .map_err(|e| Error::input(Code::InvalidArgument, format!("{}: cannot merge: {}", f.display(), redact::message(&e.to_string()))))?,
        });
    }
    Ok((merged.expect("at least one file"), files))
}

/// A kubeconfig that says it is UTF-16 (a Windows editor's byte-order
/// mark) but ends in half a character. kube 5.0 reads such a file by
/// indexing past its end and panics, which takes the app down with it;
/// found by fuzzing (`fuzz/regressions/kubeconfig/`).
fn refuse_cut_utf16(f: &Path) -> Result<()> {
    let bytes = std::fs::read(f).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
    if matches!(bytes.as_slice(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) && bytes.len() % 2 == 1 {
        return Err(Error::input(
            Code::InvalidArgument,
            format!("{}: not a readable kubeconfig: UTF-16 text with an odd number of bytes (cut short?)", f.display()),
        ));
    }
    Ok(())
}

fn auth_of(kc: &Kubeconfig, user: &str) -> Auth {
    let Some(info) = kc.auth_infos.iter().find(|a| a.name == user).and_then(|a| a.auth_info.as_ref()) else {
        return Auth::None;
    };
    if let Some(exec) = &info.exec {
        let env = exec.env.iter().flatten().filter_map(|m| Some(redact::env(m.get("name")?))).collect();
        let args = redact::args(exec.args.as_deref().unwrap_or_default());
        return Auth::Exec { command: exec.command.clone().unwrap_or_default(), args, env };
    }
    if let Some(p) = &info.auth_provider {
        // As kube-rs runs it: the arguments split at spaces.
        let command = p.config.get("cmd-path").map(|cmd| {
            let args: Vec<&str> = p.config.get("cmd-args").map(|a| a.split_whitespace().collect()).unwrap_or_default();
            std::iter::once(cmd.clone()).chain(redact::args(&args)).collect::<Vec<_>>().join(" ")
        });
        return Auth::AuthProvider { name: p.name.clone(), command };
    }
    if info.token.is_some() {
        return Auth::Token;
    }
    if let Some(f) = &info.token_file {
        return Auth::TokenFile { path: f.clone() };
    }
    if info.client_certificate.is_some() || info.client_certificate_data.is_some() {
        return Auth::ClientCertificate;
    }
    if info.username.is_some() {
        return Auth::Basic;
    }
    Auth::None
}

/// Every context, the current one marked.
pub fn contexts(kc: &Kubeconfig, files: &[PathBuf]) -> Vec<ContextInfo> {
    kc.contexts
        .iter()
        .map(|c| {
            let ctx = c.context.clone().unwrap_or_default();
            let cluster = ctx.cluster.clone();
            let server = kc
                .clusters
                .iter()
                .find(|k| k.name == cluster)
                .and_then(|k| k.cluster.as_ref())
                .and_then(|k| k.server.clone())
                .unwrap_or_default();
            let user = ctx.user.clone().unwrap_or_default();
            let auth = auth_of(kc, &user);
            ContextInfo {
                name: c.name.clone(),
                command: auth.command_line(),
                auth,
                cluster,
                server: redact::url(&server),
                user,
                namespace: ctx.namespace.clone(),
                current: kc.current_context.as_deref() == Some(c.name.as_str()),
                files: files.iter().map(|f| f.display().to_string()).collect(),
            }
        })
        .collect()
}

/// The named context, or the current one.
pub fn context(kc: &Kubeconfig, files: &[PathBuf], name: Option<&str>) -> Result<ContextInfo> {
    let all = contexts(kc, files);
    let wanted = match name {
        Some(n) => n.to_string(),
        None => kc.current_context.clone().ok_or_else(|| {
            Error::input(Code::InvalidArgument, "the kubeconfig has no current context: choose one with --context")
        })?,
    };
    all.iter().find(|c| c.name == wanted).cloned().ok_or_else(|| {
        Error::input(
            Code::NotFound,
            format!("no context '{}' in the kubeconfig (contexts: {})", wanted, all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")),
        )
    })
}
