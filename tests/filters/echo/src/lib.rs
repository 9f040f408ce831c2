//! Reports what it saw of the record as labels, so tests can check that
//! everything the host encodes arrives intact in the guest.
use faultline_sdk::{Failure, Filter, NoConfig, Origin, Stuck, Verdict};

struct Echo;

fn origin(o: Origin) -> &'static str {
    match o {
        Origin::Unknown => "unknown",
        Origin::User => "user",
        Origin::Flink => "flink",
        Origin::Jdk => "jdk",
        Origin::Library => "library",
    }
}

impl Filter for Echo {
    type Config = NoConfig;
    fn new(_: NoConfig) -> Result<Self, String> {
        Ok(Echo)
    }
    fn classify(&self, failure: &Failure) -> Verdict {
        let root_cause = failure.root_cause();
        let top = root_cause.and_then(|t| t.top_frame());
        let seen: Vec<String> = failure.labels().map(|(k, v)| format!("{k}={v}")).collect();
        let ctx = failure.context();
        Verdict::new()
            .label("echo.root", failure.root().map_or("", |t| t.class_name()))
            .label("echo.root-cause", root_cause.map_or("", |t| t.class_name()))
            .label("echo.root-cause-message", root_cause.and_then(|t| t.message()).unwrap_or("<null>"))
            .label("echo.causes", failure.causes().count().to_string())
            .label("echo.throwables", failure.throwables().count().to_string())
            .label("echo.suppressed", failure.root().map_or(0, |t| t.suppressed().count()).to_string())
            .label("echo.frames", failure.frames().count().to_string())
            .label(
                "echo.top-frame",
                top.map_or(String::new(), |f| {
                    format!("{}.{}:{}:{}", f.class_name(), f.method(), f.line().map_or(-1, i64::from), origin(f.origin()))
                }),
            )
            .label("echo.seen", seen.join(","))
            .label("echo.job", ctx.job_name().unwrap_or("<none>"))
            .label("echo.subtask", ctx.subtask_index().map_or("<none>".into(), |i| i.to_string()))
            .label("echo.truncated", failure.is_truncated().to_string())
    }
    fn classify_stuck(&self, sample: &Stuck) -> Verdict {
        let blocked = sample.task_threads().find_map(|t| t.lock_owner().map(|o| o.name()));
        Verdict::new()
            .label("echo.threads", sample.threads().count().to_string())
            .label("echo.blocked-by", blocked.unwrap_or("<none>"))
            .label("echo.stalled-ms", sample.progress().stalled_ms.to_string())
    }
}

faultline_sdk::filter!(Echo);
