//! Printing rows: JSON Lines for scripts, aligned columns for people.

use serde::Serialize;
use std::io::Write;

pub fn json_lines<T: Serialize>(rows: &[T]) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for r in rows {
        serde_json::to_writer(&mut out, r)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Rows as JSON Lines (`--json`) or as a table with these headers.
pub fn print_rows<T: Serialize>(rows: &[T], json: bool, headers: &[&str], cells: impl Fn(&T) -> Vec<String>) -> anyhow::Result<()> {
    if json {
        return json_lines(rows);
    }
    table(headers, &rows.iter().map(cells).collect::<Vec<_>>())
}

/// Aligned columns; the last column is not padded and long cells are cut.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    const MAX: usize = 60;
    let cut = |s: &str| -> String {
        if s.chars().count() > MAX {
            let mut c: String = s.chars().take(MAX - 1).collect();
            c.push('…');
            c
        } else {
            s.to_string()
        }
    };
    // The last column is free text (titles, file names): never cut it.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().enumerate().map(|(i, c)| if i + 1 == r.len() { c.clone() } else { cut(c) }).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let line = |out: &mut dyn Write, cells: &[String]| -> std::io::Result<()> {
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.iter().enumerate() {
            if i == last {
                writeln!(out, "{}", c)?;
            } else {
                write!(out, "{:w$}  ", c, w = widths[i])?;
            }
        }
        Ok(())
    };
    line(&mut out, &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>())?;
    for r in &rows {
        line(&mut out, r)?;
    }
    out.flush()?;
    Ok(())
}
