//! Movie metadata as ffmpeg's mov muxer writes it for `-metadata key=value` in mp4 mode:
//! `udta` > `meta` (ISO/IEC 14496-12 8.11.1) > `hdlr` (`mdir`/`appl`) + `ilst` of iTunes-style
//! items, each holding a `data` box (type 1, UTF-8; type 0 for the binary `trkn`/`disk`).

use super::boxes::{Buf, put_u16, put_u32, write_box, write_full_box};
use crate::{Error, Result};

/// The keys ffmpeg maps to `ilst` items, in the order ffmpeg writes them, with their atoms.
const KEYS: &[(&str, [u8; 4])] = &[
    ("title", *b"\xA9nam"),
    ("artist", *b"\xA9ART"),
    ("album_artist", *b"aART"),
    ("composer", *b"\xA9wrt"),
    ("album", *b"\xA9alb"),
    ("date", *b"\xA9day"),
    ("encoder", *b"\xA9too"),
    ("comment", *b"\xA9cmt"),
    ("genre", *b"\xA9gen"),
    ("copyright", *b"cprt"),
    ("grouping", *b"\xA9grp"),
    ("lyrics", *b"\xA9lyr"),
    ("description", *b"desc"),
    ("synopsis", *b"ldes"),
    ("show", *b"tvsh"),
    ("episode_id", *b"tven"),
    ("network", *b"tvnn"),
    ("keywords", *b"keyw"),
    ("track", *b"trkn"),
    ("disc", *b"disk"),
];

/// The accepted keys, for error messages.
pub(crate) const ACCEPTED: &str = "title, artist (author), album_artist, composer, album, date (year), \
encoder (encoding_tool), comment, genre, copyright, grouping, lyrics, description, synopsis, show, \
episode_id, network, keywords, track, disc";

/// The canonical key of `key` (ffmpeg's aliases folded), or `None` when mp4 has no atom for it.
pub(crate) fn canonical_key(key: &str) -> Option<&'static str> {
    let k = key.trim().to_ascii_lowercase();
    let k = match k.as_str() {
        "year" => "date",
        "author" => "artist",
        "encoding_tool" => "encoder",
        other => other,
    };
    KEYS.iter()
        .find(|(name, _)| *name == k)
        .map(|(name, _)| *name)
}

/// Parses `n` or `n/total` for `trkn`/`disk`.
fn number_pair(key: &str, value: &str) -> Result<(u16, u16)> {
    let bad = || Error::InvalidOption {
        option: if key == "track" {
            "metadata track"
        } else {
            "metadata disc"
        },
        value: value.to_owned(),
        expected: "a number or number/total, each 0..=65535",
    };
    let (n, total) = value.trim().split_once('/').unwrap_or((value.trim(), "0"));
    let n = n.trim().parse::<u16>().map_err(|_| bad())?;
    let total = total.trim().parse::<u16>().map_err(|_| bad())?;
    Ok((n, total))
}

/// Encodes `udta` for `(key, value)` pairs (later pairs override earlier ones for the same key);
/// empty output when there are none. Unknown keys are refused with the list of accepted keys.
pub(crate) fn encode_udta(pairs: &[(String, String)]) -> Result<Vec<u8>> {
    let mut values: Vec<Option<&str>> = vec![None; KEYS.len()];
    for (key, value) in pairs {
        let canonical = canonical_key(key).ok_or_else(|| Error::UnsupportedMetadataKey {
            key: key.clone(),
            expected: ACCEPTED,
        })?;
        if let Some(i) = KEYS.iter().position(|(name, _)| *name == canonical) {
            values[i] = Some(value.as_str());
        }
    }
    let mut out = Vec::new();
    if values.iter().all(Option::is_none) {
        return Ok(out);
    }
    write_box(&mut out, b"udta", |o| {
        write_full_box(o, b"meta", 0, 0, |o| {
            write_full_box(o, b"hdlr", 0, 0, |o| {
                put_u32(o, 0); // pre_defined
                o.extend_from_slice(b"mdir");
                o.extend_from_slice(b"appl");
                put_u32(o, 0);
                put_u32(o, 0);
                o.push(0); // empty name
                Ok(())
            })?;
            write_box(o, b"ilst", |o| {
                for ((name, atom), value) in KEYS.iter().zip(&values) {
                    let Some(value) = value else { continue };
                    write_box(o, atom, |o| write_data(o, name, value))?;
                }
                Ok(())
            })
        })
    })?;
    Ok(out)
}

/// The `data` box of one item.
fn write_data(out: &mut Buf, key: &str, value: &str) -> Result<()> {
    let binary = match key {
        "track" | "disc" => Some(number_pair(key, value)?),
        _ => None,
    };
    write_box(out, b"data", |o| {
        put_u32(o, if binary.is_some() { 0 } else { 1 }); // type: implicit / UTF-8
        put_u32(o, 0); // locale
        match binary {
            Some((n, total)) => {
                put_u16(o, 0);
                put_u16(o, n);
                put_u16(o, total);
                if key == "track" {
                    put_u16(o, 0);
                }
            }
            None => o.extend_from_slice(value.as_bytes()),
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::boxes::parse;
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn empty_metadata_writes_nothing() {
        assert!(encode_udta(&[]).unwrap().is_empty());
    }

    #[test]
    fn title_golden() {
        let udta = encode_udta(&pairs(&[("title", "Hi")])).unwrap();
        let meta = parse::one(&udta, b"udta");
        let meta = parse::one(meta, b"meta");
        let kids = parse::boxes(&meta[4..]);
        assert_eq!(&kids[0].fourcc, b"hdlr");
        assert_eq!(kids[0].body.len(), 25, "ffmpeg's 33-byte hdlr");
        assert_eq!(&kids[0].body[8..12], b"mdir");
        assert_eq!(&kids[1].fourcc, b"ilst");
        let item = parse::one(kids[1].body, b"\xA9nam");
        assert_eq!(item, b"\0\0\0\x12data\0\0\0\x01\0\0\0\0Hi");
    }

    #[test]
    fn aliases_order_and_override() {
        let udta = encode_udta(&pairs(&[
            ("year", "2024"),
            ("TITLE", "a"),
            ("title", "b"),
            ("track", "3/12"),
            ("disc", "1"),
        ]))
        .unwrap();
        let ilst = parse::path(&udta, &[(b"udta", 0), (b"meta", 4), (b"ilst", 0)]);
        let items = parse::boxes(ilst);
        let atoms: Vec<[u8; 4]> = items.iter().map(|b| b.fourcc).collect();
        assert_eq!(atoms, [*b"\xA9nam", *b"\xA9day", *b"trkn", *b"disk"]);
        assert_eq!(&items[0].body[16..], b"b");
        assert_eq!(&items[2].body[16..], &[0, 0, 0, 3, 0, 12, 0, 0]);
        assert_eq!(&items[3].body[16..], &[0, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn unknown_key_and_bad_track_are_errors() {
        let e = encode_udta(&pairs(&[("rating", "5")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("unsupported metadata key 'rating'; expected one of title"),
            "{e}"
        );
        assert!(encode_udta(&pairs(&[("track", "x")])).is_err());
    }
}
