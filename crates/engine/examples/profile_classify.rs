//! Runs one filter over a record many times, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_classify [rule|floor] [N]`.
//! `rule`: the `rule` filter over the 50-frame sample record; `floor`: the
//! `fixed` filter's empty answer to a one-exception record (the per-call floor).
fn main() {
    let mut args = std::env::args().skip(1);
    let floor = args.next().is_some_and(|a| a == "floor");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let (path, config, record) = if floor {
        (
            faultline_test_filters::FIXED,
            "",
            faultline_model::FailureRecord::single("E", None, vec![]),
        )
    } else {
        let config = "[filter.config]\nprefix = \"com.acme.\"\nkey = \"blame\"\nvalue = \"user\"\n";
        (
            faultline_test_filters::RULE,
            config,
            faultline_test_filters::sample_record(),
        )
    };
    let engine = faultline_engine::Engine::with_defaults().unwrap();
    let text = format!("[[filter]]\nname = \"profiled\"\npath = {path:?}\n{config}");
    let manifest =
        faultline_engine::Manifest::parse(&text, std::path::Path::new("p.toml")).unwrap();
    let chain = faultline_engine::Chain::from_manifest(&engine, manifest, |s| {
        std::fs::read(&s.path).map_err(|e| e.to_string())
    });
    for _ in 0..n {
        std::hint::black_box(chain.classify(&record));
    }
}
