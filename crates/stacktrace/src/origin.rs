//! Frame origins: which code a class belongs to.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use faultline_model::{FailureRecord, Origin};
use serde::Deserialize;

/// Apache Flink, including the dependencies it shades under its own namespace
/// (`org.apache.flink.shaded.`).
const FLINK: &[&str] = &["org.apache.flink"];

/// The Java platform.
const JDK: &[&str] = &[
    "java", "javax", "jdk", "sun", "com.sun", "org.w3c", "org.xml", "org.ietf", "org.omg",
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
    "org.apache.calcite",
    "org.codehaus",
    "org.apache.arrow",
    "org.apache.orc",
    "org.apache.thrift",
    "org.apache.pulsar",
    "org.apache.beam",
    "org.apache.httpcomponents",
    "org.eclipse.jetty",
    "io.fabric8",
    "io.prometheus",
    "io.opentelemetry",
    "io.vertx",
    "io.reactivex",
    "reactor",
    "org.springframework",
    "org.hibernate",
    "com.zaxxer.hikari",
    "com.mongodb",
    "org.mongodb",
    "org.mariadb",
    "oracle.jdbc",
    "com.microsoft",
    "com.azure",
    "com.rabbitmq",
    "com.typesafe",
    "org.yaml.snakeyaml",
    "org.json",
    "org.joda",
    "org.lz4",
    "net.jpountz",
    "org.xerial.snappy",
    "com.github.luben.zstd",
    "org.antlr",
    "com.alibaba",
    "org.jboss",
];

/// Rules that tell the origin of a frame from its class name.
///
/// Exact user classes (for example all classes of the job's jar, matched also
/// through their nested, anonymous, lambda and hidden classes) win; then the
/// longest matching package prefix among user, Flink, JDK and library
/// prefixes (user first on a tie); otherwise the origin is [`Origin::Unknown`].
///
/// [`OriginRules::default`] holds the built-in Flink, JDK and library lists.
/// The JSON (serde) form `{"flink": [...], "jdk": [...], "library": [...],
/// "user": [...], "user_classes": [...]}` (every key optional) extends them.
#[derive(Debug, Clone)]
pub struct OriginRules {
    /// Flink package prefixes, stored without a trailing `.`.
    flink: Vec<String>,
    /// JDK package prefixes, stored without a trailing `.`.
    jdk: Vec<String>,
    /// Third-party library package prefixes, stored without a trailing `.`.
    library: Vec<String>,
    /// User package prefixes, stored without a trailing `.`.
    user_prefixes: Vec<String>,
    /// Exact user class names (binary names, `$` for nested classes).
    user_classes: HashSet<String>,
}

impl Default for OriginRules {
    fn default() -> Self {
        let mut rules = OriginRules::empty();
        for p in FLINK {
            add_prefix(&mut rules.flink, p);
        }
        for p in JDK {
            add_prefix(&mut rules.jdk, p);
        }
        for p in LIBRARY {
            add_prefix(&mut rules.library, p);
        }
        rules
    }
}

/// The JSON form of [`OriginRules`]: prefix lists added to the defaults.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct OriginConfig {
    flink: Vec<String>,
    jdk: Vec<String>,
    library: Vec<String>,
    user: Vec<String>,
    user_classes: Vec<String>,
}

impl<'de> Deserialize<'de> for OriginRules {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let config = OriginConfig::deserialize(deserializer)?;
        let mut rules = OriginRules::default();
        for p in &config.flink {
            add_prefix(&mut rules.flink, p);
        }
        for p in &config.jdk {
            add_prefix(&mut rules.jdk, p);
        }
        for p in &config.library {
            add_prefix(&mut rules.library, p);
        }
        for p in &config.user {
            add_prefix(&mut rules.user_prefixes, p);
        }
        Ok(rules.with_user_classes(config.user_classes))
    }
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
    /// Rules without any prefix or class: every origin is [`Origin::Unknown`].
    pub fn empty() -> Self {
        OriginRules {
            flink: Vec::new(),
            jdk: Vec::new(),
            library: Vec::new(),
            user_prefixes: Vec::new(),
            user_classes: HashSet::new(),
        }
    }

    /// Adds a package prefix (e.g. `com.acme` or `com.acme.`) whose classes are user code.
    pub fn with_user_prefix(mut self, prefix: impl Into<String>) -> Self {
        add_prefix(&mut self.user_prefixes, &prefix.into());
        self
    }

    /// Adds a package prefix whose classes are Flink code (e.g. a vendor's Flink fork).
    pub fn with_flink_prefix(mut self, prefix: impl Into<String>) -> Self {
        add_prefix(&mut self.flink, &prefix.into());
        self
    }

    /// Adds a package prefix whose classes are Java platform code.
    pub fn with_jdk_prefix(mut self, prefix: impl Into<String>) -> Self {
        add_prefix(&mut self.jdk, &prefix.into());
        self
    }

    /// Adds a package prefix whose classes are third-party library code.
    pub fn with_library_prefix(mut self, prefix: impl Into<String>) -> Self {
        add_prefix(&mut self.library, &prefix.into());
        self
    }

    /// Adds exact class names (binary form, `com.acme.Job$1`) as user code.
    pub fn with_user_classes<I>(mut self, classes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        for class in classes {
            self.add_user_class(class);
        }
        self
    }

    /// Adds one class name (binary form, `com.acme.Job$1`) as user code; true when new.
    pub fn add_user_class(&mut self, class: impl Into<String>) -> bool {
        let class = class.into();
        let class = class.trim();
        !class.is_empty() && self.user_classes.insert(class.to_string())
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
        for (prefixes, origin) in [
            (&self.user_prefixes, Origin::User),
            (&self.flink, Origin::Flink),
            (&self.jdk, Origin::Jdk),
            (&self.library, Origin::Library),
        ] {
            for p in prefixes {
                if matches_prefix(class, p) && best.is_none_or(|(len, _)| p.len() > len) {
                    best = Some((p.len(), origin));
                }
            }
        }
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

/// Adds `prefix` (trimmed, without trailing `.`) to `list` unless empty or present.
fn add_prefix(list: &mut Vec<String>, prefix: &str) {
    let prefix = prefix.trim().trim_end_matches('.');
    if !prefix.is_empty() && !list.iter().any(|p| p == prefix) {
        list.push(prefix.to_string());
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
    fn configurable_lists_and_builders() {
        let r = OriginRules::empty();
        assert_eq!(r.origin("java.lang.Thread"), Origin::Unknown);
        let r = OriginRules::default()
            .with_flink_prefix("com.vendor.flinkfork.")
            .with_jdk_prefix(" org.graalvm ")
            .with_library_prefix("com.acme.shared")
            .with_user_prefix("com.acme")
            .with_user_prefix("")
            .with_user_classes(["Main", "org.example.Udf", " "]);
        assert_eq!(r.origin("com.vendor.flinkfork.Task"), Origin::Flink);
        assert_eq!(r.origin("org.graalvm.polyglot.Context"), Origin::Jdk);
        assert_eq!(r.origin("com.acme.shared.Util"), Origin::Library);
        assert_eq!(r.origin("com.acme.Job"), Origin::User);
        assert_eq!(r.origin("Main$1"), Origin::User);
        assert_eq!(r.origin("org.example.Udf$$Lambda/0x01"), Origin::User);
        assert_eq!(r.origin("org.example.Other"), Origin::Unknown);
        assert!(
            !r.user_classes.contains(""),
            "blank class names are ignored"
        );
        // Tie on the same prefix: user wins.
        let r = OriginRules::default().with_user_prefix("org.apache.flink");
        assert_eq!(r.origin("org.apache.flink.runtime.Task"), Origin::User);
    }

    #[test]
    fn config_form_extends_defaults() {
        let r: OriginRules = serde_json::from_str(
            r#"{"flink": ["com.vendor.flink."], "jdk": ["org.graalvm"], "library": ["com.acme.lib."],
                "user": ["com.acme.", "org.apache.flink.examples."], "user_classes": ["Main"]}"#,
        )
        .unwrap();
        assert_eq!(r.origin("com.vendor.flink.X"), Origin::Flink);
        assert_eq!(r.origin("org.graalvm.X"), Origin::Jdk);
        assert_eq!(r.origin("com.acme.lib.X"), Origin::Library);
        assert_eq!(r.origin("com.acme.X"), Origin::User);
        assert_eq!(
            r.origin("org.apache.flink.examples.WordCount"),
            Origin::User
        );
        assert_eq!(r.origin("org.apache.flink.runtime.Task"), Origin::Flink);
        assert_eq!(r.origin("java.lang.Thread"), Origin::Jdk);
        assert_eq!(r.origin("io.netty.Channel"), Origin::Library);
        assert_eq!(r.origin("Main"), Origin::User);
        let empty: OriginRules = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.origin("org.apache.kafka.X"), Origin::Library);
        assert!(serde_json::from_str::<OriginRules>(r#"{"usr": ["x"]}"#).is_err());
        assert!(serde_json::from_str::<OriginRules>(r#"{"user": "x"}"#).is_err());
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
