//! Helpers shared by the integration tests of framecast-color.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::Write;

use framecast_color::Backend;
use framecast_core::{ColorSpec, Matrix, Range};

/// Whether this run is CI, where a missing backend or oracle is a failure instead of a SKIP.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Reports a skipped check on the real stderr (libtest's capture does not swallow it), or fails
/// in CI.
pub(crate) fn skip(what: &str) {
    assert!(!in_ci(), "{what}: not available, and CI=1 requires it");
    let _ = writeln!(std::io::stderr(), "SKIP: {what}");
}

/// Reports an optional check that cannot run here on the real stderr, in CI too: unlike
/// [`skip`], it never fails (CI machines need not have, say, AVX-512).
pub(crate) fn note_optional_skip(what: &str) {
    let _ = writeln!(std::io::stderr(), "SKIP: {what}");
}

/// The SIMD backends this target must run in CI. AVX-512 is not one of them: it is tested
/// where the CPU has it and reported as an optional SKIP elsewhere.
pub(crate) fn expected_backends() -> Vec<Backend> {
    let mut v = Vec::new();
    if cfg!(target_arch = "x86_64") {
        v.extend([Backend::Sse41, Backend::Avx2]);
    }
    if cfg!(target_arch = "aarch64") {
        v.push(Backend::Neon);
    }
    if cfg!(target_arch = "wasm32") {
        v.push(Backend::Simd128);
    }
    v
}

/// The SIMD backends to test: the available ones; expected ones that cannot run are SKIPped
/// (or fail in CI), optional ones (AVX-512) are SKIPped.
pub(crate) fn simd_backends() -> Vec<Backend> {
    for b in expected_backends() {
        if !b.is_available() {
            skip(&format!("backend {b} (this CPU or build cannot run it)"));
        }
    }
    if cfg!(target_arch = "x86_64") && !Backend::Avx512.is_available() {
        note_optional_skip("backend avx512 (this CPU lacks AVX-512F/BW/VBMI; optional)");
    }
    Backend::available()
        .into_iter()
        .filter(|&b| b != Backend::Scalar)
        .collect()
}

/// Every matrix x range.
pub(crate) fn all_specs() -> Vec<ColorSpec> {
    Matrix::ALL
        .into_iter()
        .flat_map(|m| Range::ALL.into_iter().map(move |r| ColorSpec::new(m, r)))
        .collect()
}

/// A small seeded generator (xorshift64*), so failures reproduce.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Bytes biased towards the extremes 0 and 255, where clamping and saturation live.
    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            let r = self.next_u64();
            *b = match r & 7 {
                0 => 0,
                1 => 255,
                _ => (r >> 8) as u8,
            };
        }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}

/// Path of the shared corpus (`../shared/corpus` beside the repository root).
pub(crate) fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}
