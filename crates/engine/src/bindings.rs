//! Host bindings generated from `wit/classifier.wit`.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "classifier",
});

pub(crate) use faultline::classifier::types as wit;
