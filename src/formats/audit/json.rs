//! The direct reader: fills a [`Record`] from the JSON text without building
//! a `Value` tree (the fast path of every audit import).

use super::*;

// Every value goes through serde_json's `deserialize_any`, as when it builds
// a `Value`: strings are checked for UTF-8 and escapes, numbers are parsed,
// nesting counts against the recursion limit, a key twice in an object is
// refused (see `formats::strict`). Values the event does not need are parsed
// and dropped (never through `IgnoredAny`, which skips them unchecked). So
// the direct reader accepts exactly the records the `Value` parser accepts
// and reads each value as the `Value` path reads it; what it cannot mirror
// (serde_json's private marker keys) makes it give up, and the record takes
// the `Value` path.

/// Reads a record from JSON text; `None` sends it to the `Value` path (not
/// an object, invalid JSON, a marker key).
pub(super) fn read_record(raw: &[u8]) -> Option<Record<'_>> {
    // Checking UTF-8 once for the whole record lets serde_json skip the check
    // string by string; invalid UTF-8 anywhere is invalid JSON for the
    // `Value` parser too.
    let text = std::str::from_utf8(raw).ok()?;
    let first = text
        .bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
    if first != b'{' {
        return None;
    }
    serde_json::from_str::<Lenient<Record>>(text)
        .ok()
        .map(|r| r.0)
}

/// A type read from any JSON value: the value of the expected type gives the
/// result, any other value gives `Self::default()`, as a missing key would.
pub(super) trait Tolerant<'de>: Default {
    fn from_bool(_: bool) -> Self {
        Self::default()
    }
    fn from_u64(_: u64) -> Self {
        Self::default()
    }
    /// Only negative integers arrive here.
    fn from_i64(_: i64) -> Self {
        Self::default()
    }
    fn from_str(_: &str) -> Self {
        Self::default()
    }
    fn from_borrowed_str(s: &'de str) -> Self {
        Self::from_str(s)
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<Lenient<Ignored>>()?.is_some() {}
        Ok(Self::default())
    }
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        entries(map, |_| None, |(), _: &mut A| Ok(()))?;
        Ok(Self::default())
    }
}

/// `T` as a `Deserialize` type.
struct Lenient<T>(T);

impl<'de, T: Tolerant<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor(PhantomData))
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Tolerant<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_i64(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_u64(v)))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Lenient(T::default()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_str(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_borrowed_str(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_str(&v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Lenient(T::default()))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Lenient(T::default()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Lenient::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::from_seq(seq).map(Lenient)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map).map(Lenient)
    }
}

/// A value parsed and dropped.
#[derive(Default)]
struct Ignored;

impl<'de> Tolerant<'de> for Ignored {}

/// Object keys that serde_json's `Value` parser treats specially when they
/// come first in an object (an embedded raw value or number).
const SERDE_JSON_MARKER: &str = "$serde_json::private::";

/// One object key: a wanted key, or another key.
pub(super) enum Key<K> {
    Wanted(K),
    Marker,
    Other,
}

/// Reads an object key with `F`, which names the wanted keys.
pub(super) struct KeySeed<F>(pub(super) F);

impl<'de, K, F: Fn(&str) -> Option<K>> DeserializeSeed<'de> for KeySeed<F> {
    /// The key as `F` names it, and as written.
    type Value = (Key<K>, Cow<'de, str>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<K, F: Fn(&str) -> Option<K>> KeySeed<F> {
    fn name(&self, key: &str) -> Key<K> {
        match (self.0)(key) {
            Some(k) => Key::Wanted(k),
            None if key.starts_with(SERDE_JSON_MARKER) => Key::Marker,
            None => Key::Other,
        }
    }
}

impl<'de, K, F: Fn(&str) -> Option<K>> Visitor<'de> for KeySeed<F> {
    type Value = (Key<K>, Cow<'de, str>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok((self.name(key), Cow::Borrowed(key)))
    }
    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok((self.name(key), Cow::Owned(key.to_owned())))
    }
}

/// Walks an object's entries: `wanted(k, map)` reads the value of a key for
/// which `key` gives `Some(k)`; the values of other keys are parsed and
/// dropped. A key twice is refused, as by the `Value` path.
pub(super) fn entries<'de, A: MapAccess<'de>, K>(
    mut map: A,
    key: impl Fn(&str) -> Option<K> + Copy,
    mut wanted: impl FnMut(K, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    let mut first = true;
    let mut keys = strict::Keys::default();
    while let Some((k, name)) = map.next_key_seed(KeySeed(key))? {
        keys.insert(name)?;
        match k {
            Key::Marker if first => return Err(de::Error::custom("serde_json marker key")),
            Key::Wanted(k) => wanted(k, &mut map)?,
            Key::Marker | Key::Other => {
                map.next_value::<Lenient<Ignored>>()?;
            }
        }
        first = false;
    }
    keys.finish()
}

pub(super) fn value<'de, T: Tolerant<'de>, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
    Ok(map.next_value::<Lenient<T>>()?.0)
}

/// [`str_of`]: a string that is not an absent marker.
impl<'de> Tolerant<'de> for Str<'de> {
    fn from_str(s: &str) -> Self {
        (!entity::is_absent(s)).then(|| Cow::Owned(s.to_owned()))
    }
    fn from_borrowed_str(s: &'de str) -> Self {
        (!entity::is_absent(s)).then_some(Cow::Borrowed(s))
    }
}

/// [`u64_of`]: a non-negative integer, or a string holding one.
impl<'de> Tolerant<'de> for Option<u64> {
    fn from_u64(n: u64) -> Self {
        Some(n)
    }
    fn from_i64(n: i64) -> Self {
        u64::try_from(n).ok()
    }
    fn from_str(s: &str) -> Self {
        s.trim().parse().ok()
    }
}

/// `true` only for the JSON value `true`.
impl<'de> Tolerant<'de> for bool {
    fn from_bool(b: bool) -> Self {
        b
    }
}

/// The items of an array; no items for any other value.
impl<'de, T: Tolerant<'de>> Tolerant<'de> for Vec<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        while let Some(Lenient(item)) = seq.next_element::<Lenient<T>>()? {
            out.push(item);
        }
        Ok(out)
    }
}

impl<'de> Tolerant<'de> for Groups {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut items = Vec::new();
        while let Some(strict::Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Groups(Some(Value::Array(items))))
    }
}

impl<'de> Tolerant<'de> for ExtraValue<'de> {
    fn from_str(s: &str) -> Self {
        ExtraValue(Str::from_str(s))
    }
    fn from_borrowed_str(s: &'de str) -> Self {
        ExtraValue(Str::from_borrowed_str(s))
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut first = None;
        loop {
            if first.is_some() {
                if seq.next_element::<Lenient<Ignored>>()?.is_none() {
                    break;
                }
            } else {
                match seq.next_element::<Lenient<Str>>()? {
                    Some(Lenient(s)) => first = s,
                    None => break,
                }
            }
        }
        Ok(ExtraValue(first))
    }
}

impl<'de> Tolerant<'de> for Spec<'de> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        enum K {
            Containers,
            InitContainers,
            EphemeralContainers,
            Volumes,
            HostNetwork,
            HostPid,
            HostIpc,
            Template,
            JobTemplate,
        }
        let key = |k: &str| {
            Some(match k {
                "containers" => K::Containers,
                "initContainers" => K::InitContainers,
                "ephemeralContainers" => K::EphemeralContainers,
                "volumes" => K::Volumes,
                "hostNetwork" => K::HostNetwork,
                "hostPID" => K::HostPid,
                "hostIPC" => K::HostIpc,
                "template" => K::Template,
                "jobTemplate" => K::JobTemplate,
                _ => return None,
            })
        };
        let mut spec = Spec::default();
        // A `template` key wins even when its value is no object.
        let mut template: Option<Template> = None;
        let mut job_template = JobTemplate::default();
        entries(map, key, |k, m| {
            match k {
                K::Containers => spec.containers = value(m)?,
                K::InitContainers => spec.init_containers = value(m)?,
                K::EphemeralContainers => spec.ephemeral_containers = value(m)?,
                K::Volumes => spec.volumes = value(m)?,
                K::HostNetwork => spec.host_network = value(m)?,
                K::HostPid => spec.host_pid = value(m)?,
                K::HostIpc => spec.host_ipc = value(m)?,
                K::Template => template = Some(value(m)?),
                K::JobTemplate => job_template = value(m)?,
            }
            spec.pod_spec |= matches!(
                k,
                K::Containers | K::InitContainers | K::EphemeralContainers | K::Volumes
            );
            Ok(())
        })?;
        spec.template = match template {
            Some(t) => t.spec,
            None => job_template.spec.template.spec,
        };
        Ok(spec)
    }
}

/// A template's `spec`, kept when it is a pod spec.
impl<'de> Tolerant<'de> for PodTemplate<'de> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let spec = Spec::from_map(map)?;
        Ok(PodTemplate(spec.pod_spec.then(|| Box::new(spec))))
    }
}

/// Objects read key by key: `tolerant_object!(<'de> Type { field: "key", … })`
/// reads each listed key into its field with the field type's reader.
macro_rules! tolerant_object {
    ($(<$de:lifetime> $ty:ty { $($field:ident: $key:literal),+ $(,)? })+) => {$(
        impl<$de> Tolerant<$de> for $ty {
            fn from_map<A: MapAccess<$de>>(map: A) -> Result<Self, A::Error> {
                #[allow(non_camel_case_types)]
                enum Wanted {
                    $($field),+
                }
                let key = |k: &str| match k {
                    $($key => Some(Wanted::$field),)+
                    _ => None,
                };
                let mut out = Self::default();
                entries(map, key, |wanted, m| {
                    match wanted {
                        $(Wanted::$field => out.$field = value(m)?,)+
                    }
                    Ok(())
                })?;
                Ok(out)
            }
        }
    )+};
}

tolerant_object! {
    <'de> Record<'de> {
        audit_id: "auditID",
        verb: "verb",
        stage: "stage",
        request_uri: "requestURI",
        user_agent: "userAgent",
        request_received_timestamp: "requestReceivedTimestamp",
        stage_timestamp: "stageTimestamp",
        timestamp: "timestamp",
        metadata: "metadata",
        object_ref: "objectRef",
        status: "responseStatus",
        annotations: "annotations",
        user: "user",
        impersonated: "impersonatedUser",
        source_ips: "sourceIPs",
        request: "requestObject",
        response: "responseObject",
    }
    <'de> Metadata<'de> { creation_timestamp: "creationTimestamp" }
    <'de> ObjectRef<'de> {
        resource: "resource",
        subresource: "subresource",
        namespace: "namespace",
        name: "name",
        uid: "uid",
        api_group: "apiGroup",
    }
    <'de> Status<'de> {
        code: "code",
        status: "status",
        reason: "reason",
        message: "message",
    }
    <'de> Annotations<'de> {
        decision: "authorization.k8s.io/decision",
        reason: "authorization.k8s.io/reason",
        legacy_token: "authentication.k8s.io/legacy-token",
    }
    <'de> User<'de> {
        username: "username",
        uid: "uid",
        groups: "groups",
        extra: "extra",
    }
    <'de> Extra<'de> {
        pod_name: "authentication.kubernetes.io/pod-name",
        pod_uid: "authentication.kubernetes.io/pod-uid",
        node_name: "authentication.kubernetes.io/node-name",
        node_uid: "authentication.kubernetes.io/node-uid",
        credential_id: "authentication.kubernetes.io/credential-id",
        arn: "arn",
        canonical_arn: "canonicalArn",
        session_name: "sessionName",
        access_key_id: "accessKeyId",
        principal_id: "principalId",
        oid: "oid",
    }
    <'de> Body<'de> { spec: "spec", role_ref: "roleRef", subjects: "subjects" }
    <'de> RoleRef<'de> { name: "name", kind: "kind" }
    <'de> Subject<'de> { name: "name", kind: "kind", namespace: "namespace" }
    <'de> Template<'de> { spec: "spec" }
    <'de> JobTemplate<'de> { spec: "spec" }
    <'de> JobSpec<'de> { template: "template" }
    <'de> Container<'de> { image: "image", security_context: "securityContext" }
    <'de> SecurityContext { privileged: "privileged" }
    <'de> Volume<'de> { host_path: "hostPath" }
    <'de> HostPath<'de> { path: "path" }
}
