//! A kubeconfig read as `kordon cluster contexts`, `isolate` and the app
//! read it, up to the point where Kordon would connect.
//!
//! Input: the kubeconfig's bytes. What must hold: no context whose
//! credentials come from a command (an exec plugin, an auth provider's
//! `cmd-path`) is accepted without trust, judged on the kubeconfig as the
//! kube client reads it; and no credential in the file shows in what Kordon
//! says of it — its messages and its descriptions of the contexts.

use kordon::cluster::connect::{resolve, ConnectOptions};
use kordon::cluster::kubeconfig;

/// Contexts tried by name, beyond the current one.
const CONTEXTS: usize = 8;

pub fn run(data: &[u8]) {
    let path = crate::scratch().join("kubeconfig");
    std::fs::write(&path, data).expect("the kubeconfig written");
    let secrets = secrets(data);
    let opts = ConnectOptions { kubeconfig: Some(path.clone()), context: None, trust_exec: false };
    let mut names = vec![None];
    match kubeconfig::load(Some(&path)) {
        Ok((kc, files)) => {
            let all = kubeconfig::contexts(&kc, &files);
            shown(&secrets, &format!("{all:?}"));
            names.extend(all.into_iter().take(CONTEXTS).map(|c| Some(c.name)));
        }
        Err(e) => shown(&secrets, &e.to_string()),
    }
    for name in names {
        match resolve(&ConnectOptions { context: name, ..opts.clone() }) {
            Ok((kc, ctx)) => {
                assert!(!runs_command(&kc, &ctx.name), "context '{}' runs a command and was accepted untrusted", ctx.name);
                shown(&secrets, &format!("{ctx:?}"));
            }
            Err(e) => shown(&secrets, &e.to_string()),
        }
    }
    std::fs::remove_file(&path).expect("the kubeconfig removed");
}

/// Whether the kube client would run a program for this context's
/// credentials, read from its own parse of the file.
fn runs_command(kc: &kube::config::Kubeconfig, context: &str) -> bool {
    let Some(user) = kc.contexts.iter().find(|c| c.name == context).and_then(|c| c.context.as_ref()).and_then(|c| c.user.clone())
    else {
        return false;
    };
    let Some(auth) = kc.auth_infos.iter().find(|a| a.name == user).and_then(|a| a.auth_info.as_ref()) else {
        return false;
    };
    auth.exec.is_some() || auth.auth_provider.as_ref().is_some_and(|p| p.config.contains_key("cmd-path"))
}

/// Keys whose value is a credential.
const SECRET_KEYS: &[&str] =
    &["token", "password", "client-key-data", "id-token", "refresh-token", "access-token", "client-secret", "value"];

/// The credentials in the file: the values of [`SECRET_KEYS`] wherever
/// the YAML puts them, or, in a file that does not parse, on `key: value`
/// lines. Only values that are plainly credentials count: eight or more
/// characters of a token's alphabet, found nowhere else in the file (a
/// value that is also a name or a server is shown as that).
fn secrets(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut found = Vec::new();
    match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&text) {
        Ok(doc) => walk(&doc, &mut found),
        Err(_) => {
            for line in text.lines() {
                let line = line.trim_start().trim_start_matches("- ");
                if let Some((key, value)) = line.split_once(':') {
                    if SECRET_KEYS.contains(&key.trim()) {
                        found.push(value.trim().trim_matches(|c| c == '"' || c == '\'').to_string());
                    }
                }
            }
        }
    }
    found.retain(|v| {
        v.len() >= 8 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=._-".contains(&b)) && text.matches(v.as_str()).count() == 1
    });
    found
}

fn walk(v: &serde_yaml_ng::Value, found: &mut Vec<String>) {
    match v {
        serde_yaml_ng::Value::Mapping(m) => {
            for (k, v) in m {
                match (k.as_str(), v.as_str()) {
                    (Some(k), Some(s)) if SECRET_KEYS.contains(&k) => found.push(s.to_string()),
                    _ => walk(v, found),
                }
            }
        }
        serde_yaml_ng::Value::Sequence(items) => items.iter().for_each(|i| walk(i, found)),
        serde_yaml_ng::Value::Tagged(t) => walk(&t.value, found),
        _ => {}
    }
}

fn shown(secrets: &[String], said: &str) {
    for s in secrets {
        assert!(!said.contains(s.as_str()), "a credential from the kubeconfig is shown: {said}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credentials_checked_are_the_plain_ones_found_once() {
        let kc = b"users:\n- name: a\n  user:\n    token: abcdef0123456789\n    password: 'Sup3rSecretPass'\n- name: b\n  user: {token: short}\n- name: c\n  user:\n    token: clustername1\ncontexts:\n- name: clustername1\n";
        assert_eq!(secrets(kc), ["abcdef0123456789", "Sup3rSecretPass"]);
        // Inside another value (a quoted server spread over lines), a
        // `key: value` line is not a credential.
        let quoted = b"clusters:\n- name: a\n  cluster: {server: 'https://h:1\n    client-key-data: LS0tLS1CRUdJTiBF\n  '}\n";
        assert!(secrets(quoted).is_empty());
        // A file that does not parse is read line by line.
        assert_eq!(secrets(b"users:\n- name: u\n  user:\n    token: abcdef0123456789\n    client-key-data: [oops\n"), ["abcdef0123456789"]);
        shown(&secrets(kc), "context 'clustername1': no server");
        let leaked = std::panic::catch_unwind(|| shown(&secrets(kc), "line 4: token: abcdef0123456789"));
        assert!(leaked.is_err(), "a credential in a message is caught");
    }

    #[test]
    fn a_command_is_told_from_the_kube_clients_own_reading() {
        let read = |yaml: &str| kube::config::Kubeconfig::from_yaml(yaml).unwrap();
        let exec = read("contexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}}]\n");
        assert!(runs_command(&exec, "c"));
        let gcp = read("contexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {auth-provider: {name: gcp, config: {cmd-path: /bin/gcloud}}}}]\n");
        assert!(runs_command(&gcp, "c"));
        let token = read("contexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {token: t}}]\n");
        assert!(!runs_command(&token, "c"));
    }
}
