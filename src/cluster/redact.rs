//! Keeping a kubeconfig's secrets out of what Kordon prints and stores.
//!
//! A kubeconfig holds credentials in more places than its `token` and key
//! fields: a password in a server URL (`https://admin:pw@host`), values in
//! an exec plugin's environment (`AWS_SECRET_ACCESS_KEY`), a token passed as
//! an argument, and — when the file does not parse — the lines the YAML
//! parser quotes around the error. Everything Kordon shows of a kubeconfig
//! (context listings, messages, the case's action records) goes through
//! here first, so a secret never reaches a terminal, a case or a report.

/// What stands in for a hidden value.
pub const HIDDEN: &str = "<hidden>";

/// A URL without the credentials of its authority (`user:password@`).
pub fn url(s: &str) -> String {
    let Some(scheme_end) = s.find("://").map(|i| i + 3) else {
        return s.to_string();
    };
    let authority_end = s[scheme_end..].find(['/', '?', '#']).map_or(s.len(), |i| scheme_end + i);
    match s[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}{}@{}", &s[..scheme_end], HIDDEN, &s[scheme_end + at + 1..]),
        None => s.to_string(),
    }
}

/// Every URL in a text, without its credentials.
pub fn urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The URL starts at the scheme: the letters before `://`.
        let start = rest[..i].rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c))).map_or(0, |p| p + 1);
        let end = rest[i..].find(|c: char| c.is_whitespace() || "\"'<>`".contains(c)).map_or(rest.len(), |p| i + p);
        out.push_str(&rest[..start]);
        out.push_str(&url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Whether an option's name says its value is a credential.
fn secret_name(name: &str) -> bool {
    let n = name.trim_start_matches('-').to_ascii_lowercase();
    ["token", "password", "passwd", "secret", "credential", "api-key", "apikey", "private-key", "client-key"]
        .iter()
        .any(|s| n.contains(s))
}

/// A command's arguments, with the value of every credential option hidden
/// (`--token X`, `--token=X`, `--client-secret X`).
pub fn args<S: AsRef<str>>(args: &[S]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for a in args.iter().map(AsRef::as_ref) {
        if hide_next {
            out.push(HIDDEN.to_string());
            hide_next = false;
        } else if let Some((name, _)) = a.split_once('=').filter(|(n, _)| n.starts_with('-') && secret_name(n)) {
            out.push(format!("{}={}", name, HIDDEN));
        } else {
            hide_next = a.starts_with('-') && secret_name(a);
            out.push(url(a));
        }
    }
    out
}

/// An environment entry as shown: its name, never its value.
pub fn env(name: &str) -> String {
    format!("{}={}", name, HIDDEN)
}

/// A message about a kubeconfig (a parse error, a client error), safe to
/// show: its first line, with what it quotes of the file hidden. YAML
/// parsers quote the offending value and print the lines around it; the
/// position is what the investigator needs, not the content.
pub fn message(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or_default();
    let mut out = String::with_capacity(first.len());
    let mut quote: Option<char> = None;
    for c in first.chars() {
        match quote {
            Some(q) if c == q => {
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                if matches!(c, '"' | '\'' | '`') {
                    out.push(c);
                    out.push('…');
                    quote = Some(c);
                } else {
                    out.push(c);
                }
            }
        }
    }
    urls_in(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_hidden() {
        assert_eq!(url("https://admin:hunter2@10.0.0.1:6443/api"), "https://<hidden>@10.0.0.1:6443/api");
        assert_eq!(url("https://tok3n@host"), "https://<hidden>@host");
        assert_eq!(url("https://host:6443/path@x"), "https://host:6443/path@x");
        assert_eq!(url("https://10.0.0.1:6443"), "https://10.0.0.1:6443");
        assert_eq!(url("not a url"), "not a url");
        assert_eq!(urls_in("reaching https://a:b@h:1 and http://c@d/x failed"), "reaching https://<hidden>@h:1 and http://<hidden>@d/x failed");
    }

    #[test]
    fn credential_options_are_hidden() {
        let a = args(&["eks", "get-token", "--token", "abc", "--client-secret=s3", "--cluster-name", "prod", "-p", "https://u:pw@h"]);
        assert_eq!(a, ["eks", "get-token", "--token", HIDDEN, "--client-secret=<hidden>", "--cluster-name", "prod", "-p", "https://<hidden>@h"]);
        assert_eq!(args(&["--password"]), ["--password"]);
    }

    #[test]
    fn messages_keep_the_position_not_the_content() {
        let yaml = "failed to parse kubeconfig YAML: error: line 6 column 12: expected string scalar\n --> <input>:6:12\n6 |     token: s3cr3t\n";
        assert_eq!(message(yaml), "failed to parse kubeconfig YAML: error: line 6 column 12: expected string scalar");
        assert_eq!(message("invalid type: string \"s3cr3t\", expected a map"), "invalid type: string \"…\", expected a map");
        assert_eq!(message("unterminated 'abc"), "unterminated '…");
    }
}
