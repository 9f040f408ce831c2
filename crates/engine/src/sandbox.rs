//! What a filter's store holds: a WASI context that grants nothing and a
//! resource limiter that caps memory and remembers when it said no.

use std::time::{Duration, Instant};

use rand::SeedableRng;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, UpdateDeadline};
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};

/// Per-store host state.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) budget: Budget,
}

impl HostState {
    /// A store state with no capabilities, a memory cap of `memory_bytes`
    /// and a per-call CPU budget of `budget`.
    pub(crate) fn new(memory_bytes: usize, budget: Budget) -> Self {
        HostState {
            wasi: deny_all_wasi(),
            table: ResourceTable::new(),
            limiter: Limiter {
                memory_bytes,
                memory_denied: false,
            },
            budget,
        }
    }
}

/// A call's time budget, counted in CPU time of the calling thread.
///
/// Wall time would blame a filter for the scheduler: on a loaded machine a
/// 3 µs call can be preempted for longer than any budget. So the store's
/// epoch deadline is one tick away; a call that ends within the tick (nearly
/// all do) costs nothing extra, and a longer one reads its thread's CPU
/// clock once per tick and is interrupted when it has used its budget, or
/// when wall time passes a generous cap (a starved thread still ends).
pub(crate) struct Budget {
    cpu: Duration,
    wall_cap: Duration,
    tick: Duration,
    started: Option<(Duration, Instant)>,
}

impl Budget {
    pub(crate) fn new(cpu: Duration, tick: Duration) -> Self {
        Budget {
            cpu,
            wall_cap: (cpu * 20).max(Duration::from_millis(100)),
            tick,
            started: None,
        }
    }

    /// Called before each call into the guest.
    pub(crate) fn reset(&mut self) {
        self.started = None;
    }

    /// Called by the epoch callback at each tick the call is still running.
    pub(crate) fn on_tick(&mut self) -> UpdateDeadline {
        let now = (thread_cpu_time(), Instant::now());
        let Some((cpu0, wall0)) = self.started else {
            self.started = Some(now);
            return UpdateDeadline::Continue(1);
        };
        // The tick before the first reading counts as spent.
        let used = now.0.saturating_sub(cpu0) + self.tick;
        if used >= self.cpu || now.1.duration_since(wall0) >= self.wall_cap {
            UpdateDeadline::Interrupt
        } else {
            UpdateDeadline::Continue(1)
        }
    }
}

/// CPU time consumed by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_THREAD_CPUTIME_ID exists on every supported unix.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Components built for `wasm32-wasip2` import WASI even when they never use
/// it, so the engine links WASI but hands out nothing: no preopened
/// directories, no environment, no arguments, no sockets or name lookups,
/// empty stdin and discarded stdout/stderr, a clock frozen at the epoch and
/// seeded randomness (so a filter's hash maps iterate the same way on every
/// instance and classification stays deterministic).
fn deny_all_wasi() -> WasiCtx {
    WasiCtxBuilder::new()
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }))
        .wall_clock(FrozenClock)
        .monotonic_clock(FrozenClock)
        .secure_random(rand::rngs::StdRng::seed_from_u64(0x5eed))
        .insecure_random(rand::rngs::StdRng::seed_from_u64(0x5eed))
        .insecure_random_seed(0x5eed)
        .build()
}

/// A clock that never moves: filters must not depend on time.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// Caps linear memory and tables; records a refused growth so that the trap
/// that follows (an allocator's abort) is reported as memory exhaustion.
pub(crate) struct Limiter {
    memory_bytes: usize,
    pub(crate) memory_denied: bool,
}

/// Table elements a filter may have; generous for any real component.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = desired <= self.memory_bytes;
        self.memory_denied |= !ok;
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = desired <= MAX_TABLE_ELEMENTS;
        self.memory_denied |= !ok;
        Ok(ok)
    }

    fn instances(&self) -> usize {
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        16
    }
}
