//! One loaded filter: its compiled component, a pool of ready instances, and
//! the call wrapper that turns anything the guest does into an outcome.

use std::sync::Mutex;

use faultline_model::{LabelError, OutputLimits, SkipReason, validate_label};
use wasmtime::Store;
use wasmtime::component::Component;

use crate::bindings::{Classifier, ClassifierPre, wit};
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

/// An instance ready to be called, with its own store.
struct Slot {
    store: Store<HostState>,
    bindings: Classifier,
}

/// Instantiates and calls one filter. Instances are pooled and reused; one
/// that trapped is dropped, since wasmtime leaves it unusable.
pub(crate) struct Runner {
    engine: Engine,
    pre: ClassifierPre<HostState>,
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
        let instance_pre = engine
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| format!("cannot link: {e:#}"))?;
        let pre = ClassifierPre::new(instance_pre).map_err(|e| {
            format!("does not implement faultline:classifier/classifier@0.1.0: {e:#}")
        })?;
        let runner = Runner {
            engine: engine.clone(),
            pre,
            config_json,
            limits,
            pool: Mutex::new(Vec::new()),
            max_idle: std::thread::available_parallelism().map_or(4, |n| n.get() * 2),
        };
        let slot = runner
            .instantiate()
            .map_err(|reason| format!("refused at start: {reason}"))?;
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
        let bindings = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| guest_failure(&store, e))?;
        arm(&mut store);
        match bindings.call_init(&mut store, &self.config_json) {
            Ok(Ok(())) => Ok(Slot { store, bindings }),
            Ok(Err(message)) => Err(SkipReason::Unavailable(format!(
                "init refused its config: {}",
                clip(&message)
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

    /// Runs `call` on a pooled instance under the time budget and memory cap.
    fn call(
        &self,
        call: impl FnOnce(&Classifier, &mut Store<HostState>) -> wasmtime::Result<wit::Verdict>,
    ) -> Result<Verdict, SkipReason> {
        let mut slot = self.take()?;
        arm(&mut slot.store);
        match call(&slot.bindings, &mut slot.store) {
            Ok(verdict) => {
                self.give_back(slot);
                validate(verdict, &self.limits.output)
            }
            // The slot is dropped here: a trapped instance is never reused.
            Err(e) => Err(guest_failure(&slot.store, e)),
        }
    }

    pub(crate) fn classify(&self, input: &wit::FailureRecord) -> Result<Verdict, SkipReason> {
        self.call(|b, store| b.call_classify(store, input))
    }

    pub(crate) fn classify_stuck(&self, input: &wit::StuckSample) -> Result<Verdict, SkipReason> {
        self.call(|b, store| b.call_classify_stuck(store, input))
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

/// Keeps guest-provided text in logs and reports short.
fn clip(s: &str) -> &str {
    let mut end = s.len().min(300);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn validate(v: wit::Verdict, limits: &OutputLimits) -> Result<Verdict, SkipReason> {
    let invalid = |e: LabelError| SkipReason::InvalidOutput(e.to_string());
    if v.labels.len() > limits.max_labels {
        return Err(invalid(LabelError::TooMany {
            count: v.labels.len(),
            max: limits.max_labels,
        }));
    }
    if v.reason.len() > limits.max_reason_len {
        return Err(invalid(LabelError::ReasonTooLong {
            len: v.reason.len(),
            max: limits.max_reason_len,
        }));
    }
    let mut labels = Vec::with_capacity(v.labels.len());
    for l in v.labels {
        validate_label(&l.key, &l.value, limits).map_err(invalid)?;
        if labels.iter().any(|(k, _): &(String, String)| *k == l.key) {
            return Err(invalid(LabelError::Duplicate(l.key)));
        }
        labels.push((l.key, l.value));
    }
    Ok(Verdict {
        labels,
        stop: v.stop,
        reason: v.reason,
    })
}
