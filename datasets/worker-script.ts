/**
 * The script a pipeline worker thread runs: the worker entry and the package's transforms bundled
 * into one ES module (esbuild), so that a worker parses one file instead of resolving and linking
 * some seventy modules, and never compiles TypeScript. A transform's module is still evaluated only
 * when the worker's pipeline uses it (the catalogue's imports stay lazy inside the bundle).
 *
 * - Built package: `worker-entry.bundle.js` next to this module, written by `npm run build`
 *   (scripts/bundle-worker.ts), so `npm pack` carries it.
 * - TypeScript sources (tests, `tsx`): bundled once per process with esbuild (a devDependency,
 *   the compiler tsx itself uses) into `.cache/worker/` at the package root, so that what the
 *   bundle requires at run time (WASM codecs) resolves from the package's node_modules. Bundles of
 *   other sources unused for an hour are deleted; the folder may be deleted whenever nothing runs.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { DatasetError } from '../src/errors.js';

/** File name of the bundled worker script in the built package (next to this module). */
export const WORKER_BUNDLE = 'worker-entry.bundle.js';

/** True when this module runs from TypeScript sources (tests, tsx) rather than the built package. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

let fromSource: Promise<URL> | undefined;

/** URL of the script worker threads run (see the module comment). */
export function workerScript(): Promise<URL> {
  if (FROM_SOURCE) return (fromSource ??= writeSourceBundle());
  const url = new URL(`./${WORKER_BUNDLE}`, import.meta.url);
  if (!existsSync(url))
    return Promise.reject(
      new DatasetError(
        `${fileURLToPath(url)} is missing, so worker threads cannot start: build the package with ` +
          '`npm run build` (it bundles the worker script after tsc)',
      ),
    );
  return Promise.resolve(url);
}

/** Bundles the worker entry from the TypeScript sources; returns the module's text. */
export async function bundleWorker(): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new DatasetError(
      'worker threads started from the TypeScript sources need esbuild to bundle their script: ' +
        'npm install (it is a devDependency), or use the built package',
      undefined,
      { cause: e },
    );
  }
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./worker-entry.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // dependencies are bundled too: an external import would be loaded when the worker starts,
    // even by a pipeline that never uses it (dicom-parser, yauzl); inside the bundle they load with
    // the module that needs them. Packages reached through createRequire (the WASM codecs, undici)
    // stay in node_modules; `require` is defined for the CommonJS packages' own node: requires.
    banner: {
      js: "import { createRequire as cscCreateRequire } from 'node:module'; const require = cscCreateRequire(import.meta.url);",
    },
    // class names are part of a transform's description and of its error messages
    keepNames: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (!out) throw new DatasetError('esbuild wrote no worker bundle');
  return out.text + bundledLicences(Object.keys(result.metafile.inputs));
}

/**
 * The licence texts of the npm packages the bundle carries (their MIT/ISC terms ask for the notice to
 * travel with copies), as one comment at the end of the bundle.
 */
function bundledLicences(inputs: readonly string[]): string {
  const dirs = new Set<string>();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replaceAll('\\', '/'));
    if (m?.[1]) dirs.add(m[1]);
  }
  const parts: string[] = [];
  for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      license?: string;
    };
    const file = readdirSync(dir).find((f) => /^licen[cs]e(\.(md|txt))?$/i.test(f));
    const text = file
      ? readFileSync(join(dir, file), 'utf8').trim()
      : `License: ${pkg.license ?? 'see package'}`;
    parts.push(`${pkg.name}@${pkg.version}\n\n${text}`);
  }
  if (parts.length === 0) return '';
  const body = parts.join('\n\n----------------------------------------\n\n').replaceAll('*/', '* /');
  return `\n/*! Third-party packages bundled into this file, with their licences:\n\n${body}\n*/\n`;
}

/** Bundles of other sources untouched for this long are deleted when a bundle is written or reused. */
const STALE_BUNDLE_MS = 60 * 60 * 1000;

/**
 * Writes the source bundle under `.cache/worker/`, named by its content (concurrent processes agree),
 * or marks the existing one as in use; then deletes bundles of other sources not used for an hour
 * (a process still running older sources may start workers from its bundle within that time).
 */
async function writeSourceBundle(): Promise<URL> {
  const text = await bundleWorker();
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = fileURLToPath(new URL('../.cache/worker/', import.meta.url));
  const name = `worker-entry-${hash}.js`;
  const file = join(dir, name);
  if (existsSync(file)) {
    const now = new Date();
    utimesSync(file, now, now);
  } else {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}-${threadId}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  removeStaleBundles(dir, name);
  return pathToFileURL(file);
}

function removeStaleBundles(dir: string, keep: string): void {
  const cutoff = Date.now() - STALE_BUNDLE_MS;
  for (const f of readdirSync(dir)) {
    if (f === keep || !/^worker-entry-[0-9a-f]{16}\.js(\..*\.tmp)?$/.test(f)) continue;
    const path = join(dir, f);
    // (another process may have removed it first)
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat && stat.mtimeMs < cutoff) rmSync(path, { force: true });
  }
}
