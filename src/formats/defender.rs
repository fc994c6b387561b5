//! (being written by a helper; replaced before commit)
use crate::formats::RecordError;
use crate::model::NewEvent;
use serde_json::{Map, Value};
pub fn sniff(_obj: &Map<String, Value>) -> bool { false }
pub fn parse(_raw: &[u8]) -> Result<NewEvent, RecordError> { Err(RecordError::new("unwritten")) }
