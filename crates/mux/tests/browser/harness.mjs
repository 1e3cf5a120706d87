// The part of the browser harnesses (play.mjs, canvas.mjs) that does not depend on what the
// page measures: a localhost HTTP server for the files under test, and Debian's Chromium
// launched headless through playwright-core with a fresh profile.
//
// Files are served as /0, /1, ... with Range support (media elements fetch ranges; file:// URLs
// are treated as opaque origins and may be refused); / is an empty page to run scripts in.

import { createServer } from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = { '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/mp4', '.gif': 'image/gif' };

function serve(files, title) {
  return createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>${title}</title><body></body>`);
      return;
    }
    const index = Number(url.pathname.slice(1));
    const file = files[index];
    if (!Number.isInteger(index) || file === undefined) {
      res.writeHead(404).end();
      return;
    }
    const { size } = await stat(file);
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers = { 'content-type': type, 'accept-ranges': 'bytes' };
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
}

// Serves `files` and launches Chromium (env CHROMIUM, default /usr/bin/chromium). Returns the
// browser context, the server's base URL, and close(), which stops both and deletes the profile.
export async function openBrowser(files, title) {
  const server = serve(files, title);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const profile = await mkdtemp(join(tmpdir(), 'framecast-chromium-'));
  let context;
  const close = async () => {
    if (context) await context.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
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
  } catch (e) {
    await close();
    throw e;
  }
  return { context, base, close };
}
