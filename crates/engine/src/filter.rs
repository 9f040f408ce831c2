//! One loaded filter: its compiled component, a pool of ready instances, and
//! the call wrapper that turns anything the guest does into an outcome.

use std::sync::Mutex;

use faultline_abi::{self as abi, verdict as v};
use faultline_model::{LabelError, OutputLimits, SkipReason, validate_label};
use wasmtime::Store;
use wasmtime::component::{Component, Func, InstancePre, TypedFunc, WasmList};

use crate::engine::Engine;
use crate::manifest::Limits;
use crate::sandbox::{Budget, HostState};

/// A filter's answer after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub labels: Vec<(String, String)>,
    pub stop: bool,
    pub reason: String,
}

/// `classify` and `classify-stuck`: one input buffer in, one verdict buffer out.
type Classify<'a> = TypedFunc<(&'a [u32],), (WasmList<u32>,)>;

/// An instance ready to be called, with its own store.
struct Slot {
    store: Store<HostState>,
    /// Type-checked at instantiation as [`Classify`].
    classify: Func,
    classify_stuck: Func,
}

/// Which export to call.
#[derive(Clone, Copy)]
enum Export {
    Failure,
    Stuck,
}

/// The world's name, for messages.
const WORLD: &str = "faultline:classifier/classifier@0.1.0";

/// Instantiates and calls one filter. Instances are pooled and reused; one
/// that trapped is dropped, since wasmtime leaves it unusable.
pub(crate) struct Runner {
    engine: Engine,
    pre: InstancePre<HostState>,
    config_json: String,
    limits: Limits,
    pool: Mutex<Vec<Slot>>,
    max_idle: usize,
}

impl Runner {
    /// Compiles and links `bytes`, then instantiates once and calls `init`,
    /// so a filter that cannot run is refused at load time.
    pub(crate) fn load(
        engine: &Engine,
        bytes: &[u8],
        config_json: String,
        limits: Limits,
    ) -> Result<Runner, String> {
        let component: Component = engine.compile(bytes)?;
        let pre = engine
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| format!("cannot link: {e:#}"))?;
        for name in ["init", "classify", "classify-stuck"] {
            if component.get_export_index(None, name).is_none() {
                return Err(format!("does not implement {WORLD}: no export `{name}`"));
            }
        }
        let runner = Runner {
            engine: engine.clone(),
            pre,
            config_json,
            limits,
            pool: Mutex::new(Vec::new()),
            max_idle: std::thread::available_parallelism().map_or(4, |n| n.get() * 2),
        };
        let slot = runner.instantiate().map_err(|reason| match reason {
            SkipReason::Unavailable(message) => message,
            other => format!("fails at start: {other}"),
        })?;
        runner.give_back(slot);
        Ok(runner)
    }

    fn instantiate(&self) -> Result<Slot, SkipReason> {
        let budget = Budget::new(self.limits.timeout, self.engine.config().epoch_tick);
        let mut store = Store::new(
            self.engine.wasmtime(),
            HostState::new(self.limits.memory_bytes, budget),
        );
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_callback(|mut ctx| Ok(ctx.data_mut().budget.on_tick()));
        arm(&mut store);
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| guest_failure(&store, e))?;
        let not_world = |e: wasmtime::Error| {
            SkipReason::Unavailable(format!("does not implement {WORLD}: {e:#}"))
        };
        let init = instance
            .get_typed_func::<(&str,), (Result<(), String>,)>(&mut store, "init")
            .map_err(not_world)?;
        let mut classify = |name: &str| -> Result<Func, SkipReason> {
            instance
                .get_typed_func::<(&[u32],), (WasmList<u32>,)>(&mut store, name)
                .map(|f| *f.func())
                .map_err(not_world)
        };
        let (classify, classify_stuck) = (classify("classify")?, classify("classify-stuck")?);
        arm(&mut store);
        match init.call(&mut store, (&self.config_json,)).map(|(r,)| r) {
            Ok(Ok(())) => Ok(Slot {
                store,
                classify,
                classify_stuck,
            }),
            Ok(Err(message)) => Err(SkipReason::Unavailable(format!(
                "init refused its config: {}",
                config_error(clip(&message), &self.config_json)
            ))),
            Err(e) => Err(guest_failure(&store, e)),
        }
    }

    fn take(&self) -> Result<Slot, SkipReason> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(slot) => Ok(slot),
            None => self.instantiate(),
        }
    }

    fn give_back(&self, slot: Slot) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < self.max_idle {
            pool.push(slot);
        }
    }

    /// Calls `export` with `input` on a pooled instance under the time
    /// budget and memory cap, and reads the verdict in place.
    fn call(&self, export: Export, input: &[u32]) -> Result<Verdict, SkipReason> {
        let mut slot = self.take()?;
        arm(&mut slot.store);
        let func = match export {
            Export::Failure => slot.classify,
            Export::Stuck => slot.classify_stuck,
        };
        // SAFETY: `func` was type-checked as `Classify` when the instance was made.
        let typed: Classify<'_> = unsafe { TypedFunc::new_unchecked(func) };
        match typed.call(&mut slot.store, (input,)) {
            Ok((answer,)) => {
                let verdict = read_verdict(answer.as_le_slice(&slot.store), &self.limits.output);
                self.give_back(slot);
                verdict
            }
            // The slot is dropped here: a trapped instance is never reused.
            Err(e) => Err(guest_failure(&slot.store, e)),
        }
    }

    pub(crate) fn classify(&self, input: &[u32]) -> Result<Verdict, SkipReason> {
        self.call(Export::Failure, input)
    }

    pub(crate) fn classify_stuck(&self, input: &[u32]) -> Result<Verdict, SkipReason> {
        self.call(Export::Stuck, input)
    }
}

/// Resets the budget and the memory flag before a call into the guest.
fn arm(store: &mut Store<HostState>) {
    let state = store.data_mut();
    state.budget.reset();
    state.limiter.memory_denied = false;
    store.set_epoch_deadline(1);
}

/// Names what went wrong inside the guest.
fn guest_failure(store: &Store<HostState>, e: wasmtime::Error) -> SkipReason {
    if store.data().limiter.memory_denied {
        return SkipReason::Memory;
    }
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => SkipReason::Timeout,
        Some(trap) => SkipReason::Trap(trap.to_string()),
        None => SkipReason::Trap(clip(&format!("{e:#}")).to_owned()),
    }
}

/// Names the `[filter.config]` key a JSON error points at: filters parse their config
/// from JSON the host wrote, whose line and column mean nothing to the author of
/// `chain.toml`.
fn config_error(message: &str, config_json: &str) -> String {
    let Some((text, position)) = message.rsplit_once(" at line ") else {
        return message.to_owned();
    };
    let column = position
        .split_once(" column ")
        .and_then(|(_, c)| c.trim().parse::<usize>().ok());
    let (Some(column), Some(prefix)) = (
        column,
        column.and_then(|c| config_json.get(..c.min(config_json.len()))),
    ) else {
        return message.to_owned();
    };
    // The last `"key":` before the error's position names the value it is in.
    let key = prefix.rfind("\":").and_then(|end| {
        let start = prefix[..end].rfind('"')?;
        Some(&prefix[start + 1..end])
    });
    match key {
        Some(key) if column > 0 => format!("key `{key}`: {text}"),
        _ => text.to_owned(),
    }
}

/// Keeps guest-provided text in logs and reports short.
fn clip(s: &str) -> &str {
    let mut end = s.len().min(300);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads and validates a verdict laid out as in `faultline_abi::verdict`.
fn read_verdict(words: &[u32], limits: &OutputLimits) -> Result<Verdict, SkipReason> {
    let invalid = |e: LabelError| SkipReason::InvalidOutput(e.to_string());
    let malformed = |what: &str| SkipReason::InvalidOutput(format!("malformed verdict: {what}"));
    if words.len() < v::HEADER {
        return Err(malformed("shorter than its header"));
    }
    let n = words[v::LABELS] as usize;
    if n > limits.max_labels {
        return Err(invalid(LabelError::TooMany {
            count: n,
            max: limits.max_labels,
        }));
    }
    let rows_at = words[v::ROWS] as usize;
    let rows = words
        .get(rows_at..rows_at.saturating_add(n * abi::label::STRIDE))
        .ok_or_else(|| malformed("label rows past its end"))?;
    let bytes = abi::bytes(words);
    let text = |(start, len): (u32, u32)| -> Result<&str, SkipReason> {
        let start = start as usize;
        let s = bytes
            .get(start..start.saturating_add(len as usize))
            .ok_or_else(|| malformed("span past its end"))?;
        std::str::from_utf8(s).map_err(|_| malformed("text is not UTF-8"))
    };
    let (reason_start, reason_len) = (words[v::REASON], words[v::REASON + 1]);
    if reason_len as usize > limits.max_reason_len {
        return Err(invalid(LabelError::ReasonTooLong {
            len: reason_len as usize,
            max: limits.max_reason_len,
        }));
    }
    let reason = text((reason_start, reason_len))?;
    let mut labels: Vec<(String, String)> = Vec::with_capacity(n);
    for row in rows.chunks_exact(abi::label::STRIDE).map(abi::Row) {
        let key = text(row.span(abi::label::KEY))?;
        let value = text(row.span(abi::label::VALUE))?;
        validate_label(key, value, limits).map_err(invalid)?;
        if labels.iter().any(|(k, _)| k == key) {
            return Err(invalid(LabelError::Duplicate(key.to_owned())));
        }
        labels.push((key.to_owned(), value.to_owned()));
    }
    Ok(Verdict {
        labels,
        stop: words[v::FLAGS] & v::STOP != 0,
        reason: reason.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::config_error;

    #[test]
    fn a_config_error_names_the_key_instead_of_a_json_position() {
        let json = r#"{"labels":{"a":"b"},"user-packages":3}"#;
        let col = json.find('3').unwrap() + 1;
        let msg = format!(
            "invalid config: invalid type: integer `3`, expected a sequence at line 1 column {col}"
        );
        assert_eq!(
            config_error(&msg, json),
            "key `user-packages`: invalid config: invalid type: integer `3`, expected a sequence"
        );
        assert_eq!(
            config_error("refused as configured", json),
            "refused as configured"
        );
    }
}
