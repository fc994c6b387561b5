//! Caps that keep hostile input from exhausting memory or disk, and the
//! readers that enforce them while streaming.
//!
//! Declared sizes in a zip can lie, so caps are enforced on the bytes that
//! actually come out of each decompressor, not only on the headers.

use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Total bytes after decompression across one import.
    pub max_total_bytes: u64,
    /// Bytes out per byte in, for each decompression stage (zip entry, gzip).
    pub max_ratio: u64,
    /// Below this many bytes out, the ratio is not checked (tiny files
    /// compress absurdly well and are harmless).
    pub ratio_floor: u64,
    /// Longest record: a line of a line-framed file, a document that is
    /// one record, an item of a container, a YAML document.
    pub max_record_bytes: usize,
    /// Largest whole-document file (`List`, `{"value": […]}`), read in one go.
    pub max_document_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_total_bytes: 64 << 30,
            max_ratio: 200,
            ratio_floor: 8 << 20,
            max_record_bytes: 16 << 20,
            max_document_bytes: 1 << 30,
        }
    }
}

/// Why a guarded reader stopped; carried inside an `io::Error` so it crosses
/// the decompressors and is turned back into a precise message by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    Ratio { out: u64, inp: u64, max: u64 },
    Total { max: u64 },
    Declared { declared: u64 },
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Breach::Ratio { out, inp, max } => write!(
                f,
                "inflates {} bytes from {} (ratio over {}:1): refused as a likely zip bomb",
                out, inp, max
            ),
            Breach::Total { max } => {
                write!(f, "the import inflates to more than {} bytes in all: refused as a likely zip bomb", max)
            }
            Breach::Declared { declared } => write!(
                f,
                "inflates to more than the {} bytes its header declares: refused as a likely zip bomb",
                declared
            ),
        }
    }
}

impl std::error::Error for Breach {}

pub fn breach_of(e: &io::Error) -> Option<&Breach> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Breach>())
}

/// Hashes and counts everything read through it: the SHA-256 of a file is
/// computed as it streams, with no second pass. The state is shared with a
/// [`HashHandle`] so the result can be read after the reader has been moved
/// into a decompressor chain.
pub struct Hashing<R> {
    inner: R,
    state: Rc<RefCell<(Sha256, u64)>>,
}

pub struct HashHandle {
    state: Rc<RefCell<(Sha256, u64)>>,
}

impl HashHandle {
    /// Bytes hashed so far.
    pub fn count(&self) -> u64 {
        self.state.borrow().1
    }

    /// (SHA-256 hex, size) of everything read; call once the reader is drained.
    pub fn finish(&self) -> (String, u64) {
        let s = self.state.borrow();
        (hex::encode(s.0.clone().finalize()), s.1)
    }
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> (Hashing<R>, HashHandle) {
        let state = Rc::new(RefCell::new((Sha256::new(), 0)));
        (Hashing { inner, state: state.clone() }, HashHandle { state })
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.state.borrow_mut();
        s.0.update(&buf[..n]);
        s.1 += n as u64;
        Ok(n)
    }
}

/// Sits on a decompressor's output and stops it when it inflates beyond the
/// ratio cap (compared with `input`, the compressed bytes consumed), beyond a
/// declared size, or beyond the import's total cap (`total`, shared).
pub struct Guard<R> {
    inner: R,
    out: u64,
    input: Rc<dyn Fn() -> u64>,
    input_size: Option<u64>,
    declared: Option<u64>,
    total: Rc<Cell<u64>>,
    limits: Limits,
}

impl<R: Read> Guard<R> {
    /// `input_size`, when known (a zip entry's compressed size), is used in
    /// place of the running count, which decompressors read ahead of.
    pub fn new(
        inner: R,
        input: Rc<dyn Fn() -> u64>,
        input_size: Option<u64>,
        declared: Option<u64>,
        total: Rc<Cell<u64>>,
        limits: &Limits,
    ) -> Guard<R> {
        Guard { inner, out: 0, input, input_size, declared, total, limits: limits.clone() }
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        self.total.set(self.total.get() + n as u64);
        let inp = self.input_size.unwrap_or_else(|| (self.input)()).max(1);
        let breach = if self.total.get() > self.limits.max_total_bytes {
            Some(Breach::Total { max: self.limits.max_total_bytes })
        } else if self.declared.is_some_and(|d| self.out > d) {
            Some(Breach::Declared { declared: self.declared.unwrap_or(0) })
        } else if self.out > self.limits.ratio_floor && self.out / inp > self.limits.max_ratio {
            Some(Breach::Ratio { out: self.out, inp, max: self.limits.max_ratio })
        } else {
            None
        };
        match breach {
            Some(b) => Err(io::Error::other(b)),
            None => Ok(n),
        }
    }
}
