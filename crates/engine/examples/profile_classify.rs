//! Runs one filter over the sample record many times, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_classify`.
fn main() {
    let engine = faultline_engine::Engine::with_defaults().unwrap();
    let text = format!(
        "[[filter]]\nname = \"rule\"\npath = {:?}\n[filter.config]\nprefix = \"com.acme.\"\nkey = \"blame\"\nvalue = \"user\"\n",
        faultline_test_filters::RULE
    );
    let manifest =
        faultline_engine::Manifest::parse(&text, std::path::Path::new("p.toml")).unwrap();
    let chain = faultline_engine::Chain::from_manifest(&engine, manifest, |s| {
        std::fs::read(&s.path).map_err(|e| e.to_string())
    });
    let record = faultline_test_filters::sample_record();
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    for _ in 0..n {
        std::hint::black_box(chain.classify(&record));
    }
}
