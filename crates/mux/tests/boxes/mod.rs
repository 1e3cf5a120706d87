//! Hand-built ISO BMFF boxes for the inspector's tests.

/// A box: 32-bit size, `fourcc`, `payload`.
pub(crate) fn boxed(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut v = u32::try_from(payload.len() + 8)
        .unwrap()
        .to_be_bytes()
        .to_vec();
    v.extend_from_slice(fourcc);
    v.extend_from_slice(payload);
    v
}

/// A full box: a box whose payload starts with version 0 and flags 0.
pub(crate) fn full(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    boxed(fourcc, &[&[0, 0, 0, 0], payload].concat())
}
