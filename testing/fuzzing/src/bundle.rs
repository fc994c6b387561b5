//! A zip made of the input's entries, imported into a new case.
//!
//! Input: a byte of flags (bit 0: entries deflated, else stored), then
//! entries separated by [`SEPARATOR`], each its name, a newline, and its
//! content. The zip is well formed, so what the fuzzer explores is what is
//! in it: a bundle's manifest against its entries (hashes, sizes, formats,
//! versions, names listed twice or not at all), entry names (`..`, absolute,
//! control characters, nested zips), and the entries' contents.

use std::io::Write;

pub const SEPARATOR: &[u8] = b"\n\0\0\n";

/// The input for a zip of these entries (the seeds made from the fixtures'
/// zips).
pub fn input(deflated: bool, entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![u8::from(deflated)];
    for (i, (name, content)) in entries.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(SEPARATOR);
        }
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(content);
    }
    out
}

/// The zip this input describes; `None` when the zip writer refuses its
/// entries (a name given twice).
pub fn zip_of(data: &[u8]) -> Option<Vec<u8>> {
    let [flags, rest @ ..] = data else { return None };
    let method = if flags & 1 != 0 { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in split(rest, SEPARATOR) {
        let (name, content) = match entry.iter().position(|b| *b == b'\n') {
            Some(i) => (&entry[..i], &entry[i + 1..]),
            None => (entry, &[][..]),
        };
        zip.start_file(String::from_utf8_lossy(name), options).ok()?;
        zip.write_all(content).ok()?;
    }
    Some(zip.finish().ok()?.into_inner())
}

pub fn run(data: &[u8]) {
    let Some(bytes) = zip_of(data) else { return };
    let path = crate::scratch().join("bundle.zip");
    std::fs::write(&path, bytes).expect("the zip written");
    let mut case = kordon::store::Case::in_memory().expect("a case in memory");
    crate::file::import_checked(&mut case, &path, &crate::file::options(false, false));
    std::fs::remove_file(&path).expect("the zip removed");
}

fn split<'a>(mut data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(i) = data.windows(sep.len()).position(|w| w == sep) {
        parts.push(&data[..i]);
        data = &data[i + sep.len()..];
    }
    parts.push(data);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn an_input_makes_the_zip_of_its_entries() {
        let entries = vec![("manifest.json".to_string(), b"{}".to_vec()), ("a/b.jsonl".to_string(), b"x\ny\n".to_vec())];
        let zip = zip_of(&input(true, &entries)).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut content = Vec::new();
        archive.by_name("a/b.jsonl").unwrap().read_to_end(&mut content).unwrap();
        assert_eq!(content, b"x\ny\n");
        // A name given twice is not a zip the writer makes.
        assert!(zip_of(&input(false, &[entries[0].clone(), entries[0].clone()])).is_none());
    }
}
