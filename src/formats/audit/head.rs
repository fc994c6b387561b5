//! The head of an audit record: what the importer reads of every line to
//! pair the stages of one request ([`peek`]), and the check of the stages
//! it does not parse ([`validate`]).

use super::*;

/// The dedup key and stage rank of a record, read without building the
/// event: the importer pairs the stages of one request first and then parses
/// only the stage whose fields win. Agrees with [`parse`] on every record
/// `parse` accepts.
///
/// It reads only the head of the record: the API server writes `auditID` and
/// `stage` among the first keys, and the rest of the line (most of it) is
/// needed only for a `ResponseStarted` stage, whose rank depends on the verb
/// and subresource. So `Some` does not mean the record is valid JSON: the
/// importer validates every record it does not parse ([`validate`]).
pub fn peek(raw: &[u8]) -> Option<(String, i32)> {
    let mut head = Head::default();
    let mut de = serde_json::Deserializer::from_slice(raw);
    match HeadSeed(&mut head).deserialize(&mut de) {
        Ok(()) => de.end().ok()?,
        // Stopped on purpose once the head was complete (see `Head::known`).
        Err(_) if head.known() => {}
        Err(_) => return None,
    }
    let id = head.audit_id?;
    let long_running = head.verb.as_deref() == Some("watch")
        || head.subresource.as_deref().is_some_and(|s| STREAMING_SUBRESOURCES.contains(&s));
    let mut key = String::with_capacity(DEDUP_PREFIX.len() + id.len());
    key.push_str(DEDUP_PREFIX);
    key.push_str(&id);
    Some((key, stage_rank(head.stage.as_deref(), long_running)))
}

/// Whether a record [`peek`] read the head of is valid JSON and UTF-8 as a
/// whole, with no key twice in an object: what the `Value` parser demands
/// of it. A record that fails is parsed on its own, which reports why (a
/// stage with a second `auditID` past its head is not kept as a stage of
/// the first's request).
pub fn validate(raw: &[u8]) -> bool {
    strict::check(raw).is_ok()
}

/// What [`peek`] reads, as [`parse`] reads it (absent markers and values of
/// another type count as missing).
#[derive(Default)]
struct Head<'a> {
    audit_id: Str<'a>,
    stage: Str<'a>,
    seen_stage: bool,
    verb: Str<'a>,
    seen_verb: bool,
    subresource: Str<'a>,
    seen_object_ref: bool,
}

impl Head<'_> {
    /// Enough is known to rank the record: the rest of it cannot change
    /// the answer (unless a key repeats, which the importer catches when
    /// the winner's full parse disagrees).
    fn known(&self) -> bool {
        self.audit_id.is_some()
            && self.seen_stage
            && (self.stage.as_deref() != Some("ResponseStarted") || (self.seen_verb && self.seen_object_ref))
    }
}

/// Reads a record's head into a [`Head`], stopping with an error as soon as
/// it is [`Head::known`].
struct HeadSeed<'h, 'a>(&'h mut Head<'a>);

impl<'de, 'h> DeserializeSeed<'de> for HeadSeed<'h, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, 'h> Visitor<'de> for HeadSeed<'h, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an audit event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        enum K {
            AuditId,
            Stage,
            Verb,
            ObjectRef,
        }
        let key = |k: &str| match k {
            "auditID" => Some(K::AuditId),
            "stage" => Some(K::Stage),
            "verb" => Some(K::Verb),
            "objectRef" => Some(K::ObjectRef),
            _ => None,
        };
        let head = self.0;
        // A key twice is left to the parse and the check of the whole
        // record, which refuse it: the head is read only to pair.
        while let Some((k, _)) = map.next_key_seed(KeySeed(key))? {
            match k {
                Key::Wanted(K::AuditId) => head.audit_id = value(&mut map)?,
                Key::Wanted(K::Stage) => {
                    head.stage = value(&mut map)?;
                    head.seen_stage = true;
                }
                Key::Wanted(K::Verb) => {
                    head.verb = value(&mut map)?;
                    head.seen_verb = true;
                }
                Key::Wanted(K::ObjectRef) => {
                    head.subresource = value::<SubresourceOf, _>(&mut map)?.0;
                    head.seen_object_ref = true;
                }
                Key::Marker | Key::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
            if head.known() {
                return Err(de::Error::custom("head read"));
            }
        }
        Ok(())
    }
}

/// `objectRef.subresource`, the only part of `objectRef` [`peek`] needs.
#[derive(Default)]
struct SubresourceOf<'a>(Str<'a>);

impl<'de> Tolerant<'de> for SubresourceOf<'de> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let mut out = SubresourceOf(None);
        entries(map, |k| (k == "subresource").then_some(()), |(), m: &mut A| {
            out.0 = value(m)?;
            Ok(())
        })?;
        Ok(out)
    }
}
