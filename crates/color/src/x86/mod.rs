//! x86_64 kernels.

mod shared;

pub(crate) mod avx2;
pub(crate) mod avx512;
pub(crate) mod sse41;
