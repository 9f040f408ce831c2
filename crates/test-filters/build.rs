use std::path::Path;

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/filters");
    let components = faultline_guest_build::build_workspace(&workspace);
    let mut code = String::new();
    for c in components {
        code.push_str(&format!(
            "/// The `{0}` test filter.\npub const {1}: &str = {2:?};\n",
            c.name,
            c.name.to_uppercase(),
            c.path.display().to_string()
        ));
    }
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("filters.rs");
    std::fs::write(out, code).expect("write filters.rs");
}
