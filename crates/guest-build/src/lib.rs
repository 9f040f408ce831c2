//! Builds a Cargo workspace of filters for `wasm32-wasip2` from a build
//! script, so `cargo build` and `cargo test` of the host always embed or test
//! components built from the current sources.
//!
//! The inner `cargo` runs with a clean environment (no outer `RUSTFLAGS`,
//! profile or target settings leak in) and its own target directory next to
//! the outer one, so it never waits on the outer build's lock.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every filter is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// A built component.
#[derive(Debug, Clone)]
pub struct Component {
    /// The crate's name with `-` turned into `_`, as cargo names the artifact.
    pub name: String,
    /// Path of the `.wasm` component.
    pub path: PathBuf,
}

/// Builds the filter workspace at `workspace` (a directory with a
/// `Cargo.toml`) in release mode and returns its components. Meant for
/// build scripts: prints `cargo:rerun-if-changed` lines and panics with a
/// clear message when the build fails.
pub fn build_workspace(workspace: &Path) -> Vec<Component> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = guest_target_dir();
    // Checked before anything is printed: a failing build script shows all of
    // its output, and the one line that matters must not drown in it.
    if let Err(message) = ensure_target() {
        fail(&message);
    }
    for dir in [
        workspace.to_owned(),
        repo_root().join("crates/sdk"),
        repo_root().join("crates/abi"),
        repo_root().join("crates/model"),
        repo_root().join("wit"),
    ] {
        watch(&dir);
    }

    let mut cmd = Command::new(cargo);
    for (key, _) in std::env::vars_os() {
        let key_str = key.to_string_lossy();
        let leaks = key_str.starts_with("CARGO_")
            && key_str != "CARGO_HOME"
            && !key_str.starts_with("CARGO_NET")
            || key_str.starts_with("RUSTC")
            || key_str.contains("RUSTFLAGS")
            || key_str == "RUSTDOCFLAGS"
            || key_str == "TARGET"
            || key_str == "HOST"
            || key_str == "OUT_DIR"
            || key_str == "PROFILE"
            || key_str == "OPT_LEVEL"
            || key_str == "DEBUG"
            || key_str == "NUM_JOBS";
        if leaks {
            cmd.env_remove(&key);
        }
    }
    cmd.arg("build")
        .arg("--release")
        .arg("--locked")
        .arg("--target")
        .arg(TARGET)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(workspace);
    let status = match cmd.status() {
        Ok(status) => status,
        Err(e) => fail(&format!("cannot run cargo to build the filters: {e}")),
    };
    if !status.success() {
        fail(&format!(
            "building the filters in {} failed (cargo's errors are above)",
            workspace.display()
        ));
    }

    let out = target_dir.join(TARGET).join("release");
    let mut components: Vec<Component> = members(workspace)
        .into_iter()
        .map(|name| {
            let path = out.join(format!("{name}.wasm"));
            assert!(
                path.is_file(),
                "filter {name} was built but {} is missing",
                path.display()
            );
            Component { name, path }
        })
        .collect();
    components.sort_by(|a, b| a.name.cmp(&b.name));
    components
}

/// Makes sure the standard library for [`TARGET`] is installed, installing it
/// with `rustup` when it is missing so that a fresh machine with only Rust
/// builds Faultline with no set-up step.
fn ensure_target() -> Result<(), String> {
    if target_installed() {
        return Ok(());
    }
    // RUSTUP_TOOLCHAIN, set by rustup's proxies, keeps `rustup` on the
    // toolchain this build runs with.
    // Not a cargo warning: cargo would replay it on every later build.
    eprintln!("installing the Rust target {TARGET} (rustup target add {TARGET})");
    match Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
    {
        Ok(status) if status.success() && target_installed() => Ok(()),
        Ok(_) => Err(format!(
            "the Rust target {TARGET} is missing and `rustup target add {TARGET}` failed; run it by hand and build again"
        )),
        Err(_) => Err(format!(
            "the Rust target {TARGET} is missing and rustup was not found; install the target's standard library for this compiler and build again"
        )),
    }
}

/// Whether the sysroot of the compiler in use holds the target's standard library.
fn target_installed() -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
    else {
        return false;
    };
    let dir = String::from_utf8_lossy(&out.stdout);
    out.status.success() && Path::new(dir.trim()).is_dir()
}

/// Ends the build script with one readable line (a panic would add a backtrace hint).
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// The library names of a workspace's members (`[package] name` with `-` → `_`).
fn members(workspace: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(entries) = std::fs::read_dir(workspace) else {
        return names;
    };
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let in_package = text.split("[package]").nth(1).unwrap_or("");
        let name = in_package.lines().find_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("name")?.trim_start().strip_prefix('=')?;
            Some(rest.trim().trim_matches('"').to_owned())
        });
        if let Some(name) = name {
            names.push(name.replace('-', "_"));
        }
    }
    names
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<outer target dir>/wasm-guests`, found from `OUT_DIR` (`<target>/<profile>/build/<pkg>/out`).
fn guest_target_dir() -> PathBuf {
    let out_dir = PathBuf::from(
        std::env::var_os("OUT_DIR").expect("build_workspace runs from a build script"),
    );
    out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .map(|target| target.join("wasm-guests"))
        .unwrap_or_else(|| out_dir.join("wasm-guests"))
}

/// Asks cargo to re-run the build script when sources under `dir` change.
fn watch(dir: &Path) {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
            } else {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}
