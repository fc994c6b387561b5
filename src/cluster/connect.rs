//! Connecting: the chosen context's client, who the cluster says we are
//! (SelfSubjectReview) and its version. Nothing a kubeconfig names runs
//! (an exec plugin, a `gcp` auth provider's `cmd-path`) until the
//! investigator has trusted its command line.

use super::errors::cluster_error;
use super::kubeconfig::{self, ContextInfo};
use super::redact;
use crate::error::{Code, Error, Result};
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};
use kube::config::{Config, KubeConfigOptions};
use kube::Client;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// The investigator has seen the command getting the credentials runs
    /// (an exec plugin, an auth provider's `cmd-path`) and trusts it.
    pub trust_exec: bool,
}

/// Who the cluster says the caller is.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Identity {
    pub username: String,
    pub groups: Vec<String>,
}

#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub context: ContextInfo,
    pub identity: Identity,
    /// `v1.31.2`
    pub version: String,
    pub minor: u32,
}

/// What the front ends show of a connection (no credentials).
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionInfo {
    pub context: ContextInfo,
    pub identity: Identity,
    pub version: String,
}

impl Connection {
    pub fn info(&self) -> ConnectionInfo {
        ConnectionInfo { context: self.context.clone(), identity: self.identity.clone(), version: self.version.clone() }
    }
}

/// The context that `opts` designates, described; refuses one whose
/// credentials come from a command the investigator has not trusted.
pub fn resolve(opts: &ConnectOptions) -> Result<(kube::config::Kubeconfig, ContextInfo)> {
    let (kc, files) = kubeconfig::load(opts.kubeconfig.as_deref())?;
    let ctx = kubeconfig::context(&kc, &files, opts.context.as_deref())?;
    if let (Some(command), false) = (&ctx.command, opts.trust_exec) {
        return Err(Error::input(
            Code::ExecUntrusted,
            format!(
                "context '{}' gets its credentials by running a command: {} — Kordon runs it only once you trust it (--trust-exec)",
                ctx.name, command
            ),
        ));
    }
    Ok((kc, ctx))
}

pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let (kc, ctx) = resolve(opts)?;
    let options = KubeConfigOptions { context: Some(ctx.name.clone()), cluster: None, user: None };
    let mut config = Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|e| Error::input(Code::InvalidArgument, format!("context '{}': {}", ctx.name, redact::message(&e.to_string()))))?;
    config.connect_timeout = Some(Duration::from_secs(10));
    config.read_timeout = Some(Duration::from_secs(30));
    config.write_timeout = Some(Duration::from_secs(30));
    let client = Client::try_from(config)
        .map_err(|e| Error::input(Code::ClusterUnreachable, format!("context '{}': {}", ctx.name, redact::message(&e.to_string()))))?;
    let info = client.apiserver_version().await.map_err(|e| cluster_error(&format!("reaching {}", ctx.server), e))?;
    let minor: u32 = info.minor.trim_end_matches('+').parse().unwrap_or(0);
    let identity = whoami(&client).await?;
    Ok(Connection { client, context: ctx, identity, version: info.git_version, minor })
}

async fn whoami(client: &Client) -> Result<Identity> {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = api
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .map_err(|e| cluster_error("asking the cluster who we are (SelfSubjectReview)", e))?;
    let user = review.status.and_then(|s| s.user_info).unwrap_or_default();
    Ok(Identity { username: user.username.unwrap_or_default(), groups: user.groups.unwrap_or_default() })
}
