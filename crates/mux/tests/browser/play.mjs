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

import { resolve } from 'node:path';
import { openBrowser } from './harness.mjs';

const files = process.argv.slice(2).map((f) => resolve(f));
if (files.length === 0) {
  console.error('usage: play.mjs FILE...');
  process.exit(2);
}
const concurrency = Math.max(1, Number(process.env.PLAY_CONCURRENCY || 1));
const rate = Number(process.env.PLAY_RATE || 1);

const { context, base, close } = await openBrowser(files, 'play');
try {
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
  await close();
}
