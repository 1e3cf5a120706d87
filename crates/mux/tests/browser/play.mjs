#!/usr/bin/env node
// Plays MP4 files to the end in Debian's Chromium, driven by playwright-core, and prints one
// JSON result per file (in argument order) on stdout:
//   { file, frames, presented, total, dropped, ended, duration, currentTime, width, height,
//     audioBytes, error }
// frames: distinct media times seen by requestVideoFrameCallback; total/dropped: the element's
// getVideoPlaybackQuality() (frames decoded, and of those not presented).
//
// Usage: node play.mjs FILE... (env CHROMIUM: the browser binary, default /usr/bin/chromium;
// PLAY_CONCURRENCY: pages playing at once, default 1 (headless
// Chromium renders only the active tab at full rate: with 2 pages, requestVideoFrameCallback misses
// most frames of the other one); PLAY_RATE: playbackRate, default 1).
//
// The files are served from a localhost HTTP server with Range support (media elements fetch
// ranges; file:// URLs are treated as opaque origins and may be refused), and the browser runs
// with a fresh profile that is deleted afterwards.

import { createServer } from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const files = process.argv.slice(2).map((f) => resolve(f));
if (files.length === 0) {
  console.error('usage: play.mjs FILE...');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const concurrency = Math.max(1, Number(process.env.PLAY_CONCURRENCY || 1));
const rate = Number(process.env.PLAY_RATE || 1);

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>play</title><body></body>');
    return;
  }
  const index = Number(url.pathname.slice(1));
  const file = files[index];
  if (!Number.isInteger(index) || file === undefined) {
    res.writeHead(404).end();
    return;
  }
  const { size } = await stat(file);
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
  if (range && (range[1] !== '' || range[2] !== '')) {
    let start, end;
    if (range[1] === '') {
      start = Math.max(0, size - Number(range[2]));
      end = size - 1;
    } else {
      start = Number(range[1]);
      end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    }
    if (start >= size || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${start}-${end}/${size}`,
      'content-length': end - start + 1,
    });
    createReadStream(file, { start, end }).pipe(res);
  } else {
    res.writeHead(200, { ...headers, 'content-length': size });
    createReadStream(file).pipe(res);
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;

const profile = await mkdtemp(join(tmpdir(), 'framecast-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
      // Background pages would throttle timers and frame callbacks.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
  });

  // Runs in the page: plays one URL to its end and reports what the element saw.
  const playInPage = async ({ src, rate }) => {
    const v = document.createElement('video');
    v.muted = true;
    v.playsInline = true;
    v.preload = 'auto';
    document.body.appendChild(v);
    const times = new Set();
    let presented = 0;
    const onFrame = (_now, meta) => {
      times.add(meta.mediaTime);
      presented = Math.max(presented, meta.presentedFrames);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
    const outcome = await new Promise((done) => {
      let timer;
      const finish = (why) => {
        clearTimeout(timer);
        done(why);
      };
      v.addEventListener('ended', () => finish('ended'));
      v.addEventListener('error', () => finish('error'));
      v.addEventListener('loadedmetadata', () => {
        const limit = (Number.isFinite(v.duration) ? v.duration / rate : 30) * 3 + 15;
        timer = setTimeout(() => finish('timeout'), limit * 1000);
        v.playbackRate = rate;
        // A one-frame file can end before play() resolves: that rejection is not an error.
        v.play().catch((e) => (v.ended ? finish('ended') : finish(`play() rejected: ${e}`)));
      });
      timer = setTimeout(() => finish('timeout before metadata'), 20000);
      v.src = src;
    });
    // The last frame's callback can run just after `ended`.
    await new Promise((ok) => setTimeout(ok, 300));
    const q = v.getVideoPlaybackQuality();
    const err = v.error ? `MediaError ${v.error.code}: ${v.error.message}` : null;
    return {
      frames: times.size,
      presented,
      total: q.totalVideoFrames,
      dropped: q.droppedVideoFrames,
      ended: outcome === 'ended',
      outcome,
      duration: v.duration,
      currentTime: v.currentTime,
      width: v.videoWidth,
      height: v.videoHeight,
      audioBytes: v.webkitAudioDecodedByteCount ?? 0,
      error: err ?? (outcome === 'ended' ? null : outcome),
    };
  };

  const results = new Array(files.length);
  let next = 0;
  // A fresh page per file: getVideoPlaybackQuality() counts of a second element in the same
  // page were seen to carry over from the first.
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const page = await context.newPage();
      try {
        await page.goto(`${base}/`);
        results[i] = await page.evaluate(playInPage, { src: `${base}/${i}`, rate });
      } catch (e) {
        results[i] = { error: `page: ${e.message}` };
      }
      results[i].file = files[i];
      await page.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
} finally {
  if (context) await context.close();
  server.close();
  await rm(profile, { recursive: true, force: true });
}
