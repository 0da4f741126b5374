/**
 * Worker start (issue #13: two workers ready in ≤ 150 ms from the built package): the time from
 * `DataLoader.ensurePool()` to two worker threads that have built the p1 pipeline of
 * benchmarks/pipeline.ts and answered 'ready', next to two empty threads (the floor on this
 * machine now). Each library runs in its own child process, so the first start is a cold one:
 *
 * - `dist`: the built package (`npm run build` first): workers run `dist/datasets/worker-entry.bundle.js`.
 * - `source`: the TypeScript sources through tsx (tests, `npm start`): the first start bundles the
 *   worker script with esbuild (once per process), later ones reuse it.
 *
 *   npx tsx benchmarks/worker-start.ts [--runs 10] [--dist dist] [--only dist|source]
 *
 * Milliseconds: `first` (the process's first pool), `later` (min / median of the next `--runs`),
 * `bare` (two empty threads started and answering, min / median).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as DatasetsModule from '../datasets/index.js';
import type * as TransformsModule from '../transforms/index.js';
import { bareWorkers, buildPipeline } from './pipeline.js';

const SELF = fileURLToPath(import.meta.url);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const ms = (t: number): number => Math.round((performance.now() - t) * 10) / 10;

function minMedian(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]} / ${s[s.length >> 1]}`;
}

/** One library (child process): the first pool start, then `runs` more, and bare threads. */
async function measure(lib: string | undefined, runs: number): Promise<Record<string, unknown>> {
  const base = lib ? pathToFileURL(resolve(lib)).href + '/' : new URL('../', import.meta.url).href;
  const ext = lib ? '.js' : '.ts';
  const T = (await import(`${base}transforms/index${ext}`)) as typeof TransformsModule;
  const D = (await import(`${base}datasets/index${ext}`)) as typeof DatasetsModule;
  const transform = buildPipeline(T, 'p1');
  const ds = new D.Dataset({ data: [{ image: 'unused.nii.gz' }], transform });
  const start = async (): Promise<number> => {
    const loader = new D.DataLoader(ds, { numWorkers: 2 });
    const t = performance.now();
    await loader.startWorkers();
    const dt = ms(t);
    await loader.close();
    return dt;
  };
  const first = await start();
  const later: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    later.push(await start());
    bare.push(Math.round((await bareWorkers()) * 1e4) / 10);
  }
  return { first, later: minMedian(later), bare: minMedian(bare) };
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 10);
  if (arg('--child')) {
    const lib = arg('--child') === 'source' ? undefined : arg('--dist');
    console.log(JSON.stringify(await measure(lib, runs)));
    return;
  }
  const dist = arg('--dist') ?? 'dist';
  const rows: string[] = [];
  for (const mode of ['dist', 'source']) {
    if (arg('--only') && arg('--only') !== mode) continue;
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, SELF, '--child', mode, '--dist', dist, '--runs', String(runs)],
      { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`the ${mode} worker-start benchmark failed (exit code ${r.status})`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    console.log(JSON.stringify({ mode, ...m }));
    rows.push(
      `| ${mode === 'dist' ? `built package (${dist})` : 'sources via tsx'} | ${m.first} | ${m.later} | ${m.bare} |`,
    );
  }
  console.log(
    '\n| two workers ready (ms) | first start | later starts min / median | bare threads min / median |',
  );
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
}

if (process.argv[1] && resolve(process.argv[1]) === SELF) await main();
