//! The report as PDF, made here (being written).

use super::doc::Document;
use crate::error::{Code, Error, Result};

pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let _ = doc;
    Err(Error::input(Code::InvalidArgument, "PDF reports are not built yet".to_string()))
}
