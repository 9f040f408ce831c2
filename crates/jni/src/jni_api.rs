//! The JNI entry points of `dev.faultline.flink.NativeChain`. Every entry catches
//! panics and turns errors into a Java `IllegalStateException`: nothing unwinds into
//! the JVM. Handles are ids in a table of `Arc`s, so a close racing a classify frees
//! nothing still in use and a stale or forged id is an error, not a dangling pointer.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use jni::JNIEnv;
use jni::objects::{JClass, JObject, JString};
use jni::sys::{jlong, jobjectArray, jstring};

use crate::Handle;

static HANDLES: Mutex<Option<HashMap<i64, Arc<Handle>>>> = Mutex::new(None);
static NEXT_ID: AtomicI64 = AtomicI64::new(1);

fn handles() -> std::sync::MutexGuard<'static, Option<HashMap<i64, Arc<Handle>>>> {
    HANDLES.lock().unwrap_or_else(|p| p.into_inner())
}

fn lookup(id: i64) -> Result<Arc<Handle>, String> {
    handles()
        .as_ref()
        .and_then(|h| h.get(&id).cloned())
        .ok_or_else(|| format!("no open chain with handle {id}"))
}

/// Runs `f`, turning an error or a panic into a pending Java exception and `default`.
fn guarded<'local, T>(
    env: &mut JNIEnv<'local>,
    what: &str,
    default: T,
    f: impl FnOnce(&mut JNIEnv<'local>) -> Result<T, String>,
) -> T {
    let message = match catch_unwind(AssertUnwindSafe(|| f(env))) {
        Ok(Ok(value)) => return value,
        Ok(Err(message)) => message,
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            format!("faultline panicked: {text}")
        }
    };
    tracing::error!("{what}: {message}");
    // An exception already pending (say an OutOfMemoryError from the JVM) says more.
    if !env.exception_check().unwrap_or(true) {
        let _ = env.throw_new(
            "java/lang/IllegalStateException",
            format!("{what}: {message}"),
        );
    }
    default
}

fn java_string(env: &mut JNIEnv<'_>, s: &JString<'_>) -> Result<String, String> {
    if s.is_null() {
        return Ok(String::new());
    }
    env.get_string(s)
        .map(Into::into)
        .map_err(|e| format!("cannot read a Java string: {e}"))
}

/// `static native String version()`: this library's version.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_faultline_flink_NativeChain_version<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jstring {
    guarded(&mut env, "version", std::ptr::null_mut(), |env| {
        env.new_string(env!("CARGO_PKG_VERSION"))
            .map(JString::into_raw)
            .map_err(|e| e.to_string())
    })
}

/// `static native long open(String chainDir, String optionsJson)`: loads and watches a chain.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_faultline_flink_NativeChain_open<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    dir: JString<'local>,
    options: JString<'local>,
) -> jlong {
    crate::init_logging();
    guarded(&mut env, "opening the chain", 0, |env| {
        let dir = java_string(env, &dir)?;
        let options = java_string(env, &options)?;
        let handle = Handle::open_json(Path::new(&dir), &options).map_err(|e| e.to_string())?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        handles()
            .get_or_insert_with(HashMap::new)
            .insert(id, Arc::new(handle));
        Ok(id)
    })
}

/// `static native String[] classify(long handle, String recordJson)`: the labels as
/// key, value, key, value, ... (`chain-version` among them).
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_faultline_flink_NativeChain_classify<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    record: JString<'local>,
) -> jobjectArray {
    guarded(&mut env, "classifying", std::ptr::null_mut(), |env| {
        let handle = lookup(handle)?;
        let json = java_string(env, &record)?;
        let labels = handle.classify_json(&json).map_err(|e| e.to_string())?;
        let len = i32::try_from(labels.len() * 2).map_err(|_| "too many labels".to_owned())?;
        let array = env
            .new_object_array(len, "java/lang/String", JObject::null())
            .map_err(|e| e.to_string())?;
        for (i, text) in labels.iter().flat_map(|(k, v)| [k, v]).enumerate() {
            let s = env.new_string(text).map_err(|e| e.to_string())?;
            env.set_object_array_element(&array, i as i32, &s)
                .map_err(|e| e.to_string())?;
            // Long label lists must not exhaust the JNI frame's local references.
            env.delete_local_ref(s).map_err(|e| e.to_string())?;
        }
        Ok(array.into_raw())
    })
}

/// `static native String chainVersion(long handle)`: the version of the chain in use.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_faultline_flink_NativeChain_chainVersion<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jstring {
    guarded(
        &mut env,
        "reading the chain version",
        std::ptr::null_mut(),
        |env| {
            let version = lookup(handle)?.chain_version();
            env.new_string(version)
                .map(JString::into_raw)
                .map_err(|e| e.to_string())
        },
    )
}

/// `static native void close(long handle)`: forgets a handle; calls in flight finish first.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_faultline_flink_NativeChain_close<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    guarded(&mut env, "closing the chain", (), |_| {
        handles().as_mut().and_then(|h| h.remove(&handle));
        Ok(())
    })
}
