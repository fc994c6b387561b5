//! A JSON string read without a copy when it can be.
//!
//! serde borrows a `Cow<str>` field marked `borrow`, but not one inside an
//! `Option`: an optional member (a resource id, a stream name) was copied
//! on every record, and the quick readers of the cloud envelopes read
//! several on each. [`Text`] borrows whenever the string has no escapes.

use serde::{Deserialize, Deserializer};
use std::borrow::Cow;

/// A string member: borrowed from the record when it has no escapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Member<'a> {
        #[serde(borrow, default)]
        v: Option<Text<'a>>,
    }

    #[test]
    fn plain_strings_are_borrowed_escaped_ones_decoded() {
        let m: Member = serde_json::from_str(r#"{"v": "plain"}"#).unwrap();
        assert!(matches!(m.v, Some(Text(Cow::Borrowed("plain")))));
        let m: Member = serde_json::from_str(r#"{"v": "a\"b"}"#).unwrap();
        assert_eq!(m.v.as_deref(), Some("a\"b"));
        assert!(matches!(m.v, Some(Text(Cow::Owned(_)))));
        let m: Member = serde_json::from_str(r#"{}"#).unwrap();
        assert!(m.v.is_none());
        assert!(serde_json::from_str::<Member>(r#"{"v": 1}"#).is_err());
    }
}
