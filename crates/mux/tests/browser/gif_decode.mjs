#!/usr/bin/env node
// Decodes animated GIFs in Debian's Chromium (playwright-core) with WebCodecs' ImageDecoder and
// with an <img> element, and writes what the browser shows. Used by framecast-gif's
// tests/chromium.rs, which has no JSON parser, so the report is plain text.
//
// Usage: node gif_decode.mjs OUT_DIR FILE... (env CHROMIUM: the browser binary, default
// /usr/bin/chromium).
//
// For file i, OUT_DIR/i.rgba gets every frame as ImageDecoder composites it (the whole canvas,
// previous frames and disposal applied), drawn onto a cleared 2D canvas and read back with
// getImageData: width x height x 4 bytes per frame, RGBA, frames in order. OUT_DIR/i.img.rgba
// gets the first frame as an <img> shows it (after img.decode(), drawn the same way).
// Stdout gets one line per fact, fields separated by single spaces:
//   gif I supported BOOL frames N repetition R complete BOOL
//   frame I K DURATION_US WIDTH HEIGHT TIMESTAMP_US
//   img I WIDTH HEIGHT
//   error I MESSAGE...
// supported is ImageDecoder.isTypeSupported('image/gif'); R is the track's repetitionCount (Infinity for a GIF that loops forever).
//
// The page is served from localhost (a secure context, which ImageDecoder needs); one page per
// file.

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openBrowser } from './harness.mjs';

if (process.argv.length < 4) {
  console.error('usage: gif_decode.mjs OUT_DIR FILE...');
  process.exit(2);
}
const outDir = resolve(process.argv[2]);
const files = process.argv.slice(3).map((f) => resolve(f));

const { context, base, close } = await openBrowser(files, 'gif');
try {
  // Runs in the page. Pixels travel back as base64 strings.
  const inPage = async ({ src }) => {
    const b64 = (bytes) => {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      return btoa(s);
    };
    const read = (source, w, h) => {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const g = c.getContext('2d', { willReadFrequently: true });
      g.clearRect(0, 0, w, h);
      g.drawImage(source, 0, 0);
      return g.getImageData(0, 0, w, h).data;
    };
    const out = { frames: [], pixels: [] };
    if (typeof ImageDecoder === 'undefined') {
      out.error = 'no ImageDecoder in this browser';
      return out;
    }
    const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
    out.type = 'image/gif';
    out.supported = await ImageDecoder.isTypeSupported(out.type);
    const dec = new ImageDecoder({ data: bytes, type: out.type });
    await dec.tracks.ready;
    await dec.completed;
    out.complete = dec.complete;
    const track = dec.tracks.selectedTrack;
    out.frameCount = track.frameCount;
    out.repetition = String(track.repetitionCount);
    for (let k = 0; k < track.frameCount; k++) {
      const { image } = await dec.decode({ frameIndex: k, completeFramesOnly: true });
      const w = image.displayWidth;
      const h = image.displayHeight;
      out.frames.push({ duration: image.duration, timestamp: image.timestamp, w, h });
      out.pixels.push(b64(read(image, w, h)));
      image.close();
    }
    dec.close();

    const img = new Image();
    img.src = src;
    await img.decode();
    out.img = { w: img.naturalWidth, h: img.naturalHeight };
    out.imgPixels = b64(read(img, img.naturalWidth, img.naturalHeight));
    return out;
  };

  const lines = [];
  for (let i = 0; i < files.length; i++) {
    const page = await context.newPage();
    try {
      await page.goto(`${base}/`);
      const r = await page.evaluate(inPage, { src: `${base}/${i}` });
      if (r.error) {
        lines.push(`error ${i} ${r.error}`);
      } else {
        lines.push(
          `gif ${i} supported ${r.supported} frames ${r.frameCount} repetition ${r.repetition} complete ${r.complete}`,
        );
        r.frames.forEach((f, k) =>
          lines.push(`frame ${i} ${k} ${f.duration ?? 'null'} ${f.w} ${f.h} ${f.timestamp ?? 'null'}`),
        );
        const frames = r.pixels.map((p) => Buffer.from(p, 'base64'));
        await writeFile(join(outDir, `${i}.rgba`), Buffer.concat(frames));
        lines.push(`img ${i} ${r.img.w} ${r.img.h}`);
        await writeFile(join(outDir, `${i}.img.rgba`), Buffer.from(r.imgPixels, 'base64'));
      }
    } catch (e) {
      lines.push(`error ${i} page: ${String(e.message).replace(/\s+/g, ' ')}`);
    }
    await page.close();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await close();
}
