//! The SOC's view in words: other tools' incidents next to Kordon's, for
//! `kordon show` and the import summary.

use super::output::say;
use kordon::incident::soc::SocView;
use kordon::store::Case;

/// `kordon show`'s section: each matching SOC incident, and where it
/// differs from Kordon's triage.
pub fn section(views: &[SocView]) -> anyhow::Result<()> {
    let Some(first) = views.first() else { return Ok(()) };
    say!()?;
    say!("SOC view ({}) — the SOC's incident, not Kordon's triage", first.source_name)?;
    for v in views {
        let number = v.number.map(|n| format!("#{} ", n)).unwrap_or_default();
        say!("  {}{} [{}]", number, v.title, v.severity.as_deref().unwrap_or("-"))?;
        say!("    {}", v.summary)?;
        if let Some(c) = &v.classification_comment {
            say!("    Comment: {}", c)?;
        }
        let owner = match (&v.owner, &v.owner_email) {
            (Some(o), Some(e)) if o != e => format!("{} <{}>", o, e),
            (Some(o), _) => o.clone(),
            (None, _) => "unassigned".to_string(),
        };
        say!("    Owner: {} · last modified {}", owner, v.last_modified.as_deref().unwrap_or("-"))?;
        if !v.labels.is_empty() {
            say!("    Labels: {}", v.labels.join(", "))?;
        }
        if !v.alert_products.is_empty() {
            say!("    Alert products: {}", v.alert_products.join(", "))?;
        }
        if let Some(why) = &v.matched {
            say!("    Shown here because {}", why)?;
        }
        for d in &v.differences {
            say!(
                "    Differs from Kordon's triage: {} — SOC {}, Kordon {}",
                d.what,
                d.soc.as_deref().unwrap_or("none"),
                d.kordon.as_deref().unwrap_or("none")
            )?;
        }
        if let Some(url) = &v.incident_url {
            say!("    {} (link not opened by Kordon)", url)?;
        }
    }
    Ok(())
}

/// After an import: the SOC incidents the case holds, by name, so that one
/// no Kordon incident matches is not missed.
pub fn after_import(case: &Case) -> anyhow::Result<()> {
    let views = kordon::incident::soc::all(case)?;
    if views.is_empty() {
        return Ok(());
    }
    say!()?;
    say!("SOC incidents in the case ({}), shown with the Kordon incident each matches by `kordon show`, all listed by `kordon events --kind external-incident`:", views.len())?;
    for v in &views {
        let number = v.number.map(|n| format!("#{} ", n)).unwrap_or_default();
        say!("  {} {}{} — {}", v.source_name, number, v.title, v.summary)?;
    }
    Ok(())
}
