//! Saving the incident graph as the investigator sees it: an SVG document or
//! a PNG picture that the app drew, written where they chose.
//!
//! The webview hands over bytes; the core checks they are what they claim
//! (an SVG document with nothing that runs or loads from elsewhere, a PNG by
//! its signature) before writing them, so that a file named `.svg` or `.png`
//! is only ever that. The file is written beside its final name and renamed
//! into place: an interrupted export leaves no half-written picture.

use crate::error::{Code, Error, Result};
use base64::Engine;
use std::path::{Path, PathBuf};

/// The largest export accepted (a 2,000-node graph's SVG is a few MB).
pub const MAX_EXPORT_BYTES: usize = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    pub fn parse(s: &str) -> Result<ImageFormat> {
        match s {
            "svg" => Ok(ImageFormat::Svg),
            "png" => Ok(ImageFormat::Png),
            other => Err(Error::input(Code::InvalidArgument, format!("'{}' is no export format (svg or png)", other))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// What SVG must never hold: script, event handlers, anything fetched.
const SVG_REFUSED: [&str; 6] = ["<script", "javascript:", " on", "<foreignobject", "href=", "@import"];

/// The bytes to write: an SVG document as text, a PNG as base64 (how a
/// canvas gives it), each checked.
pub fn decode(format: ImageFormat, data: &str) -> Result<Vec<u8>> {
    let bad = |why: &str| Error::input(Code::InvalidArgument, format!("the {} export {}", format.extension(), why));
    match format {
        ImageFormat::Svg => {
            if data.len() > MAX_EXPORT_BYTES {
                return Err(bad("is larger than 64 MiB"));
            }
            let t = data.trim_start();
            if !t.starts_with("<svg") || !data.trim_end().ends_with("</svg>") {
                return Err(bad("is not an SVG document"));
            }
            let lower = data.to_ascii_lowercase();
            if let Some(w) = SVG_REFUSED.iter().find(|w| {
                // " on" only as an attribute name: on…= (onload=, onclick=).
                if **w == " on" {
                    lower.match_indices(" on").any(|(i, _)| {
                        let rest = &lower[i + 3..];
                        let name: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                        !name.is_empty() && rest[name.len()..].trim_start().starts_with('=')
                    })
                } else {
                    lower.contains(**w)
                }
            }) {
                return Err(bad(&format!("holds '{}', which an exported graph never does", w.trim())));
            }
            Ok(data.as_bytes().to_vec())
        }
        ImageFormat::Png => {
            if data.len() > MAX_EXPORT_BYTES / 3 * 4 + 4 {
                return Err(bad("is larger than 64 MiB"));
            }
            let b64 = data.strip_prefix("data:image/png;base64,").unwrap_or(data);
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|e| bad(&format!("is not base64: {}", e)))?;
            if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                return Err(bad("is not a PNG picture"));
            }
            Ok(bytes)
        }
    }
}

/// Writes the checked bytes to `path` (given the format's extension if it
/// has another), through a temporary file renamed into place.
pub fn write(path: &Path, format: ImageFormat, data: &str) -> Result<PathBuf> {
    let bytes = decode(format, data)?;
    let mut path = path.to_path_buf();
    if path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()) != Some(format.extension().into()) {
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "graph".into());
        name.push(".");
        name.push(format.extension());
        path.set_file_name(name);
    }
    super::replace_file(&path, &bytes)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><title>INC-1</title><text>a &lt; b</text></svg>\n";

    #[test]
    fn an_svg_is_written_as_given_and_gets_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        let out = write(&dir.path().join("graph"), ImageFormat::Svg, SVG).unwrap();
        assert_eq!(out, dir.path().join("graph.svg"));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), SVG);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn an_svg_that_could_run_or_fetch_anything_is_refused() {
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg><rect onload=\"x()\"/></svg>",
            "<svg><rect onclick = 'x()'/></svg>",
            "<svg><image href=\"https://example.com/x.png\"/></svg>",
            "<svg><foreignObject><div/></foreignObject></svg>",
            "<html><svg></svg></html>",
            "not svg",
        ] {
            assert!(decode(ImageFormat::Svg, bad).is_err(), "{}", bad);
        }
        // Words that merely start with "on" in text are fine.
        assert!(decode(ImageFormat::Svg, "<svg><text> on node only</text></svg>").is_ok());
    }

    #[test]
    fn a_png_is_decoded_from_base64_and_checked_by_its_signature() {
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), b"rest"].concat();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
        assert_eq!(decode(ImageFormat::Png, &format!("data:image/png;base64,{}", b64)).unwrap(), png);
        assert_eq!(decode(ImageFormat::Png, &b64).unwrap(), png);
        let not_png = base64::engine::general_purpose::STANDARD.encode(b"GIF89a");
        assert!(decode(ImageFormat::Png, &not_png).unwrap_err().to_string().contains("not a PNG"));
        assert!(decode(ImageFormat::Png, "%%%").unwrap_err().to_string().contains("not base64"));
        assert!(ImageFormat::parse("gif").is_err());
    }
}
