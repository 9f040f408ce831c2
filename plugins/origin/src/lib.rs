//! Blames a failure by where its root cause was thrown.
//!
//! - A class-loading error anywhere in the chain (`ClassNotFoundException`,
//!   `NoSuchMethodError`, ...: the job's jars miss a class or clash with
//!   Flink's) → `user/class-loading`.
//! - Otherwise the root cause's frames are read innermost first, skipping
//!   JDK and library frames (they say *how* it failed, not whose code asked):
//!   a user frame (also a lambda body or an anonymous `$1` class; a frame
//!   of unknown origin counts as the user's with `unknown-is-user`, since
//!   without the job's jar user classes are simply not known) →
//!   `user/user-code`; a Flink frame of an API the job's functions call
//!   (state, collectors, outputs: `api-frames`) is passed over, so a user
//!   frame below it still blames the user; any other Flink frame →
//!   `system/flink-runtime`.
//! - With `unknown-is-user = false` (the job's classes are known), code of
//!   unknown origin is passed over like a library's, but when nothing else
//!   decides it blames the system: it is at least not the job's code.
//! - A root cause without frames (Flink prints `... N more` only) is read
//!   through its enclosing throwables.
//! - A Python traceback quoted in a message (a PyFlink function failing in
//!   the Python worker) is read first, the same way: its innermost frame in
//!   neither PyFlink/Beam (`python-platform-paths`) nor the standard library
//!   or installed packages (`python-library-paths`) is the job's code.

use faultline_filter_kit::{self as kit};
use faultline_sdk::{Blame, Failure, Filter, Frame, Origin, Throwable, Verdict};

/// The filter's `[filter.config]`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Treat frames of unknown origin as user code.
    #[serde(default = "yes")]
    pub unknown_is_user: bool,
    /// Flink APIs the job's functions call.
    #[serde(default)]
    pub api_frames: Vec<String>,
    /// Extra package prefixes of user code.
    #[serde(default)]
    pub user_packages: Vec<String>,
    /// Extra package prefixes that are never user code.
    #[serde(default)]
    pub platform_packages: Vec<String>,
    /// Class-loading error classes (patterns as in rule tables).
    #[serde(default)]
    pub class_loading: Vec<String>,
    /// Connector packages (Flink's and third-party sources and sinks): a
    /// failure thrown there is, far more often than a connector bug, the
    /// job's configuration of it (options, credentials, the external
    /// system's settings) → `user/user-config`.
    #[serde(default)]
    pub connector_frames: Vec<String>,
    /// Exceptions that Flink code throws when it is used wrongly (a bad
    /// argument or setting) rather than when it is broken → `user/user-config`.
    #[serde(default)]
    pub misuse_exceptions: Vec<String>,
    /// A chain whose frames are all JDK and library code (no Flink frame at
    /// all) ran in a library only the job calls → `user/user-code`.
    #[serde(default = "yes")]
    pub library_only_is_user: bool,
    /// Packages of Flink, the JDK and libraries, for telling a cast between
    /// two platform classes (a classpath conflict) from a user's bad cast.
    #[serde(default)]
    pub cast_platform_packages: Vec<String>,
    /// A root cause thrown in Flink code that the job's code called directly
    /// (at most this many Flink frames, JDK frames aside, between the throw
    /// and a user frame) is the job's call gone wrong: a Flink utility or API
    /// refusing what it was asked (`ParameterTool.getRequired`, a context
    /// method), as `api-frames` lists known ones. 0 turns this off.
    #[serde(default)]
    pub called_api_depth: usize,
    /// Path fragments of Python files that are PyFlink's or Beam's runtime.
    #[serde(default)]
    pub python_platform_paths: Vec<String>,
    /// Path fragments of Python files of the standard library and installed
    /// packages: no say, like a Java library's frames.
    #[serde(default)]
    pub python_library_paths: Vec<String>,
    /// Path fragments of PyFlink's coders: a value the job's function
    /// returned that does not fit its declared type fails there.
    #[serde(default)]
    pub python_coder_paths: Vec<String>,
}

/// Whether a Python file `path` is under one of `fragments` (each a
/// relative path such as `pyflink/`): at its start, as Cython frames print
/// it, or after a `/`.
fn python_path_in(path: &str, fragments: &[String]) -> bool {
    fragments.iter().any(|f| {
        path.starts_with(f.as_str())
            || path
                .match_indices(f.as_str())
                .any(|(i, _)| path[..i].ends_with('/'))
    })
}

/// The first traceback in `message`, innermost frame first: each frame's
/// file path, line and function. Python prints a chained exception's cause
/// first, so the first traceback is the root cause's.
fn python_frames(message: &str) -> Vec<(&str, &str, &str)> {
    const HEADER: &str = "Traceback (most recent call last):";
    let Some(at) = message.find(HEADER) else {
        return Vec::new();
    };
    let block = &message[at + HEADER.len()..];
    let block = block.find(HEADER).map_or(block, |end| &block[..end]);
    let mut frames: Vec<_> = block
        .lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("File \"")?;
            let (path, rest) = rest.split_once('"')?;
            let rest = rest.trim_start_matches(", line ");
            let (line, func) = rest.split_once(", in ").unwrap_or((rest, ""));
            Some((path, line.trim(), func.trim()))
        })
        .collect();
    frames.reverse();
    frames
}

fn yes() -> bool {
    true
}

/// What a frame says about blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The job's code.
    User,
    /// A connector the job configured.
    Connector,
    /// Flink API called by the job's code: look further down.
    Api,
    /// Flink's runtime.
    Runtime,
    /// JDK, libraries, unknown when not counted as user: no say.
    Neutral,
}

/// The origin filter.
pub struct OriginFilter(Config);

impl OriginFilter {
    /// What `f` says about blame.
    pub fn kind(&self, f: &Frame<'_>) -> Kind {
        let class = f.class_name();
        if kit::in_packages(class, &self.0.user_packages) {
            return Kind::User;
        }
        if kit::in_packages(class, &self.0.connector_frames) {
            return Kind::Connector;
        }
        if kit::in_packages(class, &self.0.platform_packages) {
            return Kind::Neutral;
        }
        match f.origin() {
            Origin::User => Kind::User,
            Origin::Unknown if self.0.unknown_is_user => Kind::User,
            Origin::Flink if kit::in_packages(class, &self.0.api_frames) => Kind::Api,
            Origin::Flink => Kind::Runtime,
            _ => Kind::Neutral,
        }
    }

    /// Whether the Flink frame at `top` (the first one of the throwable that
    /// is not an API's) begins a run of at most `called-api-depth` Flink
    /// frames called by the job's code.
    fn called_directly(&self, t: &Throwable<'_>, top: usize) -> bool {
        if self.0.called_api_depth == 0 {
            return false;
        }
        let mut flink = 0;
        for f in t.frames().skip(top) {
            match self.kind(&f) {
                Kind::User => return flink > 0,
                Kind::Api | Kind::Runtime => {
                    flink += 1;
                    if flink > self.0.called_api_depth {
                        return false;
                    }
                }
                Kind::Connector => return false,
                Kind::Neutral => {}
            }
        }
        false
    }

    /// The frame that decides and its kind (`User` or `Runtime`), and whether a Flink API frame was passed.
    fn deciding<'a>(&self, t: &Throwable<'a>) -> Option<(Frame<'a>, Kind, bool)> {
        let mut via_api = false;
        let mut first_unknown = None;
        for (i, f) in t.frames().enumerate() {
            match self.kind(&f) {
                Kind::Neutral => {
                    if f.origin() == Origin::Unknown {
                        first_unknown.get_or_insert(f);
                    }
                }
                Kind::Api => via_api = true,
                Kind::Runtime if self.called_directly(t, i) => via_api = true,
                k => return Some((f, k, via_api)),
            }
        }
        // Only code of unknown origin while the user's classes are known
        // (`unknown-is-user = false`): it is not the job's, so not the user's fault.
        first_unknown.map(|f| (f, Kind::Runtime, via_api))
    }
}

impl Filter for OriginFilter {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        Ok(OriginFilter(config))
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        if kit::decided(failure) {
            return Verdict::new();
        }
        let chain = kit::root_first(failure);
        if let Some(t) = chain.iter().find(|t| {
            self.0
                .class_loading
                .iter()
                .any(|p| kit::class_matches(p, t.class_name()))
        }) {
            return kit::decide(
                Blame::User,
                "class-loading",
                format!("origin: {} (the job's classpath)", t.simple_name()),
            )
            .label(
                "origin.class",
                t.message_or_empty().lines().next().unwrap_or(""),
            );
        }
        let Some(root_cause) = chain.first() else {
            return Verdict::new();
        };
        if let Some(v) = chain.iter().find_map(|t| self.python_traceback(t)) {
            return v;
        }
        if let Some(v) = self.conflicting_cast(root_cause) {
            return v;
        }
        let mut current = Some(*root_cause);
        while let Some(t) = current {
            if let Some((f, kind, via_api)) = self.deciding(&t) {
                return self.verdict(root_cause, &f, kind, via_api);
            }
            current = t.parent();
        }
        let library_only = failure
            .frames()
            .all(|f| matches!(f.origin(), Origin::Jdk | Origin::Library))
            && failure.frames().any(|f| f.origin() == Origin::Library);
        if self.0.library_only_is_user && library_only {
            return kit::decide(
                Blame::User,
                "user-code",
                format!(
                    "origin: {} thrown in a library with no Flink frame: called by the job",
                    root_cause.simple_name()
                ),
            );
        }
        Verdict::new()
    }
}

impl OriginFilter {
    /// The verdict of a Python traceback in `t`'s message: its innermost
    /// frame that is the job's (user) or PyFlink's (system).
    fn python_traceback(&self, t: &Throwable<'_>) -> Option<Verdict> {
        let c = &self.0;
        let (path, line, func) =
            python_frames(t.message_or_empty())
                .into_iter()
                .find(|(path, _, _)| {
                    python_path_in(path, &c.python_platform_paths)
                        || !python_path_in(path, &c.python_library_paths)
                })?;
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let frame = format!("{file}:{line} {func}");
        let v = if python_path_in(path, &c.python_coder_paths) {
            kit::decide(
                Blame::User,
                "serialization",
                format!(
                    "origin: a value of the job's Python function does not fit its declared type ({frame})"
                ),
            )
        } else if python_path_in(path, &c.python_platform_paths) {
            kit::decide(
                Blame::System,
                "flink-runtime",
                format!("origin: Python error thrown in PyFlink code {frame}"),
            )
        } else {
            kit::decide(
                Blame::User,
                "user-code",
                format!("origin: Python error thrown in user code {frame}"),
            )
        };
        Some(v.label("origin.frame", frame))
    }

    /// A `ClassCastException` between two classes of the same name (loaded
    /// twice) or between two platform classes (a library cannot mis-cast its
    /// own types unless two versions of it are on the classpath) is a
    /// classpath conflict in the job's jars; but a cast between two different
    /// classes in the job's own frame (`Integer cannot be cast to String` in
    /// its filter) is the job's bad cast, left to the frame walk.
    fn conflicting_cast(&self, t: &Throwable<'_>) -> Option<Verdict> {
        if !kit::class_matches("java.lang.ClassCastException", t.class_name()) {
            return None;
        }
        let mut names = kit::class_names(t.message_or_empty());
        let (from, to) = (names.next()?, names.next()?);
        let platform = |c: &str| {
            kit::in_packages(c, &self.0.cast_platform_packages)
                && !kit::in_packages(c, &self.0.user_packages)
        };
        let in_user_code = || matches!(self.deciding(t), Some((_, Kind::User, _)));
        let conflict = from == to || (platform(from) && platform(to) && !in_user_code());
        conflict.then(|| {
            kit::decide(
                Blame::User,
                "class-loading",
                format!("origin: {from} cannot be cast to {to}: two versions on the classpath"),
            )
        })
    }

    fn verdict(
        &self,
        root_cause: &Throwable<'_>,
        f: &Frame<'_>,
        kind: Kind,
        via_api: bool,
    ) -> Verdict {
        let name = root_cause.simple_name();
        let misuse = self
            .0
            .misuse_exceptions
            .iter()
            .any(|p| kit::class_matches(p, root_cause.class_name()));
        let v = match kind {
            Kind::User => {
                let how = if f.is_lambda() {
                    "a lambda of "
                } else if via_api {
                    "a Flink API called by "
                } else {
                    ""
                };
                kit::decide(
                    Blame::User,
                    "user-code",
                    format!(
                        "origin: {name} thrown in {how}user code {}",
                        kit::frame_name(f)
                    ),
                )
            }
            Kind::Connector => kit::decide(
                Blame::User,
                "user-config",
                format!("origin: {name} thrown in connector {}", kit::frame_name(f)),
            ),
            _ if misuse && f.origin() == Origin::Flink => kit::decide(
                Blame::User,
                "user-config",
                format!(
                    "origin: {name} from Flink code {}: used wrongly",
                    kit::frame_name(f)
                ),
            ),
            _ => kit::decide(
                Blame::System,
                "flink-runtime",
                format!("origin: {name} thrown in Flink code {}", kit::frame_name(f)),
            ),
        };
        v.label("origin.frame", kit::frame_name(f))
    }
}

faultline_sdk::filter!(OriginFilter);

#[cfg(test)]
mod tests;
