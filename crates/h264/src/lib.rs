//! H.264 encoding for framecast over the `openh264` crate (skeleton; filled in by issue 4).
#![deny(missing_docs)]
