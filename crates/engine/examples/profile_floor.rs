//! The engine's per-call floor (an empty answer to a one-exception record), for profilers.
fn main() {
    let engine = faultline_engine::Engine::with_defaults().unwrap();
    let text = format!(
        "[[filter]]\nname = \"fixed\"\npath = {:?}\n",
        faultline_test_filters::FIXED
    );
    let manifest =
        faultline_engine::Manifest::parse(&text, std::path::Path::new("p.toml")).unwrap();
    let chain = faultline_engine::Chain::from_manifest(&engine, manifest, |s| {
        std::fs::read(&s.path).map_err(|e| e.to_string())
    });
    let record = faultline_model::FailureRecord::single("E", None, vec![]);
    for _ in 0..4000 {
        std::hint::black_box(chain.classify(&record));
    }
}
