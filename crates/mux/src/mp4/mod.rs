//! MP4 writer (placeholder; see issue 3).
