//! `faultline flink-plugin DIR`: writes a ready Flink JobManager plugin folder (the
//! enricher jar, the native library, a chain) and prints the `config.yaml` lines.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// The plugin folder to write; copy it into Flink's plugins/ (e.g. plugins/faultline).
    dir: PathBuf,
    /// Flink distribution whose lib/ the jar compiles against (default $FLINK_HOME, else the test harness's cached Flink).
    #[arg(long, value_name = "DIR")]
    flink_home: Option<PathBuf>,
    /// The native library (libfaultline_jni); default: next to this executable or in its deps/.
    #[arg(long, value_name = "PATH")]
    native_lib: Option<PathBuf>,
    /// Chain directory to ship; the built-in chain when absent.
    #[arg(long, value_name = "DIR")]
    chain: Option<PathBuf>,
    /// A label key the chain answers beyond blame, category and chain-version (repeatable).
    #[arg(long = "output-key", value_name = "KEY")]
    output_keys: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let flink_lib = faultline_flink_plugin::find_flink_lib(args.flink_home.as_deref())?;
    let exe = std::env::current_exe().ok();
    let native_lib =
        faultline_flink_plugin::find_native_lib(args.native_lib.as_deref(), exe.as_deref())?;
    let spec = faultline_flink_plugin::PluginSpec {
        flink_lib,
        native_lib,
        chain: args.chain,
        output_keys: args.output_keys,
    };
    let lines = faultline_flink_plugin::write_plugin(&args.dir, &spec)
        .with_context(|| format!("cannot write the plugin folder {}", args.dir.display()))?;
    eprintln!(
        "faultline: wrote {}; copy it into Flink's plugins/ and add to config.yaml:",
        args.dir.display()
    );
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
