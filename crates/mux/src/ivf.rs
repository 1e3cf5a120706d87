//! IVF writer (placeholder; see issue 3).
