//! The box-tree walker: reads box headers from a bounded source, checks every size against what
//! remains before reading or allocating, and descends into container boxes up to a depth limit.

use std::io::{Read, Seek, SeekFrom};

use super::{BoxNode, FourCc, Truncation};
use crate::{Error, Result};

/// Deepest nesting the walker follows (`moov/trak/mdia/minf/stbl/stsd/encv/sinf/schi/tenc` is 10).
pub const MAX_DEPTH: usize = 16;
/// Most boxes one file may hold; bounds the tree's memory on files made of tiny boxes.
pub const MAX_BOXES: usize = 1 << 20;
/// Largest box payload the inspector reads into memory (a `stsz` of 64 Mi samples).
pub const MAX_PAYLOAD: u64 = 256 << 20;

/// Random access to the bytes being inspected.
pub(crate) trait Source {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Fills `buf` from `offset`; the caller has checked `offset + buf.len() <= len()`.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()>;
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let start = usize::try_from(offset).ok();
        let src = start
            .and_then(|s| self.get(s..s.checked_add(buf.len())?))
            .ok_or(Error::ReadPastEnd {
                offset,
                len: buf.len() as u64,
                file_len: Source::len(self),
            })?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// A `Read + Seek` source whose length was measured once.
pub(crate) struct Seekable<R> {
    pub(crate) inner: R,
    pub(crate) len: u64,
}

impl<R: Read + Seek> Seekable<R> {
    pub(crate) fn new(mut inner: R) -> Result<Self> {
        let len = inner.seek(SeekFrom::End(0)).map_err(|source| Error::Io {
            context: "measuring the input's length",
            source,
        })?;
        Ok(Seekable { inner, len })
    }
}

impl<R: Read + Seek> Source for Seekable<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let io = |source| Error::Io {
            context: "reading the input",
            source,
        };
        self.inner.seek(SeekFrom::Start(offset)).map_err(io)?;
        self.inner.read_exact(buf).map_err(io)
    }
}

/// Reads the payload of `node` (after its header, from `skip` bytes in), bounded by
/// [`MAX_PAYLOAD`]. The walker has already checked that the box lies inside the file.
pub(crate) fn read_payload(src: &mut dyn Source, node: &BoxNode, skip: u64) -> Result<Vec<u8>> {
    let start = node.offset + u64::from(node.header_size) + skip;
    let len = node.size.saturating_sub(u64::from(node.header_size) + skip);
    if len > MAX_PAYLOAD {
        return Err(Error::BoxTooLarge {
            fourcc: node.fourcc,
            offset: node.offset,
            size: node.size,
            max: MAX_PAYLOAD,
        });
    }
    let mut buf = vec![0; len as usize];
    src.read_at(start, &mut buf)?;
    Ok(buf)
}

/// How the walker treats a box's payload.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Opaque: not descended into.
    Leaf,
    /// Children start right after the header.
    Container,
    /// Children start after `n` bytes of fields (full boxes, entry counts).
    ContainerAfter(u64),
    /// `meta`: a full box in ISO BMFF, a plain container in QuickTime `udta`.
    Meta,
    /// `stsd`: version/flags and entry count, then sample entries described by the handler.
    SampleDescriptions,
    /// A sample entry of a visual track (ISO/IEC 14496-12 12.1.3): 78 bytes, then boxes.
    VisualEntry,
    /// A sample entry of an audio track (12.2.3; QuickTime versions 1 and 2 are longer).
    AudioEntry,
}

fn kind(fourcc: FourCc, handler: Option<FourCc>, parent: Option<FourCc>) -> Kind {
    if parent == Some(FourCc(*b"stsd")) {
        return match handler.map(|h| h.0) {
            Some(ref h) if h == b"vide" => Kind::VisualEntry,
            Some(ref h) if h == b"soun" => Kind::AudioEntry,
            _ => Kind::Leaf,
        };
    }
    if parent == Some(FourCc(*b"ilst")) {
        // Every item of an iTunes-style list holds `data` (and `mean`/`name`) boxes.
        return Kind::Container;
    }
    match &fourcc.0 {
        b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"dinf" | b"edts" | b"udta" | b"ilst"
        | b"mvex" | b"moof" | b"traf" | b"mfra" | b"sinf" | b"schi" | b"tref" | b"meco"
        | b"strk" | b"rinf" | b"trgr" => Kind::Container,
        b"meta" => Kind::Meta,
        b"dref" => Kind::ContainerAfter(8),
        b"stsd" => Kind::SampleDescriptions,
        _ => Kind::Leaf,
    }
}

/// Walks the boxes of `[start, end)` into `out`.
pub(crate) struct Walker<'s> {
    src: &'s mut dyn Source,
    count: usize,
    /// Report a top-level box cut by the end of the file instead of failing.
    pub(crate) lenient: bool,
    /// The cut box, in lenient mode.
    pub(crate) truncated: Option<Truncation>,
}

impl<'s> Walker<'s> {
    pub(crate) fn new(src: &'s mut dyn Source) -> Self {
        Walker {
            src,
            count: 0,
            lenient: false,
            truncated: None,
        }
    }

    /// In lenient mode at the top level, records a box cut by the end of the file and returns
    /// true (the walk stops there).
    fn cut(&mut self, depth: usize, fourcc: Option<FourCc>, offset: u64, claimed: u64) -> bool {
        if !self.lenient || depth != 0 {
            return false;
        }
        self.truncated = Some(Truncation {
            fourcc,
            offset,
            claimed,
            available: self.src.len().saturating_sub(offset),
        });
        true
    }

    /// Walks the whole source.
    pub(crate) fn walk_file(&mut self) -> Result<Vec<BoxNode>> {
        let end = self.src.len();
        let mut out = Vec::new();
        self.walk(0, end, 0, None, None, &mut out)?;
        Ok(out)
    }

    fn walk(
        &mut self,
        start: u64,
        end: u64,
        depth: usize,
        parent: Option<FourCc>,
        mut handler: Option<FourCc>,
        out: &mut Vec<BoxNode>,
    ) -> Result<()> {
        let mut pos = start;
        while pos < end {
            let remaining = end - pos;
            if remaining < 8 {
                // QuickTime ends some `udta` lists with a 32-bit zero (QTFF "User Data Atoms").
                let mut tail = [0u8; 7];
                let tail = &mut tail[..remaining as usize];
                self.src.read_at(pos, tail)?;
                if tail.iter().all(|&b| b == 0) {
                    return Ok(());
                }
                if self.cut(depth, None, pos, 0) {
                    return Ok(());
                }
                return Err(Error::TrailingBytes {
                    offset: pos,
                    len: remaining,
                    parent,
                });
            }
            let mut head = [0u8; 8];
            self.src.read_at(pos, &mut head)?;
            let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            let fourcc = FourCc([head[4], head[5], head[6], head[7]]);
            let mut header: u64 = 8;
            let size = match size32 {
                // 14496-12 4.2: size 1 means a 64-bit largesize follows the type.
                1 => {
                    if remaining < 16 {
                        if self.cut(depth, Some(fourcc), pos, 0) {
                            return Ok(());
                        }
                        return Err(Error::BoxTruncated {
                            fourcc,
                            offset: pos,
                            claimed: 16,
                            remaining,
                        });
                    }
                    let mut large = [0u8; 8];
                    self.src.read_at(pos + 8, &mut large)?;
                    header = 16;
                    u64::from_be_bytes(large)
                }
                // Size 0: the box extends to the end of the file (of the enclosing box here).
                0 => remaining,
                n => u64::from(n),
            };
            if fourcc.0 == *b"uuid" {
                header += 16;
            }
            if size < header {
                return Err(Error::BoxTooSmall {
                    fourcc,
                    offset: pos,
                    size,
                    header,
                });
            }
            if size > remaining {
                if self.cut(depth, Some(fourcc), pos, size) {
                    return Ok(());
                }
                return Err(Error::BoxTruncated {
                    fourcc,
                    offset: pos,
                    claimed: size,
                    remaining,
                });
            }
            self.count += 1;
            if self.count > MAX_BOXES {
                return Err(Error::TooManyBoxes {
                    offset: pos,
                    max: MAX_BOXES,
                });
            }
            let mut node = BoxNode {
                fourcc,
                offset: pos,
                size,
                header_size: header as u8,
                children: Vec::new(),
            };
            if fourcc.0 == *b"hdlr" && size >= header + 12 {
                // The handler decides how `stsd` entries are laid out further down.
                let mut h = [0u8; 4];
                self.src.read_at(pos + header + 8, &mut h)?;
                handler = Some(FourCc(h));
            }
            let skip = match kind(fourcc, handler, parent) {
                Kind::Leaf => None,
                Kind::Container => Some(0),
                Kind::ContainerAfter(n) => Some(n),
                Kind::SampleDescriptions => Some(8),
                Kind::VisualEntry => Some(78),
                Kind::Meta => Some(self.meta_skip(pos, header, size)?),
                Kind::AudioEntry => Some(self.audio_entry_skip(pos, header, size)?),
            };
            if let Some(skip) = skip {
                if depth + 1 > MAX_DEPTH {
                    return Err(Error::BoxTooDeep {
                        fourcc,
                        offset: pos,
                        max: MAX_DEPTH,
                    });
                }
                let body = size - header;
                if skip > body {
                    return Err(Error::MalformedBox {
                        fourcc,
                        offset: pos,
                        reason: format!(
                            "holds {body} bytes after its header, fewer than the {skip} bytes of fields before its child boxes"
                        ),
                    });
                }
                let child_handler = if fourcc.0 == *b"mdia" { None } else { handler };
                let mut children = Vec::new();
                self.walk(
                    pos + header + skip,
                    pos + size,
                    depth + 1,
                    Some(fourcc),
                    child_handler,
                    &mut children,
                )?;
                node.children = children;
            }
            out.push(node);
            pos += size;
        }
        Ok(())
    }

    /// `meta` is a full box (14496-12 8.11.1), but QuickTime writes it as a plain container:
    /// then its first child (`hdlr`) starts right after the header.
    fn meta_skip(&mut self, pos: u64, header: u64, size: u64) -> Result<u64> {
        if size < header + 8 {
            return Ok(4.min(size - header));
        }
        let mut b = [0u8; 8];
        self.src.read_at(pos + header, &mut b)?;
        Ok(if &b[4..8] == b"hdlr" { 0 } else { 4 })
    }

    /// AudioSampleEntry is 28 bytes; QuickTime sound description versions 1 and 2 add 16 and
    /// 36 (QTFF "Sound Sample Descriptions").
    fn audio_entry_skip(&mut self, pos: u64, header: u64, size: u64) -> Result<u64> {
        if size < header + 10 {
            return Ok(28);
        }
        let mut b = [0u8; 2];
        self.src.read_at(pos + header + 8, &mut b)?;
        Ok(match u16::from_be_bytes(b) {
            1 => 44,
            2 => 64,
            _ => 28,
        })
    }
}
