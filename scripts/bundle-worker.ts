/**
 * Writes the worker threads' script into the built package (`dist/datasets/worker-entry.bundle.js`,
 * see datasets/worker-script.ts). Part of `npm run build`, after tsc.
 *
 *   npx tsx scripts/bundle-worker.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_BUNDLE, bundleWorker } from '../datasets/worker-script.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(ROOT, 'dist/datasets', WORKER_BUNDLE);
const text = await bundleWorker();
writeFileSync(out, text);
// on stderr: `npm pack --json` (prepack builds) prints its JSON on stdout
console.error(`worker script (${Math.round(text.length / 1024)} KiB) → ${relative(ROOT, out)}`);
