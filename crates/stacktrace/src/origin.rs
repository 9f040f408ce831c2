//! Frame origins: which code a class belongs to.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use faultline_model::{FailureRecord, Origin};

/// Apache Flink, including the dependencies it shades under its own namespace.
const FLINK: &[&str] = &["org.apache.flink"];

/// The Java platform.
const JDK: &[&str] = &[
    "java", "javax", "jdk", "sun", "com.sun", "org.w3c", "org.xml",
];

/// Well-known third-party libraries.
const LIBRARY: &[&str] = &[
    "org.apache.kafka",
    "org.apache.hadoop",
    "com.esotericsoftware",
    "io.netty",
    "scala",
    "org.apache.pekko",
    "akka",
    "com.google",
    "com.fasterxml",
    "org.slf4j",
    "org.apache.commons",
    "org.rocksdb",
    "com.amazonaws",
    "software.amazon",
    "org.postgresql",
    "com.mysql",
    "org.apache.http",
    "okhttp3",
    "io.grpc",
    "org.apache.avro",
    "org.apache.parquet",
    "com.twitter.chill",
    "org.objenesis",
    "kotlin",
    "org.apache.logging",
    "ch.qos.logback",
    "io.confluent",
    "org.apache.zookeeper",
    "org.apache.curator",
    "org.elasticsearch",
    "redis.clients",
    "io.lettuce",
    "com.datastax",
    "org.apache.iceberg",
    "org.apache.hudi",
    "io.debezium",
];

/// Rules that tell the origin of a frame from its class name.
///
/// Exact user classes (for example all classes of the job's jar) win; then the
/// longest matching package prefix among user, Flink, JDK and library
/// prefixes; otherwise the origin is [`Origin::Unknown`].
#[derive(Debug, Clone, Default)]
pub struct OriginRules {
    /// User package prefixes, stored without a trailing `.`.
    user_prefixes: Vec<String>,
    /// Exact user class names (binary names, `$` for nested classes).
    user_classes: HashSet<String>,
}

/// Why a jar could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JarError {
    /// The file could not be opened.
    #[error("cannot open jar {}", path.display())]
    Open {
        /// The jar's path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a readable jar (zip) archive.
    #[error("cannot read jar {}", path.display())]
    Zip {
        /// The jar's path.
        path: PathBuf,
        /// The underlying error.
        source: zip::result::ZipError,
    },
}

impl OriginRules {
    /// Adds a package prefix (e.g. `com.acme` or `com.acme.`) whose classes are user code.
    pub fn with_user_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let prefix = prefix.trim().trim_end_matches('.');
        if !prefix.is_empty() && !self.user_prefixes.iter().any(|p| p == prefix) {
            self.user_prefixes.push(prefix.to_string());
        }
        self
    }

    /// Adds one class name (binary form, `com.acme.Job$1`) as user code.
    pub fn add_user_class(&mut self, class: impl Into<String>) -> bool {
        self.user_classes.insert(class.into())
    }

    /// Adds every class of a jar as user code; returns how many new classes were added.
    pub fn add_user_jar(&mut self, jar: &Path) -> Result<usize, JarError> {
        let file = std::fs::File::open(jar).map_err(|source| JarError::Open {
            path: jar.to_path_buf(),
            source,
        })?;
        let archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|source| {
            JarError::Zip {
                path: jar.to_path_buf(),
                source,
            }
        })?;
        let mut added = 0;
        for name in archive.file_names() {
            if let Some(class) = class_of_entry(name)
                && self.user_classes.insert(class)
            {
                added += 1;
            }
        }
        Ok(added)
    }

    /// The origin of a class, by the rules described on [`OriginRules`].
    pub fn origin(&self, class: &str) -> Origin {
        if !self.user_classes.is_empty() {
            if self.user_classes.contains(class) {
                return Origin::User;
            }
            if let Some(outer) = outer_class(class)
                && self.user_classes.contains(outer)
            {
                return Origin::User;
            }
        }
        let mut best: Option<(usize, Origin)> = None;
        let mut consider = |prefixes: &mut dyn Iterator<Item = &str>, origin: Origin| {
            for p in prefixes {
                if matches_prefix(class, p) && best.is_none_or(|(len, _)| p.len() > len) {
                    best = Some((p.len(), origin));
                }
            }
        };
        consider(
            &mut self.user_prefixes.iter().map(String::as_str),
            Origin::User,
        );
        consider(&mut FLINK.iter().copied(), Origin::Flink);
        consider(&mut JDK.iter().copied(), Origin::Jdk);
        consider(&mut LIBRARY.iter().copied(), Origin::Library);
        best.map_or(Origin::Unknown, |(_, origin)| origin)
    }

    /// Sets the origin of every frame whose origin is still [`Origin::Unknown`].
    pub fn apply(&self, record: &mut FailureRecord) {
        for t in &mut record.throwables {
            for f in &mut t.frames {
                if f.origin == Origin::Unknown {
                    f.origin = self.origin(&f.class);
                }
            }
        }
    }
}

/// True when `class` lies in package (or class) `prefix`, given without trailing dot.
fn matches_prefix(class: &str, prefix: &str) -> bool {
    match class.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('$'),
        None => false,
    }
}

/// The top-level class of a nested, anonymous, lambda or hidden class:
/// `com.acme.Job$$Lambda$12/0x0800` and `com.acme.Job$Inner$1` give `com.acme.Job`.
pub(crate) fn outer_class(class: &str) -> Option<&str> {
    let base = class.split('/').next().unwrap_or(class);
    let simple_start = base.rfind('.').map_or(0, |i| i + 1);
    let dollar = base[simple_start..].find('$').map(|i| simple_start + i);
    let outer = match dollar {
        Some(0) => return None,
        Some(i) if i == simple_start => return None, // `$Proxy12`: no outer class
        Some(i) => &base[..i],
        None => base,
    };
    (outer != class && !outer.is_empty()).then_some(outer)
}

/// The class name of a jar entry, or `None` for non-class and metadata entries.
fn class_of_entry(name: &str) -> Option<String> {
    let name = name.strip_prefix("BOOT-INF/classes/").unwrap_or(name);
    let stem = name.strip_suffix(".class")?;
    if stem.is_empty() || name.starts_with("META-INF/") || name.ends_with('/') {
        return None;
    }
    let simple = stem.rsplit('/').next().unwrap_or(stem);
    if simple == "module-info" || simple == "package-info" || simple.is_empty() {
        return None;
    }
    Some(stem.replace('/', "."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_prefixes() {
        let r = OriginRules::default();
        assert_eq!(
            r.origin("org.apache.flink.runtime.taskmanager.Task"),
            Origin::Flink
        );
        assert_eq!(
            r.origin("org.apache.flink.shaded.netty4.io.netty.channel.AbstractChannel"),
            Origin::Flink
        );
        assert_eq!(r.origin("java.lang.Thread"), Origin::Jdk);
        assert_eq!(
            r.origin("jdk.internal.reflect.NativeMethodAccessorImpl"),
            Origin::Jdk
        );
        assert_eq!(r.origin("sun.nio.ch.IOUtil"), Origin::Jdk);
        assert_eq!(r.origin("com.sun.proxy.$Proxy12"), Origin::Jdk);
        assert_eq!(
            r.origin("java.lang.invoke.LambdaForm$DMH/0x00000008000c4000"),
            Origin::Jdk
        );
        assert_eq!(
            r.origin("org.apache.kafka.clients.consumer.KafkaConsumer"),
            Origin::Library
        );
        assert_eq!(r.origin("scala.collection.immutable.List"), Origin::Library);
        assert_eq!(r.origin("com.acme.Job"), Origin::Unknown);
        assert_eq!(r.origin("javafoo.Bar"), Origin::Unknown);
        assert_eq!(r.origin(""), Origin::Unknown);
    }

    #[test]
    fn user_prefix_longest_wins() {
        let r = OriginRules::default()
            .with_user_prefix("com.acme")
            .with_user_prefix("org.apache.flink.examples.");
        assert_eq!(r.origin("com.acme.Job"), Origin::User);
        assert_eq!(r.origin("com.acmex.Job"), Origin::Unknown);
        assert_eq!(
            r.origin("org.apache.flink.examples.WordCount"),
            Origin::User
        );
        assert_eq!(r.origin("org.apache.flink.runtime.Task"), Origin::Flink);
    }

    #[test]
    fn user_classes_reduce_to_outer() {
        let mut r = OriginRules::default();
        r.add_user_class("com.acme.Job");
        r.add_user_class("org.apache.flink.MyUdf");
        for c in [
            "com.acme.Job",
            "com.acme.Job$$Lambda/0x0000000800c03000",
            "com.acme.Job$$Lambda$12/123456",
            "com.acme.Job$1",
            "com.acme.Job$Inner",
            "com.acme.Job$Inner$2",
            "org.apache.flink.MyUdf",
        ] {
            assert_eq!(r.origin(c), Origin::User, "{c}");
        }
        assert_eq!(r.origin("com.acme.Jobs"), Origin::Unknown);
        assert_eq!(r.origin("com.acme.Other$1"), Origin::Unknown);
    }

    #[test]
    fn outer_class_forms() {
        assert_eq!(outer_class("a.B$1"), Some("a.B"));
        assert_eq!(outer_class("a.B"), None);
        assert_eq!(outer_class("a.$Proxy1"), None);
        assert_eq!(outer_class("$Proxy1"), None);
        assert_eq!(outer_class("a.B/0x1"), Some("a.B"));
        assert_eq!(outer_class("B$1"), Some("B"));
    }

    #[test]
    fn jar_entries() {
        assert_eq!(
            class_of_entry("com/acme/Job$1.class").as_deref(),
            Some("com.acme.Job$1")
        );
        assert_eq!(class_of_entry("Top.class").as_deref(), Some("Top"));
        assert_eq!(
            class_of_entry("BOOT-INF/classes/a/B.class").as_deref(),
            Some("a.B")
        );
        assert_eq!(class_of_entry("META-INF/versions/9/a/B.class"), None);
        assert_eq!(class_of_entry("module-info.class"), None);
        assert_eq!(class_of_entry("com/acme/package-info.class"), None);
        assert_eq!(class_of_entry("com/acme/"), None);
        assert_eq!(class_of_entry("com/acme/x.properties"), None);
        assert_eq!(class_of_entry(".class"), None);
    }
}
