//! Everything the CLI prints for people goes through here: JSON Lines for
//! scripts, aligned columns and lines of text for people.
//!
//! What is printed comes largely from evidence, and evidence is hostile: a
//! pod or rule name can carry terminal control sequences (see
//! [`kordon::text`]). So this module is the one seam to the standard
//! streams, and it escapes at two levels. Every value placed in a line by
//! [`say!`]/[`tell!`]/[`ask!`] or in a table [`Cell`] is escaped whole,
//! line breaks included, so it cannot start a fake row; and everything
//! written is escaped once more except for its line breaks, which catches
//! a value that slipped in some other way (an argument captured inside a
//! format string). Tables take only [`Cell`]s, which exist only escaped, and
//! a test forbids printing from the CLI's other modules, so new output
//! cannot forget. JSON escapes the C0 controls itself; the CLI's JSON writer
//! also writes the C1 and bidi controls, which JSON leaves raw, as `\uXXXX`
//! (the same JSON value).
//!
//! Listings stream: each row is written as it is read, so memory does not
//! grow with the case (a table's column widths come from its first rows).

use kordon::text::{escape_unsafe, is_unsafe};
use serde::Serialize;
use std::fmt::{self, Display};
use std::io::{self, Write};

/// A value shown on a screen: its text with every control character
/// escaped. Honours width and alignment (`{:<22}`).
pub struct Shown<T>(pub T);

impl<T: Display> Display for Shown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        f.pad(&escape_unsafe(&text, &[]))
    }
}

#[derive(Clone, Copy)]
pub enum Stream {
    Out,
    Err,
}

/// Writes text Kordon composed (a line, a DOT graph, a preview of a change):
/// its line breaks stay, any other control character is escaped.
pub fn block(stream: Stream, text: &str) -> io::Result<()> {
    let text = escape_unsafe(text, &['\n']);
    match stream {
        Stream::Out => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()
        }
        Stream::Err => io::stderr().lock().write_all(text.as_bytes()),
    }
}

/// What the macros call: the values are already wrapped in [`Shown`].
pub fn emit(stream: Stream, args: fmt::Arguments) -> io::Result<()> {
    block(stream, &args.to_string())
}

/// `println!` for people: every argument is shown through [`Shown`].
macro_rules! say {
    () => {
        $crate::cli::output::emit($crate::cli::output::Stream::Out, format_args!("\n"))
    };
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::cli::output::emit(
            $crate::cli::output::Stream::Out,
            format_args!(concat!($fmt, "\n") $(, $crate::cli::output::Shown(&$arg))*),
        )
    };
}

/// `eprintln!` for people (progress notes, errors), escaped as [`say!`].
macro_rules! tell {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::cli::output::emit(
            $crate::cli::output::Stream::Err,
            format_args!(concat!($fmt, "\n") $(, $crate::cli::output::Shown(&$arg))*),
        )
    };
}

/// A prompt on stderr, without a line break.
macro_rules! ask {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::cli::output::emit($crate::cli::output::Stream::Err, format_args!($fmt $(, $crate::cli::output::Shown(&$arg))*))
    };
}

pub(crate) use {ask, say, tell};

/// One table cell. It can only be made escaped, so no table prints raw
/// input.
pub struct Cell(String);

impl Cell {
    pub fn new(value: impl Display) -> Cell {
        Cell(escape_unsafe(&value.to_string(), &[]).into_owned())
    }
}

/// A row of cells from any displayable values: `cells![r.id, r.title]`.
macro_rules! cells {
    ($($v:expr),* $(,)?) => {
        vec![$($crate::cli::output::Cell::new(&$v)),*]
    };
}

pub(crate) use cells;

/// Rows written as they come: JSON Lines (`--json`) or a table.
pub struct Listing<T, F: Fn(&T) -> Vec<Cell>> {
    json: bool,
    cells: F,
    table: Table<Stdout>,
    _row: std::marker::PhantomData<fn(&T)>,
}

impl<T: Serialize, F: Fn(&T) -> Vec<Cell>> Listing<T, F> {
    pub fn new(json: bool, headers: &[&str], cells: F) -> Self {
        Listing { json, cells, table: Table::new(headers, stdout()), _row: std::marker::PhantomData }
    }

    pub fn row(&mut self, row: &T) -> io::Result<()> {
        if self.json {
            write_json(&mut self.table.out, row)?;
            return self.table.out.write_all(b"\n");
        }
        self.table.row((self.cells)(row))
    }

    /// [`Listing::row`] for a query's visitor, which speaks the core's errors.
    pub fn push(&mut self, row: T) -> kordon::error::Result<()> {
        self.row(&row).map_err(|e| kordon::error::Error::io("writing the listing", e))
    }

    pub fn finish(self) -> io::Result<()> {
        if self.json {
            let mut out = self.table.out;
            return out.flush();
        }
        self.table.finish()
    }
}

/// Rows as JSON Lines (`--json`) or as a table with these headers.
pub fn print_rows<T: Serialize>(rows: &[T], json: bool, headers: &[&str], cells: impl Fn(&T) -> Vec<Cell>) -> anyhow::Result<()> {
    let mut listing = Listing::new(json, headers, cells);
    for r in rows {
        listing.row(r)?;
    }
    Ok(listing.finish()?)
}

/// Rows as JSON Lines.
pub fn json_lines<T: Serialize>(rows: &[T]) -> anyhow::Result<()> {
    print_rows(rows, true, &[], |_| Vec::new())
}

/// A value as one JSON object on a line.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    json_lines(std::slice::from_ref(value))
}

/// An aligned table of these rows.
pub fn table(headers: &[&str], rows: Vec<Vec<Cell>>) -> anyhow::Result<()> {
    let mut t = Table::new(headers, stdout());
    for r in rows {
        t.row(r)?;
    }
    Ok(t.finish()?)
}

/// serde_json's compact output, with the characters it leaves raw that a
/// terminal may still obey (C1 controls, bidi controls) written as
/// `\uXXXX`.
struct ScreenSafeJson;

impl serde_json::ser::Formatter for ScreenSafeJson {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_unsafe(*c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            // Every unsafe character is in the Basic Multilingual Plane.
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

fn write_json<T: Serialize>(out: &mut impl Write, value: &T) -> io::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(out, ScreenSafeJson)).map_err(io::Error::from)
}

/// Cells longer than this are cut (except in the last column).
const MAX_CELL: usize = 60;
/// Rows held to size the columns before the table starts streaming; later
/// rows keep those widths (a wider cell only shifts its own row).
const SIZING_ROWS: usize = 1000;

type Stdout = io::BufWriter<io::StdoutLock<'static>>;

fn stdout() -> Stdout {
    io::BufWriter::new(io::stdout().lock())
}

/// Aligned columns, streamed after the first [`SIZING_ROWS`] rows. The last
/// column is free text (titles, file names): never padded nor cut.
struct Table<W: Write> {
    headers: Vec<Cell>,
    out: W,
    held: Vec<Vec<Cell>>,
    widths: Option<Vec<usize>>,
}

impl<W: Write> Table<W> {
    fn new(headers: &[&str], out: W) -> Table<W> {
        Table { headers: headers.iter().map(Cell::new).collect(), out, held: Vec::new(), widths: None }
    }

    fn row(&mut self, mut cells: Vec<Cell>) -> io::Result<()> {
        let last = cells.len().saturating_sub(1);
        for c in &mut cells[..last] {
            cut(c);
        }
        match &self.widths {
            Some(widths) => line(&mut self.out, widths, &cells),
            None => {
                self.held.push(cells);
                if self.held.len() >= SIZING_ROWS {
                    self.start()?;
                }
                Ok(())
            }
        }
    }

    /// Sizes the columns from the held rows and writes them with the header.
    fn start(&mut self) -> io::Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.0.chars().count()).collect();
        for r in &self.held {
            for (i, c) in r.iter().enumerate() {
                if i >= widths.len() {
                    widths.push(0);
                }
                widths[i] = widths[i].max(c.0.chars().count());
            }
        }
        line(&mut self.out, &widths, &self.headers)?;
        for r in std::mem::take(&mut self.held) {
            line(&mut self.out, &widths, &r)?;
        }
        self.widths = Some(widths);
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        if self.widths.is_none() {
            self.start()?;
        }
        self.out.flush()
    }
}

fn cut(cell: &mut Cell) {
    if cell.0.chars().count() > MAX_CELL {
        let mut c: String = cell.0.chars().take(MAX_CELL - 1).collect();
        c.push('…');
        cell.0 = c;
    }
}

fn line(out: &mut impl Write, widths: &[usize], cells: &[Cell]) -> io::Result<()> {
    let last = cells.len().saturating_sub(1);
    for (i, c) in cells.iter().enumerate() {
        if i == last {
            writeln!(out, "{}", c.0)?;
        } else {
            write!(out, "{:w$}  ", c.0, w = widths.get(i).copied().unwrap_or(0))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_values_are_escaped_and_padded() {
        assert_eq!(format!("[{:<8}]", Shown("a\u{1b}b")), "[a\\x1bb  ]");
        assert_eq!(format!("{}", Shown("line\nbreak")), "line\\nbreak");
    }

    #[test]
    fn json_escapes_what_a_terminal_obeys_and_keeps_the_value() {
        let value = serde_json::json!({"pod": "a\u{1b}\u{9b}\u{202e}b"});
        let mut out = Vec::new();
        write_json(&mut out, &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, r#"{"pod":"a\u001b\u009b\u202eb"}"#);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }

    #[test]
    fn a_long_table_streams_after_its_sizing_rows() {
        let mut out = Vec::new();
        let mut t = Table::new(&["N", "NAME"], &mut out);
        for n in 0..SIZING_ROWS + 5 {
            t.row(cells![n, "pod"]).unwrap();
        }
        // Written before the end: only the sizing rows were ever held.
        assert!(t.held.is_empty());
        drop(t);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1 + SIZING_ROWS + 5, "the header and every row so far");
        // Sized by the first rows (up to 999); a wider cell shifts its row only.
        assert_eq!(text.lines().next().unwrap(), "N    NAME");
        assert_eq!(text.lines().last().unwrap(), format!("{}  pod", SIZING_ROWS + 4));
    }

    #[test]
    fn cells_cannot_hold_raw_control_characters() {
        let c = Cell::new("pod\r\u{7}");
        assert_eq!(c.0, "pod\\r\\x07");
    }
}
