//! JSON read with every object's keys distinct.
//!
//! JSON leaves the meaning of an object with a key twice to its reader, and
//! readers disagree: serde_json lets the last one win, others the first. A
//! record with a key twice therefore says one thing to one reader and
//! another to the next — to the tool that wrote it, to Kordon's pairing
//! peek (which stops at the first `auditID`), to the parse (which took the
//! last), to whoever reads the raw record later. A Falco alert with `rule`
//! and `priority` twice was stored as the benign one, and an audit record
//! with two `auditID`s merged into another request's event. So every
//! reader of a record refuses a key twice, and the record is kept verbatim
//! as a parse error naming the key and where it is (`kordon errors`; refused
//! under `--strict`): a record is never silently read as one of its
//! meanings.
//!
//! The check is part of the one reading each record gets, not a second
//! pass over it (imports are benchmarked): a `Value` tree is built with
//! [`value`], whose insertion of a key finds the one already there for
//! free; the audit reader's own walk notes each object's keys as it reads
//! them ([`Keys`]); a record that is only checked, not parsed (a losing
//! audit stage), is walked once by [`check`] instead of being skipped.
//! Readers derived with serde (the cloud envelopes' quick readers) refuse a
//! field of theirs twice already, and the record then goes to a `Value`
//! reader, which says why; a key such a reader does not know it skips
//! unread, and that key cannot change the event.
//!
//! serde_json's `Value` reads an object whose key is one of its private
//! markers (`$serde_json::private::RawValue`) as the JSON text the marker
//! holds; [`value`] reads it as the object it is.

use crate::formats::text::Text;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;

/// Parses JSON text into a `Value`, refusing an object with a key twice.
pub fn value(json: &[u8]) -> serde_json::Result<Value> {
    serde_json::from_slice::<Unique>(json).map(|u| u.0)
}

/// [`value`] of text.
pub fn value_str(json: &str) -> serde_json::Result<Value> {
    serde_json::from_str::<Unique>(json).map(|u| u.0)
}

/// Checks that `json` is one JSON value, valid UTF-8 throughout, with no
/// object that has a key twice; builds nothing.
pub fn check(json: &[u8]) -> serde_json::Result<()> {
    let text = std::str::from_utf8(json).map_err(|_| de::Error::custom("invalid UTF-8"))?;
    // From text, serde_json checks the UTF-8 once, not string by string.
    serde_json::from_str::<Checked>(text).map(|_| ())
}

/// The error for a key an object has already.
pub fn duplicate<E: de::Error>(key: &str) -> E {
    E::custom(format_args!("duplicate key {:?} in an object", key))
}

/// Keys an object does not have past this many are found at its end, by
/// sorting, rather than each against all before it.
const SCAN: usize = 16;

/// The keys of one object as a reader walks it; refuses one it has already.
#[derive(Default)]
pub struct Keys<'de> {
    seen: SmallVec<[Cow<'de, str>; 8]>,
}

impl<'de> Keys<'de> {
    /// Notes a key; an error names it when the object had it already.
    pub fn insert<E: de::Error>(&mut self, key: Cow<'de, str>) -> Result<(), E> {
        if self.seen.len() < SCAN && self.seen.contains(&key) {
            return Err(duplicate(&key));
        }
        self.seen.push(key);
        Ok(())
    }

    /// At the end of the object: the keys past [`SCAN`] were not checked
    /// one by one.
    pub fn finish<E: de::Error>(mut self) -> Result<(), E> {
        if self.seen.len() <= SCAN {
            return Ok(());
        }
        self.seen.sort_unstable();
        match self.seen.windows(2).find(|w| w[0] == w[1]) {
            Some(w) => Err(duplicate(&w[0])),
            None => Ok(()),
        }
    }
}

/// A `Value` read with distinct keys (see [`value`]); nested values too.
pub struct Unique(pub Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Unique::deserialize(d).map(|u| u.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match obj.entry(key) {
                serde_json::map::Entry::Occupied(o) => return Err(duplicate(o.key())),
                serde_json::map::Entry::Vacant(v) => {
                    v.insert(map.next_value::<Unique>()?.0);
                }
            }
        }
        Ok(Value::Object(obj))
    }
}

/// Any JSON value, walked for its objects' keys and dropped (see [`check`]).
pub struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Checked, D::Error> {
        Checked::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut keys = Keys::default();
        while let Some(Text(key)) = map.next_key()? {
            keys.insert(key)?;
            map.next_value::<Checked>()?;
        }
        keys.finish()?;
        Ok(Checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_twice_anywhere_is_refused_naming_it_and_where() {
        for (json, key) in [
            (r#"{"rule":"a","priority":"Critical","rule":"b"}"#, "rule"),
            (r#"{"a":[{"x":1},{"y":{"z":1,"z":2}}]}"#, "z"),
            (r#"{"k\u0065y":1,"key":2}"#, "key"),
        ] {
            let e = value(json.as_bytes()).unwrap_err().to_string();
            assert!(e.starts_with(&format!("duplicate key {:?} in an object at line 1 column", key)), "{}: {}", json, e);
            assert_eq!(check(json.as_bytes()).unwrap_err().to_string(), e, "{}", json);
        }
        // Past the keys checked one by one, the end of the object finds it.
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":{}", i, i)).collect();
        let json = format!("{{{},\"k3\":0}}", many.join(","));
        assert!(value(json.as_bytes()).unwrap_err().to_string().contains("\"k3\""));
        assert!(check(json.as_bytes()).unwrap_err().to_string().contains("\"k3\""));
    }

    #[test]
    fn distinct_keys_read_as_serde_json_reads_them() {
        for json in [
            r#"{"a":1,"b":[true,null,-2,1.5,"s\n",{"a":{}}],"c":{"d":"e"},"A":1e400}"#,
            "[]",
            "\"x\"",
            r#"{"$serde_json::private::Number":"1"}"#,
        ] {
            let ours = value(json.as_bytes());
            let theirs = serde_json::from_str::<Value>(json);
            assert_eq!(ours.as_ref().ok(), theirs.as_ref().ok(), "{}", json);
            assert_eq!(ours.is_ok(), check(json.as_bytes()).is_ok(), "{}", json);
        }
        for bad in [&b"{\"a\":1"[..], b"{\"a\":\"\xff\"}", b"{} x", b""] {
            assert!(value(bad).is_err() && check(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_private_marker_key_is_read_as_the_object_it_is() {
        let json = r#"{"verb":{"$serde_json::private::RawValue":"\"watch\""}}"#;
        assert_eq!(value(json.as_bytes()).unwrap()["verb"]["$serde_json::private::RawValue"], "\"watch\"");
    }
}
