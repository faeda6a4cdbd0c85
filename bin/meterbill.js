#!/usr/bin/env node
// Runs the compiled build (dist/, from `npm run build`) when it is there and newer than every
// TypeScript source; otherwise the sources through tsx, so the CLI works without a build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = path.join(root, 'dist/src/cli/main.js');

/** The newest modification time of the .ts files under `dir` (a stale build must not run). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const upToDate = existsSync(built) && statSync(built).mtimeMs >= Math.max(newestSource(path.join(root, 'src')), newestSource(path.join(root, 'migrations')));
if (upToDate) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
