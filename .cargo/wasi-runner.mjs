#!/usr/bin/env node
// Cargo runner for wasm32-wasip1: runs a .wasm test or binary under Node's built-in WASI
// (preview1) and exits with its exit code. Usage: wasi-runner.mjs <file.wasm> [args...]
//
// The whole host file system is preopened as "/" so absolute paths (env!("CARGO_MANIFEST_DIR"),
// the shared corpus) resolve as they do natively. Relative paths resolve against "/", not
// the process's cwd: WASI has no inherited working directory.

import { readFile } from 'node:fs/promises';
import { argv, env, exit } from 'node:process';
import process from 'node:process';

// node:wasi prints an ExperimentalWarning on every run; drop that one warning only.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && String(warning).includes('WASI')) return;
  return emitWarning.call(process, warning, ...rest);
};
const { WASI } = await import('node:wasi');

const [wasmPath, ...args] = argv.slice(2);
if (!wasmPath) {
  console.error('usage: wasi-runner.mjs <file.wasm> [args...]');
  exit(2);
}

// wasm32-wasip1 panics abort: libtest cannot catch a failing test's panic, and would lose its
// captured message with the instance. Not capturing prints it before the trap (the tests run
// one at a time, as there are no threads, so the output stays in order).
const wasiEnv = { RUST_TEST_NOCAPTURE: '1', ...env };

const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: wasiEnv,
  preopens: { '/': '/' },
  returnOnExit: true,
});

let code;
try {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const instance = await WebAssembly.instantiate(module, {
    wasi_snapshot_preview1: wasi.wasiImport,
  });
  code = wasi.start(instance);
} catch (e) {
  // A Rust panic under panic=abort ends in an `unreachable` trap after printing its message.
  console.error(`wasi-runner: ${wasmPath}: ${e}`);
  code = 101;
}
exit(code ?? 0);
