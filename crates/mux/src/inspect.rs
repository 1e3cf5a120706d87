//! MP4 box-tree inspector (placeholder; see issue 3).
