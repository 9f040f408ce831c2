//! Getting Flink (the PyPI wheel) and compiling the test jobs, once per machine
//! and safely when several test processes do it at the same time.

use std::fs::{self, File};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::error::{Error, IoContext, Result};

/// The Flink version the harness runs.
pub const FLINK_VERSION: &str = "2.3.0";

/// The PyPI package that ships Flink's jars.
const WHEEL_PACKAGE: &str = "apache-flink-libraries";

/// The package of the test jobs; `run_job("Steady", ..)` means `com.acme.jobs.Steady`.
pub const JOBS_PACKAGE: &str = "com.acme.jobs";

/// An unpacked Flink: `lib/`, `opt/`, `plugins/`, `bin/bash-java-utils.jar`.
#[derive(Debug, Clone)]
pub struct FlinkDist {
    /// The `pyflink` directory of the unpacked wheel.
    pub home: PathBuf,
}

impl FlinkDist {
    /// `lib/`, whose jars form the classpath.
    pub fn lib_dir(&self) -> PathBuf {
        self.home.join("lib")
    }

    /// `lib/flink-dist-<version>.jar`, the jar jobs compile against.
    pub fn dist_jar(&self) -> PathBuf {
        self.lib_dir()
            .join(format!("flink-dist-{FLINK_VERSION}.jar"))
    }

    /// The classpath `lib/*` (java expands the wildcard itself).
    pub fn classpath(&self) -> String {
        format!("{}/*", self.lib_dir().display())
    }

    /// `bin/bash-java-utils.jar`, which prints the memory flags Flink's scripts would use.
    pub fn bash_java_utils(&self) -> PathBuf {
        self.home.join("bin").join("bash-java-utils.jar")
    }

    /// The JVM module flags (`--add-opens`, `--add-exports`) without which Flink fails on Java 17:
    /// `env.java.opts.all` of the default `config.yaml` inside flink-dist.
    pub fn java_module_opts(&self) -> Result<Vec<String>> {
        let jar = self.dist_jar();
        let file = File::open(&jar).ctx(|| format!("opening {}", jar.display()))?;
        let mut zip = zip::ZipArchive::new(file)
            .map_err(|e| Error::Setup(format!("reading {}: {e}", jar.display())))?;
        let mut yaml = String::new();
        zip.by_name("config.yaml")
            .map_err(|e| Error::Setup(format!("no config.yaml in {}: {e}", jar.display())))?
            .read_to_string(&mut yaml)
            .ctx(|| format!("reading config.yaml in {}", jar.display()))?;
        // The same extraction as capture.sh: the first `all:` line is env.java.opts.all.
        let line = yaml
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("all:"))
            .ok_or_else(|| {
                Error::Setup(format!(
                    "no env.java.opts.all in {}'s config.yaml",
                    jar.display()
                ))
            })?;
        Ok(line.split_whitespace().map(str::to_owned).collect())
    }
}

/// Where Flink is cached: `$FAULTLINE_FLINK_CACHE`, else `~/.cache/faultline/flink` (as capture.sh).
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("FAULTLINE_FLINK_CACHE").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::Setup("neither FAULTLINE_FLINK_CACHE nor HOME is set".into()))?;
    Ok(PathBuf::from(home).join(".cache/faultline/flink"))
}

/// Serializes set-up within this process; the file lock serializes it across processes.
static SETUP: Mutex<()> = Mutex::new(());

/// Holds an exclusive `flock` on a file until dropped (the kernel drops it if the process dies).
struct FileLock(File);

impl FileLock {
    fn acquire(path: &Path) -> Result<Self> {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ctx(|| format!("opening lock file {}", path.display()))?;
        tracing::debug!(lock = %path.display(), "waiting for lock");
        // SAFETY: flock on a valid open descriptor that `file` owns.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error())
                .ctx(|| format!("locking {}", path.display()));
        }
        Ok(FileLock(file))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // SAFETY: as above; closing the file would release it anyway.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Returns the unpacked Flink, downloading the wheel with pip and unpacking it on first use.
pub fn flink_dist() -> Result<FlinkDist> {
    let cache = cache_dir()?;
    let dist = FlinkDist {
        home: cache.join(FLINK_VERSION).join("pyflink"),
    };
    if dist.dist_jar().is_file() {
        return Ok(dist);
    }
    let _guard = SETUP.lock().unwrap_or_else(|p| p.into_inner());
    fs::create_dir_all(&cache).ctx(|| format!("creating {}", cache.display()))?;
    let _lock = FileLock::acquire(&cache.join(format!(".{FLINK_VERSION}.lock")))?;
    if dist.dist_jar().is_file() {
        return Ok(dist);
    }
    let wheel = match find_wheel(&cache)? {
        Some(w) => w,
        None => download_wheel(&cache)?,
    };
    let target = cache.join(FLINK_VERSION);
    if target.exists() {
        // Left half-done by something that did not unpack atomically: start over.
        tracing::warn!(dir = %target.display(), "removing an incomplete Flink directory");
        fs::remove_dir_all(&target).ctx(|| format!("removing {}", target.display()))?;
    }
    tracing::info!(wheel = %wheel.display(), "unpacking Flink");
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{FLINK_VERSION}.unpack-"))
        .tempdir_in(&cache)
        .ctx(|| format!("creating a temporary directory in {}", cache.display()))?;
    let file = File::open(&wheel).ctx(|| format!("opening {}", wheel.display()))?;
    zip::ZipArchive::new(file)
        .and_then(|mut z| z.extract(tmp.path()))
        .map_err(|e| Error::Setup(format!("unpacking {}: {e}", wheel.display())))?;
    if !tmp
        .path()
        .join("pyflink/lib")
        .join(format!("flink-dist-{FLINK_VERSION}.jar"))
        .is_file()
    {
        return Err(Error::Setup(format!(
            "{} has no pyflink/lib/flink-dist-{FLINK_VERSION}.jar",
            wheel.display()
        )));
    }
    // The rename publishes the whole tree at once: nobody sees a partial Flink.
    let unpacked = tmp.keep();
    fs::rename(&unpacked, &target)
        .ctx(|| format!("renaming {} to {}", unpacked.display(), target.display()))?;
    Ok(dist)
}

fn find_wheel(cache: &Path) -> Result<Option<PathBuf>> {
    let prefix = format!("{}-{FLINK_VERSION}-", WHEEL_PACKAGE.replace('-', "_"));
    for entry in fs::read_dir(cache).ctx(|| format!("listing {}", cache.display()))? {
        let entry = entry.ctx(|| format!("listing {}", cache.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".whl") {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}

fn download_wheel(cache: &Path) -> Result<PathBuf> {
    tracing::info!(cache = %cache.display(), "downloading {WHEEL_PACKAGE}=={FLINK_VERSION} with pip (~330 MB)");
    let tmp = tempfile::Builder::new()
        .prefix(".download-")
        .tempdir_in(cache)
        .ctx(|| format!("creating a temporary directory in {}", cache.display()))?;
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "pip", "download", "--no-deps", "-q"])
        .arg(format!("{WHEEL_PACKAGE}=={FLINK_VERSION}"))
        .arg("-d")
        .arg(tmp.path());
    run(&mut cmd, "pip download")?;
    let wheel = find_wheel(tmp.path())?.ok_or_else(|| {
        Error::Setup(format!(
            "pip download left no {WHEEL_PACKAGE} wheel in {}",
            tmp.path().display()
        ))
    })?;
    let Some(name) = wheel.file_name() else {
        return Err(Error::Setup(format!("odd wheel path {}", wheel.display())));
    };
    let dest = cache.join(name);
    fs::rename(&wheel, &dest)
        .ctx(|| format!("renaming {} to {}", wheel.display(), dest.display()))?;
    Ok(dest)
}

/// Runs a command to completion; a failure carries the tail of its output.
pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<std::process::Output> {
    tracing::debug!(?cmd, "running");
    let out = cmd.output().ctx(|| format!("starting {what}"))?;
    if !out.status.success() {
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        return Err(Error::Command {
            what: what.to_owned(),
            status: out.status.to_string(),
            output: tail_lines(&text, 40),
        });
    }
    Ok(out)
}

/// The last `n` lines of `text`.
pub(crate) fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The Java sources of the test jobs: `tests/flink/jobs/src` in this repository.
pub fn jobs_src_dir() -> PathBuf {
    jobs_root().join("src")
}

/// `tests/flink/jobs`: `src/` (the jobs), and optionally `vendor-api/` (a library the jobs
/// compile against but the jar does not contain) and `vendor-lib/` (classes packed into the jar,
/// possibly a different version of the API: the dependency-conflict cases).
fn jobs_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/flink/jobs")
}

/// The compiled jobs jar of this process, once built.
static JOBS_JAR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Compiles the test jobs (javac against Flink's `lib/`, then jar) into
/// `<cache>/jobs/<hash of the sources>/jobs.jar`, once per process and only when the sources changed.
pub fn jobs_jar() -> Result<PathBuf> {
    let mut cached = JOBS_JAR.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(jar) = cached.as_ref() {
        return Ok(jar.clone());
    }
    let dist = flink_dist()?;
    let root = jobs_root();
    let parts = ["src", "vendor-api", "vendor-lib"].map(|part| {
        let dir = root.join(part);
        let mut files = Vec::new();
        let found = if dir.is_dir() {
            collect_java(&dir, &mut files).map(|()| files)
        } else {
            Ok(files)
        };
        found.map(|mut f| {
            f.sort();
            (dir, f)
        })
    });
    let [src, api, lib] = parts;
    let (src, api, lib) = (src?, api?, lib?);
    if src.1.is_empty() {
        return Err(Error::Setup(format!(
            "no .java files in {}",
            src.0.display()
        )));
    }
    let mut hash = Sha256::new();
    hash.update(FLINK_VERSION.as_bytes());
    for file in src.1.iter().chain(&api.1).chain(&lib.1) {
        let rel = file.strip_prefix(&root).unwrap_or(file);
        hash.update(rel.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(fs::read(file).ctx(|| format!("reading {}", file.display()))?);
        hash.update([0]);
    }
    let key = hex::encode(&hash.finalize()[..8]);
    let jobs_cache = cache_dir()?.join("jobs");
    let dir = jobs_cache.join(&key);
    let jar = dir.join("jobs.jar");
    if !jar.is_file() {
        fs::create_dir_all(&jobs_cache).ctx(|| format!("creating {}", jobs_cache.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{key}-"))
            .tempdir_in(&jobs_cache)
            .ctx(|| format!("creating a temporary directory in {}", jobs_cache.display()))?;
        let classes = tmp.path().join("classes");
        let api_classes = tmp.path().join("api-classes");
        for d in [&classes, &api_classes] {
            fs::create_dir_all(d).ctx(|| format!("creating {}", d.display()))?;
        }
        tracing::info!(sources = src.1.len(), "compiling the Flink test jobs");
        // The jobs see vendor-api at compile time only; vendor-lib is what the jar carries.
        // All of lib/ is on the classpath: flink-dist plus the connectors Flink ships (files).
        let lib_cp = dist.classpath();
        javac(&lib_cp, &api_classes, &api.1, "vendor-api")?;
        javac(&lib_cp, &classes, &lib.1, "vendor-lib")?;
        let cp = format!("{lib_cp}:{}", api_classes.display());
        javac(&cp, &classes, &src.1, "test jobs")?;
        let mut jar_cmd = Command::new("jar");
        jar_cmd
            .arg("cf")
            .arg(tmp.path().join("jobs.jar"))
            .arg("-C")
            .arg(&classes)
            .arg(".");
        run(&mut jar_cmd, "jar (test jobs)")?;
        let built = tmp.keep();
        // Another process may have published the same key first; its jar is as good as ours.
        if let Err(e) = fs::rename(&built, &dir) {
            tracing::debug!(error = %e, "jobs jar already published by another process");
            let _ = fs::remove_dir_all(&built);
        }
        if !jar.is_file() {
            return Err(Error::Setup(format!(
                "{} missing after build",
                jar.display()
            )));
        }
    }
    *cached = Some(jar.clone());
    Ok(jar)
}

fn javac(classpath: &str, out: &Path, sources: &[PathBuf], what: &str) -> Result<()> {
    if sources.is_empty() {
        return Ok(());
    }
    let mut cmd = Command::new("javac");
    cmd.arg("-nowarn")
        .arg("-cp")
        .arg(classpath)
        .arg("-d")
        .arg(out)
        .args(sources);
    run(&mut cmd, &format!("javac ({what})")).map(|_| ())
}

fn collect_java(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).ctx(|| format!("listing {}", dir.display()))? {
        let path = entry.ctx(|| format!("listing {}", dir.display()))?.path();
        if path.is_dir() {
            collect_java(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "java") {
            out.push(path);
        }
    }
    Ok(())
}
