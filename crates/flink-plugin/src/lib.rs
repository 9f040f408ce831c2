//! Faultline's Flink JobManager plugin folder: the `FailureEnricher` jar (its Java
//! sources are embedded here and compiled with `javac` against the Flink jars), the
//! native classifier library (`faultline-jni`) and a chain, plus the `config.yaml`
//! lines that enable it.
//!
//! The folder is copied as it is into Flink's `plugins/` (say `plugins/faultline/`):
//! the enricher finds the native library and `chain/` next to its jar.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use faultline_engine::{Chain, Engine};

/// The enricher's class name, the value `jobmanager.failure-enrichers` must list.
pub const ENRICHER_CLASS: &str = "dev.faultline.flink.FaultlineFailureEnricher";

/// The jar's file name in the plugin folder.
pub const JAR_NAME: &str = "faultline-flink-plugin.jar";

/// The Java sources of the plugin (path in the jar's source tree, text).
pub const JAVA_SOURCES: &[(&str, &str)] = &[
    (
        "dev/faultline/flink/FaultlineFailureEnricher.java",
        include_str!("../java/dev/faultline/flink/FaultlineFailureEnricher.java"),
    ),
    (
        "dev/faultline/flink/FaultlineFailureEnricherFactory.java",
        include_str!("../java/dev/faultline/flink/FaultlineFailureEnricherFactory.java"),
    ),
    (
        "dev/faultline/flink/FailureRecords.java",
        include_str!("../java/dev/faultline/flink/FailureRecords.java"),
    ),
    (
        "dev/faultline/flink/NativeChain.java",
        include_str!("../java/dev/faultline/flink/NativeChain.java"),
    ),
];

/// Resources packed into the jar as they are (the service entry Flink's plugin manager reads).
pub const RESOURCES: &[(&str, &str)] = &[(
    "META-INF/services/org.apache.flink.core.failure.FailureEnricherFactory",
    include_str!("../java/META-INF/services/org.apache.flink.core.failure.FailureEnricherFactory"),
)];

/// The Flink version whose PyPI wheel the test harness caches.
const HARNESS_FLINK_VERSION: &str = "2.3.0";

/// Why the plugin folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No Flink `lib/` with `flink-dist` was found.
    #[error(
        "no Flink jars found (looked in {searched}); pass --flink-home or set FLINK_HOME to a Flink distribution"
    )]
    NoFlink {
        /// Where it looked.
        searched: String,
    },
    /// The native library is not built.
    #[error(
        "no native library {name} (looked in {searched}); build it with `cargo build --release -p faultline-jni` or pass --native-lib PATH"
    )]
    NoNativeLib {
        /// The platform's file name of the library.
        name: String,
        /// Where it looked.
        searched: String,
    },
    /// `javac` could not run or refused the sources.
    #[error("javac failed: {0}")]
    Javac(String),
    /// Reading or writing a file failed.
    #[error("{what} {}: {error}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error (shown in the message, not as a separate source).
        error: std::io::Error,
    },
    /// The chain to ship does not load cleanly.
    #[error("chain {}: {message}", path.display())]
    Chain {
        /// The chain directory.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Writing the jar failed.
    #[error("cannot write jar {}: {message}", path.display())]
    Jar {
        /// The jar.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |error| Error::Io {
        what,
        path: path.to_path_buf(),
        error,
    }
}

/// The native library's file name on this platform (Java's `System.mapLibraryName("faultline_jni")`).
pub fn native_lib_name() -> String {
    if cfg!(target_os = "macos") {
        "libfaultline_jni.dylib".into()
    } else if cfg!(windows) {
        "faultline_jni.dll".into()
    } else {
        "libfaultline_jni.so".into()
    }
}

/// Flink's `lib/`: `flink_home/lib`, else `$FLINK_HOME/lib`, else the test harness's cached
/// wheel (`$FAULTLINE_FLINK_CACHE` or `~/.cache/faultline/flink`).
pub fn find_flink_lib(flink_home: Option<&Path>) -> Result<PathBuf, Error> {
    let mut candidates = Vec::new();
    if let Some(home) = flink_home {
        candidates.push(home.join("lib"));
    } else {
        if let Some(home) = std::env::var_os("FLINK_HOME").filter(|h| !h.is_empty()) {
            candidates.push(PathBuf::from(home).join("lib"));
        }
        let cache = std::env::var_os("FAULTLINE_FLINK_CACHE")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/faultline/flink"))
            });
        if let Some(cache) = cache {
            candidates.push(cache.join(HARNESS_FLINK_VERSION).join("pyflink/lib"));
        }
    }
    for lib in &candidates {
        let has_dist = std::fs::read_dir(lib).is_ok_and(|entries| {
            entries.filter_map(Result::ok).any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("flink-dist") && name.ends_with(".jar")
            })
        });
        if has_dist {
            return Ok(lib.clone());
        }
    }
    Err(Error::NoFlink {
        searched: display_list(&candidates),
    })
}

/// The native library: `explicit`, else the newer of the one next to `exe` and the one
/// in its `deps/` (where cargo leaves a library built as a dependency).
pub fn find_native_lib(explicit: Option<&Path>, exe: Option<&Path>) -> Result<PathBuf, Error> {
    let name = native_lib_name();
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => exe
            .and_then(Path::parent)
            .map(|dir| vec![dir.join(&name), dir.join("deps").join(&name)])
            .unwrap_or_default(),
    };
    // Both places may hold one (cargo uplifts a member's library, a dependency's stays
    // in deps/): the newest is the one the last build wrote.
    candidates
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| Some((std::fs::metadata(p).ok()?.modified().ok()?, p)))
        .max_by_key(|(modified, _)| *modified)
        .map(|(_, p)| p.clone())
        .ok_or_else(|| Error::NoNativeLib {
            name,
            searched: display_list(&candidates),
        })
}

fn display_list(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "nowhere".into();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compiles the plugin's Java sources against the jars of `flink_lib` and writes the jar.
pub fn build_jar(flink_lib: &Path, jar: &Path) -> Result<(), Error> {
    let work = tempfile::tempdir().map_err(io(
        "creating a temporary directory in",
        &std::env::temp_dir(),
    ))?;
    let src = work.path().join("src");
    let classes = work.path().join("classes");
    let mut files = Vec::new();
    for (path, text) in JAVA_SOURCES {
        let file = src.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
        }
        std::fs::write(&file, text).map_err(io("writing", &file))?;
        files.push(file);
    }
    std::fs::create_dir_all(&classes).map_err(io("creating", &classes))?;
    let out = Command::new("javac")
        // Flink 2 runs on Java 11 and later: the plugin must too.
        .args(["--release", "11", "-nowarn", "-encoding", "UTF-8", "-d"])
        .arg(&classes)
        .arg("-cp")
        .arg(format!("{}/*", flink_lib.display()))
        .args(&files)
        .output()
        .map_err(|e| Error::Javac(format!("cannot run javac (is a JDK 11+ installed?): {e}")))?;
    if !out.status.success() {
        let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stdout));
        return Err(Error::Javac(text.trim().to_owned()));
    }
    write_jar(&classes, jar)
}

/// Packs the compiled classes and the resources into a jar (a zip with a manifest).
fn write_jar(classes: &Path, jar: &Path) -> Result<(), Error> {
    let jar_err = |e: &dyn std::fmt::Display| Error::Jar {
        path: jar.to_path_buf(),
        message: e.to_string(),
    };
    let file = std::fs::File::create(jar).map_err(io("creating", jar))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    let mut entries: Vec<(String, Vec<u8>)> = vec![(
        "META-INF/MANIFEST.MF".into(),
        format!(
            "Manifest-Version: 1.0\r\nCreated-By: faultline {}\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        )
        .into_bytes(),
    )];
    for (path, text) in RESOURCES {
        entries.push(((*path).to_owned(), text.as_bytes().to_vec()));
    }
    let mut stack = vec![classes.to_path_buf()];
    let mut class_files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io("listing", &dir))? {
            let path = entry.map_err(io("listing", &dir))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                class_files.push(path);
            }
        }
    }
    class_files.sort();
    for path in class_files {
        let name = path
            .strip_prefix(classes)
            .map_err(|e| jar_err(&e))?
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).map_err(io("reading", &path))?;
        entries.push((name, bytes));
    }
    for (name, bytes) in entries {
        zip.start_file(name, options).map_err(|e| jar_err(&e))?;
        zip.write_all(&bytes).map_err(|e| jar_err(&e))?;
    }
    zip.finish().map_err(|e| jar_err(&e))?;
    Ok(())
}

/// What goes into a plugin folder.
#[derive(Debug, Clone)]
pub struct PluginSpec {
    /// Flink's `lib/` to compile against.
    pub flink_lib: PathBuf,
    /// The native library to copy.
    pub native_lib: PathBuf,
    /// A chain directory to copy; the built-in chain when `None`.
    pub chain: Option<PathBuf>,
    /// Extra label keys the chain answers beyond blame, category and chain-version.
    pub output_keys: Vec<String>,
}

/// Writes the plugin folder `dir` (jar, native library, `chain/`) and returns the
/// `config.yaml` lines that enable it.
pub fn write_plugin(dir: &Path, spec: &PluginSpec) -> Result<Vec<String>, Error> {
    // A chain that cannot load is refused before anything is written.
    if let Some(chain) = &spec.chain {
        check_chain(chain)?;
    }
    std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
    build_jar(&spec.flink_lib, &dir.join(JAR_NAME))?;
    let lib = dir.join(native_lib_name());
    std::fs::copy(&spec.native_lib, &lib).map_err(io("copying the native library to", &lib))?;
    let chain = dir.join("chain");
    if chain.exists() {
        std::fs::remove_dir_all(&chain).map_err(io("replacing", &chain))?;
    }
    match &spec.chain {
        Some(from) => copy_chain(from, &chain)?,
        None => faultline_builtin::export(&chain)
            .map_err(io("writing the built-in chain to", &chain))?,
    }
    Ok(config_lines(&spec.output_keys))
}

/// Copies a chain directory's files (chains are flat: `chain.toml` and components).
fn copy_chain(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(io("creating", to))?;
    for entry in std::fs::read_dir(from).map_err(io("listing", from))? {
        let path = entry.map_err(io("listing", from))?.path();
        if let (true, Some(name)) = (path.is_file(), path.file_name()) {
            let dest = to.join(name);
            std::fs::copy(&path, &dest).map_err(io("copying the chain to", &dest))?;
        }
    }
    Ok(())
}

/// Loads a chain directory and refuses it when its manifest is broken or a filter cannot
/// load: inside the JobManager such a chain would label nothing.
pub fn check_chain(dir: &Path) -> Result<(), Error> {
    let chain_err = |message: String| Error::Chain {
        path: dir.to_path_buf(),
        message,
    };
    if !dir.join("chain.toml").is_file() {
        return Err(chain_err("no chain.toml in it".into()));
    }
    let engine = Engine::with_defaults().map_err(|e| chain_err(e.to_string()))?;
    let chain = Chain::load_with(&engine, dir, Some(&faultline_builtin::builtins()))
        .map_err(|e| chain_err(e.to_string()))?;
    let problems: Vec<String> = chain
        .problems()
        .into_iter()
        .map(|p| format!("filter {}: {}", p.filter, p.message))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(chain_err(problems.join("; ")))
    }
}

/// The `config.yaml` lines that enable the plugin, one `key: value` each.
pub fn config_lines(output_keys: &[String]) -> Vec<String> {
    let mut lines = vec![
        format!("jobmanager.failure-enrichers: {ENRICHER_CLASS}"),
        "faultline.deadline: 100 ms".to_owned(),
    ];
    if !output_keys.is_empty() {
        lines.push(format!("faultline.output-keys: {}", output_keys.join(";")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_lib_is_found_next_to_the_executable_or_in_deps() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("faultline");
        let err = find_native_lib(None, Some(&exe)).unwrap_err().to_string();
        assert!(
            err.contains("cargo build --release -p faultline-jni"),
            "{err}"
        );
        std::fs::create_dir(dir.path().join("deps")).unwrap();
        let in_deps = dir.path().join("deps").join(native_lib_name());
        std::fs::write(&in_deps, b"").unwrap();
        assert_eq!(find_native_lib(None, Some(&exe)).unwrap(), in_deps);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let beside = dir.path().join(native_lib_name());
        std::fs::write(&beside, b"").unwrap();
        assert_eq!(
            find_native_lib(None, Some(&exe)).unwrap(),
            beside,
            "the newer"
        );
        assert!(find_native_lib(Some(&dir.path().join("nope.so")), Some(&exe)).is_err());
    }

    #[test]
    fn config_lines_name_the_enricher() {
        let lines = config_lines(&["team".into(), "owner".into()]);
        assert_eq!(
            lines[0],
            "jobmanager.failure-enrichers: dev.faultline.flink.FaultlineFailureEnricher"
        );
        assert!(lines.contains(&"faultline.output-keys: team;owner".to_owned()));
        assert!(lines.iter().all(|l| l.split_once(": ").is_some()));
    }

    #[test]
    fn a_chain_that_cannot_load_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_chain(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no chain.toml"), "{err}");
        std::fs::write(
            dir.path().join("chain.toml"),
            "[[filter]]\nname = \"gone\"\npath = \"gone.wasm\"\nversion = \"1\"\n",
        )
        .unwrap();
        let err = check_chain(dir.path()).unwrap_err().to_string();
        assert!(err.contains("filter gone"), "{err}");
        faultline_builtin::export(dir.path()).unwrap();
        check_chain(dir.path()).unwrap();
    }

    #[test]
    fn a_missing_flink_says_where_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let err = find_flink_lib(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("--flink-home"), "{err}");
    }
}
