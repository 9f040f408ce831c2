use std::path::Path;

fn main() {
    let plugins = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    let components = faultline_guest_build::build_workspace(&plugins);
    let mut code = String::from(
        "/// Every built-in component: (file name, bytes).\npub const COMPONENTS: &[(&str, &[u8])] = &[\n",
    );
    for c in components {
        code.push_str(&format!(
            "    ({:?}, include_bytes!({:?})),\n",
            format!("{}.wasm", c.name),
            c.path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("components.rs");
    std::fs::write(out, code).expect("write components.rs");
    println!(
        "cargo:rerun-if-changed={}",
        plugins.join("chain.toml").display()
    );
}
