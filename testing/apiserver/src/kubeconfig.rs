//! Kubeconfig documents pointing at a running server, written as YAML text.
//!
//! Scalars are emitted as JSON strings, which YAML reads as double-quoted
//! scalars, so any context name or command survives the round trip.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

fn q(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

const CLUSTER: &str = "kordon-test-cluster";

fn document(url: &str, ca_pem: &str, context: &str, namespace: Option<&str>, user_name: &str, user_body: &str) -> String {
    let ns = namespace.map(|n| format!("    namespace: {}\n", q(n))).unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {cluster}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: {user}\n  user:\n{user_body}contexts:\n- name: {ctx}\n  context:\n    cluster: {cluster}\n    user: {user}\n{ns}current-context: {ctx}\npreferences: {{}}\n",
        cluster = q(CLUSTER),
        url = q(url),
        ca = q(&STANDARD.encode(ca_pem)),
        user = q(user_name),
        ctx = q(context),
    )
}

pub(crate) fn with_token(url: &str, ca_pem: &str, token: &str, context: &str, namespace: Option<&str>) -> String {
    document(url, ca_pem, context, namespace, "kordon-test-user", &format!("    token: {}\n", q(token)))
}

pub(crate) fn with_exec(url: &str, ca_pem: &str, token: &str, context: &str, command: &str, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| q(a)).collect();
    let user = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      args: [{}]\n      env:\n      - name: KORDON_TEST_TOKEN\n        value: {}\n      interactiveMode: Never\n      provideClusterInfo: false\n",
        q(command),
        args.join(", "),
        q(token)
    );
    document(url, ca_pem, context, None, "kordon-test-exec-user", &user)
}

/// A user whose legacy auth provider (`gcp`) gets its token by running
/// `cmd-path` with `cmd-args`, as kube-rs does when the provider has no
/// cached token.
pub(crate) fn with_auth_provider(url: &str, ca_pem: &str, context: &str, cmd_path: &str, cmd_args: &str) -> String {
    let user = format!(
        "    auth-provider:\n      name: gcp\n      config:\n        cmd-path: {}\n        cmd-args: {}\n",
        q(cmd_path),
        q(cmd_args)
    );
    document(url, ca_pem, context, None, "kordon-test-gcp-user", &user)
}
