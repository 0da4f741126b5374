/**
 * Tracking throughput: batching, REST logging to the in-repo MLflow stand-in, the ./mlruns FileStore
 * (atomic rewrite of metric files per flush) and the cost of a buffered `run.logMetric` call.
 * Run: `npx tsx benchmarks/tracking.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkLogBatch } from '../src/tracking/batch.js';
import { FileStore } from '../src/tracking/file-store.js';
import { MlflowClient } from '../src/tracking/mlflow-client.js';
import { Run } from '../src/tracking/run.js';
import type { Metric } from '../src/tracking/types.js';
import { startMlflowStandIn } from '../test/tracking/mlflow-stand-in.js';

function metrics(n: number, keys = 10): Metric[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `m${i % keys}`,
    value: Math.sin(i),
    timestamp: 1_700_000_000_000 + i,
    step: i,
  }));
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const rows: [string, string, string][] = [];
const add = (what: string, ms: number, per: string) => rows.push([what, `${ms.toFixed(1)} ms`, per]);

const m100k = metrics(100_000);
const chunkMs = await time(() => chunkLogBatch({ metrics: m100k }));
add(
  'chunkLogBatch 100k metrics → 100 requests',
  chunkMs,
  `${((100_000 / chunkMs) * 1000).toFixed(0)} metrics/s`,
);

const server = await startMlflowStandIn();
try {
  const client = new MlflowClient({ trackingUri: server.url, env: {} });
  const run = await client.createRun({ experimentId: '0' });
  const m20k = metrics(20_000);
  const restMs = await time(() => client.logBatch(run.info.run_id, { metrics: m20k }));
  add(
    `REST log-batch 20k metrics (${server.calls('runs/log-batch').length} requests, stand-in)`,
    restMs,
    `${((20_000 / restMs) * 1000).toFixed(0)} metrics/s`,
  );
  const single = metrics(200);
  const oneMs = await time(async () => {
    for (const m of single)
      await client.logMetric(run.info.run_id, m.key, m.value, { step: m.step, timestamp: m.timestamp });
  });
  add('REST log-metric, one request per point (200)', oneMs, `${(oneMs / 200).toFixed(2)} ms/point`);
} finally {
  await server.close();
}

const dir = await mkdtemp(join(tmpdir(), 'csc-bench-'));
try {
  const store = new FileStore(join(dir, 'mlruns'));
  for (const flush of [1000, 100]) {
    const r = await store.createRun({ experimentId: '0' });
    const all = metrics(10_000);
    const ms = await time(async () => {
      for (let i = 0; i < all.length; i += flush)
        await store.logBatch(r.info.run_id, { metrics: all.slice(i, i + flush) });
    });
    add(`FileStore 10k metrics in flushes of ${flush}`, ms, `${((10_000 / ms) * 1000).toFixed(0)} metrics/s`);
  }
  const r = await store.createRun({ experimentId: '0' });
  const run = new Run(store, r, { flushEvery: 1_000_000, flushIntervalMs: 0, handleSignals: false });
  const callMs = await time(() => {
    for (let i = 0; i < 100_000; i++) run.logMetric('loss', i, { step: i, timestamp: 1 });
  });
  add('run.logMetric (buffered) ×100k', callMs, `${((callMs * 1000) / 100_000).toFixed(2)} µs/call`);
  const endMs = await time(() => run.end());
  add(
    'run.end(): flush 100k buffered points to FileStore',
    endMs,
    `${((100_000 / endMs) * 1000).toFixed(0)} metrics/s`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

const w = [
  Math.max(...rows.map((r) => r[0].length)),
  Math.max(...rows.map((r) => r[1].length)),
  Math.max(...rows.map((r) => r[2].length)),
];
console.log(
  `| ${'operation'.padEnd(w[0] ?? 0)} | ${'time'.padEnd(w[1] ?? 0)} | ${'rate'.padEnd(w[2] ?? 0)} |`,
);
console.log(`|${'-'.repeat((w[0] ?? 0) + 2)}|${'-'.repeat((w[1] ?? 0) + 2)}|${'-'.repeat((w[2] ?? 0) + 2)}|`);
for (const r of rows)
  console.log(`| ${r[0].padEnd(w[0] ?? 0)} | ${r[1].padEnd(w[1] ?? 0)} | ${r[2].padEnd(w[2] ?? 0)} |`);
