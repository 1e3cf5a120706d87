//! Tells the builder when openh264 will be compiled without its assembly.

fn main() {
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=OPENH264_NO_ASM");
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if !matches!(target_arch.as_str(), "x86" | "x86_64") {
        return;
    }
    let found = std::process::Command::new("nasm")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!(
            "cargo:warning=nasm was not found on PATH: openh264 is built without its x86 assembly and encodes about 3x slower. Install nasm (apt-get install nasm) and rebuild."
        );
    }
}
