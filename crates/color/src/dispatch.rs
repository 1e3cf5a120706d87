//! Backend selection: detected once, cappable by `FRAMECAST_CPU` and by the API.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use framecast_core::PixelFormat;

use crate::Error;
use crate::coeffs::Coeffs;
use crate::scalar;

/// The environment variable that caps the backend (`scalar`, `sse41`, `avx2`, `avx512`, `neon`,
/// `simd128`).
pub const CPU_ENV: &str = "FRAMECAST_CPU";

/// An implementation of the conversion kernels.
///
/// Backends of one architecture are ordered by capability (`Scalar < Sse41 < Avx2 < Avx512`);
/// every backend produces byte-identical output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Portable Rust; the reference every other backend must match.
    Scalar,
    /// x86_64 SSE4.1 (128-bit).
    Sse41,
    /// x86_64 AVX2 (256-bit).
    Avx2,
    /// x86_64 AVX-512 (512-bit): AVX-512F, AVX-512BW and AVX-512VBMI.
    Avx512,
    /// aarch64 NEON (128-bit).
    Neon,
    /// wasm32 SIMD128 (compiled in with `-C target-feature=+simd128`).
    Simd128,
}

impl Backend {
    /// Every backend, on every architecture.
    pub const ALL: [Backend; 6] = [
        Backend::Scalar,
        Backend::Sse41,
        Backend::Avx2,
        Backend::Avx512,
        Backend::Neon,
        Backend::Simd128,
    ];

    /// The name used by `FRAMECAST_CPU` and in benchmark ids.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Sse41 => "sse41",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
            Backend::Neon => "neon",
            Backend::Simd128 => "simd128",
        }
    }

    /// Whether this backend can run here: compiled for this target and supported by this CPU.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Sse41 => std::arch::is_x86_feature_detected!("sse4.1"),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            // The kernels hand rows narrower than a step to the AVX2 kernels.
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vbmi")
                    && std::arch::is_x86_feature_detected!("avx2")
            }
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Backend::Simd128 => true,
            #[allow(
                unreachable_patterns,
                reason = "which arms exist depends on the target"
            )]
            _ => false,
        }
    }

    /// The backends this machine can run, weakest first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_available())
            .collect()
    }

    /// The best backend this machine can run, ignoring `FRAMECAST_CPU` (detected once).
    pub fn detected() -> Backend {
        static DETECTED: OnceLock<Backend> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            Backend::available()
                .into_iter()
                .max()
                .unwrap_or(Backend::Scalar)
        })
    }

    /// The cap named by `FRAMECAST_CPU`, if set. An unknown name is an error naming the
    /// accepted ones.
    pub fn from_env() -> Result<Option<Backend>, Error> {
        match std::env::var(CPU_ENV) {
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => v.parse().map(Some),
            Err(_) => Ok(None),
        }
    }

    /// The backend conversions use by default: [`Backend::detected`] capped by `FRAMECAST_CPU`
    /// (read once). An unparseable `FRAMECAST_CPU` is ignored here; [`Backend::from_env`]
    /// reports it.
    pub fn active() -> Backend {
        static ACTIVE: OnceLock<Backend> = OnceLock::new();
        *ACTIVE.get_or_init(|| match Backend::from_env() {
            Ok(Some(cap)) => cap.capped(),
            _ => Backend::detected(),
        })
    }

    /// The best available backend that a cap of `self` allows: `self` if it can run here, else
    /// the strongest weaker backend of its family (`avx512` -> `avx2` -> `sse41`), else `scalar`.
    pub fn capped(self) -> Backend {
        Backend::available()
            .into_iter()
            .filter(|&b| self.allows(b))
            .max()
            .unwrap_or(Backend::Scalar)
    }

    /// Whether a cap of `self` permits running `other`.
    fn allows(self, other: Backend) -> bool {
        let weaker: &[Backend] = match self {
            Backend::Avx512 => &[Backend::Avx2, Backend::Sse41],
            Backend::Avx2 => &[Backend::Sse41],
            _ => &[],
        };
        other == Backend::Scalar || other == self || weaker.contains(&other)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let lower = s.trim().to_ascii_lowercase();
        let name = match lower.as_str() {
            "sse4.1" | "sse4_1" => "sse41",
            "wasm" | "simd" => "simd128",
            other => other,
        };
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == name)
            .ok_or_else(|| Error::UnknownBackend { name: s.to_owned() })
    }
}

/// One row to 4:4:4 with `backend`, which the caller has checked is available.
pub(crate) fn row_444(
    backend: Backend,
    fmt: PixelFormat,
    src: &[u8],
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) {
    debug_assert!(backend.is_available());
    let done = match backend {
        // SAFETY: `backend` is available, so the CPU supports the kernel's target features; the
        // slices have the lengths the kernel's contract asks for.
        #[cfg(target_arch = "x86_64")]
        Backend::Sse41 => unsafe { crate::x86::sse41::row_444(fmt, src, y, u, v, c) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => unsafe { crate::x86::avx2::row_444(fmt, src, y, u, v, c) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => unsafe { crate::x86::avx512::row_444(fmt, src, y, u, v, c) },
        // SAFETY: as above.
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => unsafe { crate::aarch64::neon::row_444(fmt, src, y, u, v, c) },
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => crate::wasm32::simd128::row_444(fmt, src, y, u, v, c),
        _ => 0,
    };
    scalar::row_444(fmt, src, y, u, v, done, c);
}

/// Two rows to 4:2:0 with `backend`, which the caller has checked is available.
#[allow(clippy::too_many_arguments, reason = "two rows in, four planes out")]
pub(crate) fn rows_420(
    backend: Backend,
    fmt: PixelFormat,
    src0: &[u8],
    src1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
    c: &Coeffs,
) {
    debug_assert!(backend.is_available());
    let done = match backend {
        // SAFETY: `backend` is available, so the CPU supports the kernel's target features; the
        // slices have the lengths the kernel's contract asks for.
        #[cfg(target_arch = "x86_64")]
        Backend::Sse41 => unsafe { crate::x86::sse41::rows_420(fmt, src0, src1, y0, y1, u, v, c) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => unsafe { crate::x86::avx2::rows_420(fmt, src0, src1, y0, y1, u, v, c) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => unsafe {
            crate::x86::avx512::rows_420(fmt, src0, src1, y0, y1, u, v, c)
        },
        // SAFETY: as above.
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => unsafe {
            crate::aarch64::neon::rows_420(fmt, src0, src1, y0, y1, u, v, c)
        },
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => crate::wasm32::simd128::rows_420(fmt, src0, src1, y0, y1, u, v, c),
        _ => 0,
    };
    scalar::rows_420(fmt, src0, src1, y0, y1, u, v, done, c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in Backend::ALL {
            assert_eq!(b.name().parse::<Backend>().ok(), Some(b));
        }
        assert_eq!("AVX512".parse::<Backend>().ok(), Some(Backend::Avx512));
        let e = "avx10".parse::<Backend>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown backend 'avx10'; expected one of scalar, sse41, avx2, avx512, neon, simd128"
        );
    }

    #[test]
    fn caps_stay_in_family() {
        assert_eq!(Backend::Scalar.capped(), Backend::Scalar);
        for b in Backend::ALL {
            let c = b.capped();
            assert!(c.is_available());
            if b.is_available() {
                assert_eq!(c, b);
            }
        }
        // A cap from another architecture leaves only scalar.
        #[cfg(target_arch = "x86_64")]
        assert_eq!(Backend::Neon.capped(), Backend::Scalar);
        #[cfg(not(target_arch = "x86_64"))]
        assert_eq!(Backend::Avx2.capped(), Backend::Scalar);
        #[cfg(not(target_arch = "x86_64"))]
        assert_eq!(Backend::Avx512.capped(), Backend::Scalar);
    }

    #[test]
    fn x86_caps_allow_weaker_x86_backends_only() {
        use Backend::*;
        assert!(Avx512.allows(Avx2) && Avx512.allows(Sse41) && Avx512.allows(Scalar));
        assert!(Avx2.allows(Sse41) && !Avx2.allows(Avx512));
        assert!(!Sse41.allows(Avx2) && !Sse41.allows(Avx512));
        assert!(!Avx512.allows(Neon) && !Neon.allows(Avx512));
        // Without AVX-512, a cap of avx512 runs what a cap of avx2 runs.
        if !Avx512.is_available() {
            assert_eq!(Avx512.capped(), Avx2.capped());
        }
    }
}
