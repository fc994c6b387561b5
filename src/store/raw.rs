//! Raw records, stored compressed and given back byte-exact.
//!
//! A case keeps every raw record, so on a large import the raw bytes are most
//! of what is written, and writing is what an import waits on. One record
//! (a log line) compresses poorly alone, but records of one file are very
//! alike: a zstd dictionary trained on the file's first records and stored in
//! the case (`raw_dicts`) makes each record several times smaller while it
//! stays individually readable.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

/// Records sampled from the start of a file to train its dictionary.
pub const TRAIN_RECORDS: usize = 2000;
/// Training costs in proportion to the bytes sampled: capped, so that
/// records in a cloud envelope (half as large again as bare audit lines)
/// cost no more to learn from. The dictionary learnt is as good: an AKS
/// export's case grew by 0.2 % against a 4 MiB cap.
pub const TRAIN_BYTES: usize = 2 << 20;
/// Fewer samples than this and the file is stored as is.
pub const MIN_TRAIN_RECORDS: usize = 200;
const DICT_BYTES: usize = 64 * 1024;
const LEVEL: i32 = 1;

/// Trains a dictionary; `None` when the samples do not support one.
pub fn train(samples: &[Vec<u8>]) -> Option<Vec<u8>> {
    if samples.len() < MIN_TRAIN_RECORDS {
        return None;
    }
    zstd::dict::from_samples(samples, DICT_BYTES).ok()
}

pub struct Encoder {
    compressor: zstd::bulk::Compressor<'static>,
    /// Room for the worst case of one record, reused.
    scratch: Vec<u8>,
}

impl Encoder {
    pub fn new(dict: &[u8]) -> std::io::Result<Encoder> {
        Ok(Encoder { compressor: zstd::bulk::Compressor::with_dictionary(LEVEL, dict)?, scratch: Vec::new() })
    }

    /// The record compressed, in a buffer of its exact size: records wait in
    /// the import's queue by the thousand, and a buffer sized for the worst
    /// case would hold about ten times the bytes.
    pub fn compress(&mut self, raw: &[u8]) -> std::io::Result<Vec<u8>> {
        self.scratch.clear();
        self.scratch.reserve(zstd::zstd_safe::compress_bound(raw.len()));
        self.compressor.compress_to_buffer(raw, &mut self.scratch)?;
        Ok(self.scratch.as_slice().to_vec())
    }
}

/// Decompresses raw records, caching a decompressor per dictionary: `verify`
/// decompresses every record of a case, and a context built per record
/// cost more than the decompression itself.
pub struct Decoder<'c> {
    conn: &'c Connection,
    dicts: HashMap<i64, Loaded>,
}

/// A dictionary, ready: the bulk decompressor for records that say their
/// size (all that Kordon writes), the prepared dictionary for any other.
struct Loaded {
    bulk: zstd::bulk::Decompressor<'static>,
    prepared: zstd::dict::DecoderDictionary<'static>,
}

/// A record that says it is larger than this is read as a stream, not
/// into a buffer of the size it claims.
const BULK_LIMIT: u64 = 64 << 20;

impl<'c> Decoder<'c> {
    pub fn new(conn: &'c Connection) -> Decoder<'c> {
        Decoder { conn, dicts: HashMap::new() }
    }

    /// The exact raw bytes of a stored record.
    pub fn decode(&mut self, dict: Option<i64>, stored: &[u8]) -> Result<Vec<u8>> {
        let Some(id) = dict else { return Ok(stored.to_vec()) };
        let failed = |e| crate::error::Error::io("decompressing a raw record", e);
        if !self.dicts.contains_key(&id) {
            let bytes: Option<Vec<u8>> =
                self.conn.query_row("SELECT dict FROM raw_dicts WHERE id = ?1", [id], |r| r.get(0)).optional()?;
            let bytes = bytes.ok_or_else(|| {
                crate::error::Error::input(crate::error::Code::BadCase, format!("raw dictionary {} is missing from the case", id))
            })?;
            let bulk = zstd::bulk::Decompressor::with_dictionary(&bytes).map_err(failed)?;
            self.dicts.insert(id, Loaded { bulk, prepared: zstd::dict::DecoderDictionary::copy(&bytes) });
        }
        let loaded = self.dicts.get_mut(&id).expect("loaded above");
        if let Ok(Some(size)) = zstd::zstd_safe::get_frame_content_size(stored) {
            if size <= BULK_LIMIT {
                // A frame that lies about its size goes the stream's way,
                // which says what is wrong with it.
                if let Ok(out) = loaded.bulk.decompress(stored, size as usize) {
                    if out.len() as u64 == size {
                        return Ok(out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut decoder = zstd::stream::read::Decoder::with_prepared_dictionary(stored, &loaded.prepared).map_err(failed)?;
        std::io::copy(&mut decoder, &mut out).map_err(failed)?;
        Ok(out)
    }
}
