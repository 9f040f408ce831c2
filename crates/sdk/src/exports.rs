//! The component's core exports, written by hand so that nothing is
//! allocated or copied per call inside the guest: the host's allocation for
//! the input comes from a reused arena (`cabi_realloc` below), the views read
//! it in place, and the verdict is built in a reused buffer that the host
//! reads in place (so there is no post-return function either).

use std::alloc::{Layout, alloc, dealloc, realloc};
use std::cell::UnsafeCell;

use crate::{Failure, Filter, Stuck, Verdict};

/// A component instance is single-threaded: plain cells are enough.
struct Global<T>(UnsafeCell<T>);

// SAFETY: wasm32 component instances run one thread.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    #[allow(clippy::mut_from_ref)]
    fn get(&self) -> &mut T {
        // SAFETY: single-threaded, and no caller holds two borrows at once.
        unsafe { &mut *self.0.get() }
    }
}

/// Where the host's allocations for a call's input go.
///
/// Armed between calls (after `init`): the host's `cabi_realloc` requests
/// for the next call's input bump through one reused block. Disarmed while
/// guest code runs, so that anything else (WASI bindings, the filter itself)
/// gets ordinary heap memory. A request that does not fit goes to the heap
/// and is freed after the call, and the block grows for next time.
struct Arena {
    armed: bool,
    base: *mut u8,
    cap: usize,
    used: usize,
    /// Size the block should have at the next reset.
    want: usize,
}

const ARENA_ALIGN: usize = 16;
const ARENA_MIN: usize = 64 * 1024;

static ARENA: Global<Arena> = Global(UnsafeCell::new(Arena {
    armed: false,
    base: std::ptr::null_mut(),
    cap: 0,
    used: 0,
    want: ARENA_MIN,
}));

impl Arena {
    fn contains(&self, ptr: *const u8) -> bool {
        let (p, b) = (ptr as usize, self.base as usize);
        !self.base.is_null() && p >= b && p < b + self.cap
    }

    /// Empties the block (growing it if a request did not fit) and arms it.
    fn rearm(&mut self) {
        if self.want > self.cap {
            if !self.base.is_null() {
                // SAFETY: allocated below with this layout.
                unsafe {
                    dealloc(
                        self.base,
                        Layout::from_size_align_unchecked(self.cap, ARENA_ALIGN),
                    )
                };
            }
            let cap = self.want.max(self.cap * 2).next_multiple_of(ARENA_ALIGN);
            // SAFETY: non-zero size, valid alignment.
            self.base = unsafe { alloc(Layout::from_size_align_unchecked(cap, ARENA_ALIGN)) };
            self.cap = if self.base.is_null() { 0 } else { cap };
        }
        self.used = 0;
        self.armed = true;
    }
}

/// The canonical ABI's allocator, used by the host to pass arguments.
///
/// # Safety
/// Called by the host as the canonical ABI specifies.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    if new_len == 0 {
        return align as *mut u8;
    }
    let arena = ARENA.get();
    if arena.armed && old_len == 0 && align <= ARENA_ALIGN {
        let start = arena.used.next_multiple_of(align);
        if start + new_len <= arena.cap {
            arena.used = start + new_len;
            // SAFETY: within the block.
            return unsafe { arena.base.add(start) };
        }
        arena.want = arena.want.max(start + new_len);
    }
    // SAFETY: the canonical ABI passes a valid alignment, and `old_ptr`/`old_len`
    // of an earlier allocation of ours when growing.
    let ptr = unsafe {
        if old_len == 0 {
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(
                old_ptr,
                Layout::from_size_align_unchecked(old_len, align),
                new_len,
            )
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

/// Frees an argument the host allocated, unless it lives in the arena.
unsafe fn release(ptr: *mut u8, size: usize, align: usize) {
    if size != 0 && !ARENA.get().contains(ptr) {
        // SAFETY: allocated by `cabi_realloc` from the heap with this layout.
        unsafe { dealloc(ptr, Layout::from_size_align_unchecked(size, align)) };
    }
}

/// One filter value per instance.
static INSTANCE: Global<Option<Box<dyn std::any::Any>>> = Global(UnsafeCell::new(None));

/// The last answer (kept until the host has read it) and the return area pointing at it.
static OUT: Global<Vec<u32>> = Global(UnsafeCell::new(Vec::new()));
static RET: Global<[u32; 3]> = Global(UnsafeCell::new([0; 3]));

/// `init: func(config: string) -> result<_, string>`.
///
/// # Safety
/// Called by the host as the canonical ABI specifies.
pub unsafe fn export_init<F: Filter>(ptr: *mut u8, len: usize) -> *mut u8 {
    crate::__private::wit_bindgen::rt::run_ctors_once();
    ARENA.get().armed = false;
    let result = {
        // SAFETY: the host passed `len` bytes of UTF-8 at `ptr`.
        let config = unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len)) };
        serde_json::from_str::<F::Config>(config)
            .map_err(|e| format!("invalid config: {e}"))
            .and_then(F::new)
    };
    // SAFETY: the argument is ours to free.
    unsafe { release(ptr, len, 1) };
    let ret = RET.get();
    match result {
        Ok(filter) => {
            *INSTANCE.get() = Some(Box::new(filter));
            ret[0] = 0;
        }
        Err(message) => {
            // Leaked on purpose: an instance whose init failed is never used again.
            let message = message.leak();
            *ret = [1, message.as_ptr() as u32, message.len() as u32];
        }
    }
    ARENA.get().rearm();
    ret.as_mut_ptr().cast()
}

/// Runs `run` over the input buffer and returns the verdict's return area.
unsafe fn call(ptr: *mut u32, len: usize, run: impl FnOnce(&[u32]) -> Verdict) -> *mut u8 {
    ARENA.get().armed = false;
    let verdict = {
        // SAFETY: the host passed `len` words at `ptr`.
        let input = unsafe { std::slice::from_raw_parts(ptr.cast_const(), len) };
        run(input)
    };
    // SAFETY: the argument is ours to free.
    unsafe { release(ptr.cast(), len * 4, 4) };
    let out = OUT.get();
    Verdict::recycle(std::mem::replace(out, verdict.into_words()));
    let ret = RET.get();
    ret[0] = out.as_ptr() as u32;
    ret[1] = out.len() as u32;
    ARENA.get().rearm();
    ret.as_mut_ptr().cast()
}

fn filter<F: Filter>() -> &'static F {
    match INSTANCE.get().as_ref().and_then(|f| f.downcast_ref::<F>()) {
        Some(filter) => filter,
        None => panic!("faultline filter called before init"),
    }
}

/// `classify: func(input: list<u32>) -> list<u32>`.
///
/// # Safety
/// Called by the host as the canonical ABI specifies.
pub unsafe fn export_classify<F: Filter>(ptr: *mut u32, len: usize) -> *mut u8 {
    unsafe {
        call(ptr, len, |input| {
            filter::<F>().classify(&Failure::new(input))
        })
    }
}

/// `classify-stuck: func(input: list<u32>) -> list<u32>`.
///
/// # Safety
/// Called by the host as the canonical ABI specifies.
pub unsafe fn export_classify_stuck<F: Filter>(ptr: *mut u32, len: usize) -> *mut u8 {
    unsafe {
        call(ptr, len, |input| {
            filter::<F>().classify_stuck(&Stuck::new(input))
        })
    }
}
