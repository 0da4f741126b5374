/**
 * Per-step cost of the pipeline benchmark's p1 (NIfTI) and p2 (DICOM) pipelines (issue #13): each
 * item runs through the steps of `buildPipeline` one at a time, alone (no other item in flight), and
 * every step is timed. Prints, per step, the median milliseconds per item over `--rounds` passes
 * over the items after one warm-up pass (JIT, page cache), and the smallest time seen. For p1 a
 * reference row times `readMaybeGzip` alone (read + gunzip: the part of LoadImaged that the
 * pipeline's second item in flight overlaps at numWorkers 0).
 *
 *   npx tsx benchmarks/pipeline-steps.ts [--items 16] [--rounds 3] [--only p1|p2] [--dist dist] [--data DIR]
 *
 * The inputs are `benchmarks/pipeline.ts`'s (`makeData`), written to a temporary folder unless
 * `--data` names a folder it made. `--dist dist` times the built package (`npm run build` first).
 */
import type * as ReadFileModule from '../src/io/read-file.js';
import type * as TransformsModule from '../transforms/index.js';
import { arg, buildPipeline, importLib, items, median, withBenchmarkData } from './pipeline.js';

async function loadLib(dist: string | undefined) {
  return {
    T: await importLib<typeof TransformsModule>(dist, 'transforms/index'),
    io: await importLib<typeof ReadFileModule>(dist, 'src/io/read-file'),
  };
}

type Row = { step: string; median: number; min: number };

/** Times every step of pipeline `p` on each item; `rounds` timed passes after one warm-up pass. */
async function stepTimes(
  lib: Awaited<ReturnType<typeof loadLib>>,
  p: 'p1' | 'p2',
  files: string[],
  rounds: number,
): Promise<Row[]> {
  const compose = buildPipeline(lib.T, p);
  compose.setRandomState(0);
  const names = [...compose.transforms.map((s) => s.name), 'total'];
  if (p === 'p1') names.push('(readMaybeGzip alone)');
  const samples = names.map(() => [] as number[]);
  for (let r = 0; r <= rounds; r++) {
    for (const file of files) {
      const t: number[] = [];
      let data: unknown = { image: file };
      for (let k = 0; k < compose.transforms.length; k++) {
        const t0 = performance.now();
        data = await compose.apply(data, { start: k, end: k + 1 });
        t.push(performance.now() - t0);
      }
      t.push(t.reduce((a, b) => a + b, 0));
      if (p === 'p1') {
        const t0 = performance.now();
        await lib.io.readMaybeGzip(file);
        t.push(performance.now() - t0);
      }
      if (r > 0) t.forEach((ms, i) => (samples[i] as number[]).push(ms));
    }
  }
  return names.map((step, i) => ({
    step,
    median: median(samples[i] as number[]),
    min: Math.min(...(samples[i] as number[])),
  }));
}

async function main(): Promise<void> {
  const n = Number(arg('--items') ?? 16);
  const rounds = Number(arg('--rounds') ?? 3);
  const only = arg('--only');
  const lib = await loadLib(arg('--dist'));
  await withBenchmarkData(arg('--data'), 'csc-steps-', async (dir) => {
    for (const p of ['p1', 'p2'] as const) {
      if (only && only !== p) continue;
      const files = items(dir, p, n).map((item) => item.image);
      const rows = await stepTimes(lib, p, files, rounds);
      console.log(`\n${p === 'p1' ? 'p1-nifti' : 'p2-dicom'}: ${n} items × ${rounds} rounds (ms per item)`);
      console.log('| step | median ms | min ms |\n|---|---|---|');
      for (const r of rows) console.log(`| ${r.step} | ${r.median.toFixed(2)} | ${r.min.toFixed(2)} |`);
    }
  });
}

await main();
