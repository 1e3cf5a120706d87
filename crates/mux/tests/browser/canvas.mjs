#!/usr/bin/env node
// Plays H.264 MP4 files made by `framecast encode` in Debian's Chromium (playwright-core), counts
// their frames and reads back the colours of one frame through a 2D canvas. Used by the root
// package's tests/browser_h264.rs; the playback half works like play.mjs beside it.
//
// Usage: node canvas.mjs JOBS.json (env CHROMIUM: the browser binary, default /usr/bin/chromium).
// JOBS.json is an array of
//   { file, seekTime?, points?: [[x, y], ...], box?: n }
// and stdout gets one JSON result per job, in order:
//   { file, frames, presented, total, dropped, ended, outcome, duration, currentTime, width,
//     height, audioBytes, error, seeked, pixels?: [[r, g, b], ...] }
// Playback: the file plays to its end once; frames counts the distinct media times seen by
// requestVideoFrameCallback, presented its largest presentedFrames, total/dropped come from
// getVideoPlaybackQuality() read at the end of playback (before any seek).
// Colours: when seekTime is given, the element then seeks there, waits for 'seeked' and for the
// frame callback of the seeked frame, draws the frame with drawImage onto a canvas of the video's
// size and reports, per point, the mean R, G, B of the box x box square centred on it (box
// defaults to 8). seeked is false when the callback did not come within 5 s (the pixels are then
// read anyway).
//
// One browser serves all jobs, one fresh page per job (getVideoPlaybackQuality() counts were seen
// to carry over between elements of one page), one job at a time (headless Chromium renders only
// the active tab at full rate). Files are served from a localhost HTTP server with Range support.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openBrowser } from './harness.mjs';

if (process.argv.length !== 3) {
  console.error('usage: canvas.mjs JOBS.json');
  process.exit(2);
}
const jobs = JSON.parse(await readFile(process.argv[2], 'utf8'));
const files = jobs.map((j) => resolve(j.file));

const { context, base, close } = await openBrowser(files, 'canvas');
try {
  // Runs in the page: plays one URL to its end, then optionally seeks and reads pixels.
  const inPage = async ({ src, seekTime, points, box }) => {
    const v = document.createElement('video');
    v.muted = true;
    v.playsInline = true;
    v.preload = 'auto';
    document.body.appendChild(v);
    const times = new Set();
    let presented = 0;
    let counting = true;
    const onFrame = (_now, meta) => {
      if (!counting) return;
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
        const limit = (Number.isFinite(v.duration) ? v.duration : 30) * 3 + 15;
        timer = setTimeout(() => finish('timeout'), limit * 1000);
        v.play().catch((e) => (v.ended ? finish('ended') : finish(`play() rejected: ${e}`)));
      });
      timer = setTimeout(() => finish('timeout before metadata'), 20000);
      v.src = src;
    });
    // The last frame's callback can run just after `ended`.
    await new Promise((ok) => setTimeout(ok, 300));
    counting = false;
    const q = v.getVideoPlaybackQuality();
    const err = v.error ? `MediaError ${v.error.code}: ${v.error.message}` : null;
    const result = {
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
    if (seekTime === undefined || seekTime === null || v.error) return result;

    v.pause();
    const shown = new Promise((ok) => {
      const t = setTimeout(() => ok(false), 5000);
      v.requestVideoFrameCallback(() => {
        clearTimeout(t);
        ok(true);
      });
    });
    const seeked = new Promise((ok) => v.addEventListener('seeked', ok, { once: true }));
    v.currentTime = seekTime;
    await seeked;
    result.seeked = await shown;
    result.seekedTime = v.currentTime;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    const half = Math.floor((box ?? 8) / 2);
    const side = 2 * half || 1;
    result.pixels = (points ?? []).map(([x, y]) => {
      const d = g.getImageData(x - half, y - half, side, side).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < d.length; i += 4) {
        sum[0] += d[i];
        sum[1] += d[i + 1];
        sum[2] += d[i + 2];
      }
      const n = d.length / 4;
      return sum.map((s) => Math.round(s / n));
    });
    return result;
  };

  const results = [];
  for (let i = 0; i < jobs.length; i++) {
    const page = await context.newPage();
    let r;
    try {
      await page.goto(`${base}/`);
      r = await page.evaluate(inPage, {
        src: `${base}/${i}`,
        seekTime: jobs[i].seekTime,
        points: jobs[i].points,
        box: jobs[i].box,
      });
    } catch (e) {
      r = { error: `page: ${e.message}` };
    }
    r.file = files[i];
    results.push(r);
    await page.close();
  }
  process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
} finally {
  await close();
}
