//! framecast: frames from programs to video (skeleton; filled in by issue 4).
#![deny(missing_docs)]

pub mod source;
