//! What a filter's store holds: a WASI context that grants nothing and a
//! resource limiter that caps memory and remembers when it said no.

use std::time::Duration;

use rand::SeedableRng;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Per-store host state.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
}

impl HostState {
    /// A store state with no capabilities and a memory cap of `memory_bytes`.
    pub(crate) fn new(memory_bytes: usize) -> Self {
        HostState {
            wasi: deny_all_wasi(),
            table: ResourceTable::new(),
            limiter: Limiter { memory_bytes, memory_denied: false },
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
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
    fn memory_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        let ok = desired <= self.memory_bytes;
        self.memory_denied |= !ok;
        Ok(ok)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
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
