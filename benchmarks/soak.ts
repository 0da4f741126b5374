/**
 * Soak benchmark (issue #16 §5): the XNAT stand-in (a child process) with N subjects and a seeded
 * fraction of its answers faulty (503s, connections dropped before headers or mid-body, slow answers,
 * expired sessions) → every scan downloaded into the cache once, with bounded retries and no partial
 * file; then E epochs of a DataLoader with worker threads over a CacheDataset of the downloaded scans
 * → no leaked tensors, and RSS after the last epoch compared with RSS after epoch 2.
 * Each subject has one CT scan (pydicom's CT5N series, 5 slices of 16×16): the soak is about many
 * requests, faults and epochs, not about bytes.
 *
 * Run: `npx tsx benchmarks/soak.ts [--subjects 200] [--fault-rate 0.05]
 *       [--epochs 20] [--workers 2] [--seed 1]`
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteStandIn } from './support/remote-stand-in.js';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pLimit from 'p-limit';
import { CacheDataset, DataLoader } from '../datasets/index.js';
import { RandomState } from '../src/random/index.js';
import {
  type SubjectData,
  type XnatConfig,
  XnatDownloadCache,
  XnatSession,
  xnatBuildDataset,
} from '../src/xnat/index.js';
import { type StandInDescription, type StandInFault, XnatStandIn } from '../src/xnat/testing/index.js';
import createSoakPipeline from './soak-pipeline.js';

const { values } = parseArgs({
  options: {
    subjects: { type: 'string', default: '200' },
    'fault-rate': { type: 'string', default: '0.05' },
    epochs: { type: 'string', default: '20' },
    workers: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    serve: { type: 'boolean', default: false },
  },
});
const SUBJECTS = Number(values.subjects);
const FAULT_RATE = Number(values['fault-rate']);
const EPOCHS = Number(values.epochs);
const WORKERS = Number(values.workers);
const SEED = Number(values.seed);
const SERIES = resolve('test/fixtures/dicom/pydicom/series/CT5N');

const description: StandInDescription = {
  projects: [
    {
      id: 'SOAK',
      subjects: Array.from({ length: SUBJECTS }, (_, i) => ({
        label: `SOAK${String(i + 1).padStart(4, '0')}`,
        experiments: [
          {
            label: `SOAK${i + 1}_CT_1`,
            scans: [{ id: '2', series_description: 'chest ct', dir: SERIES }],
          },
        ],
      })),
    },
  ],
};

/** A seeded schedule: each of the first requests is faulty with probability FAULT_RATE. */
function faultSchedule(): [string, StandInFault][] {
  const r = new RandomState(SEED);
  const faults: [string, StandInFault][] = [];
  const menu: [string, StandInFault][] = [
    ['503', { status: 503, message: 'Service Unavailable (soak)' }],
    ['dropped before headers', { drop: 'before-headers' }],
    ['dropped mid-body', { drop: 'mid-body', afterBytes: 200 }],
    ['slow (1.5 s)', { latencyMs: 1500 }],
    ['expired session', { expireSession: true }],
  ];
  for (let i = 0; i < SUBJECTS * 12; i++) {
    if (r.rand() >= FAULT_RATE) continue;
    const [name, f] = menu[r.randint(0, menu.length)]!;
    faults.push([name, { ...f, skip: i, times: 1 }]);
  }
  return faults;
}

async function serve(): Promise<void> {
  const xnat = await XnatStandIn.start({ description });
  const handles = faultSchedule().map(([name, f]) => [name, xnat.addFault(f)] as const);
  process.send!({ url: xnat.url });
  process.on('message', (m) => {
    const hits: Record<string, number> = {};
    for (const [name, h] of handles) if (h.hits > 0) hits[`fault ${name}`] = (hits[`fault ${name}`] ?? 0) + 1;
    if (m === 'stats') process.send!({ ...xnat.stats, ...hits });
    if (m === 'close') void xnat.close().then(() => process.exit(0));
  });
}

function fetchCt(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    for (const scan of exp.scans.values())
      if (scan.series_description === 'chest ct') return [scan, 'ct'] as const;
  return null;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
// A full GC before each RSS reading. Taken at run time: `--expose-gc` on the command line would be
// passed on to the worker threads, which refuse it.
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;
function gc(): void {
  fullGc();
  fullGc();
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const xnat = await RemoteStandIn.start(fileURLToPath(import.meta.url), [
    ...process.argv.slice(2),
    '--serve',
  ]);
  const cacheDir = await mkdtemp(join(tmpdir(), 'csc-soak-'));
  const logLines: string[] = [];
  const cfg: XnatConfig = {
    server: xnat.url,
    user: 'admin',
    password: 'admin',
    project: 'SOAK',
    netrc: false,
    env: {},
    retries: 4,
    retryDelayMs: 20,
    timeoutMs: 10_000,
    concurrency: 8,
    log: (m) => logLines.push(m),
  };
  const rows: [string, string][] = [];
  try {
    const t0 = performance.now();
    const data = await xnatBuildDataset(cfg, { actions: [fetchCt] });
    const uris = data.map((d) => d.ct as string);
    const session = await XnatSession.connect(cfg);
    const cache = new XnatDownloadCache(cacheDir);
    const limit = pLimit(8);
    const failed: string[] = [];
    const dirs = await Promise.all(
      uris.map((u) =>
        limit(() =>
          cache.fetch(session, u).then(
            (c) => c.files,
            (e: unknown) => {
              failed.push(`${u}: ${(e as Error).message}`);
              return undefined;
            },
          ),
        ),
      ),
    );
    const tDownload = (performance.now() - t0) / 1000;
    const server = await xnat.stats();
    const files = await walk(cacheDir);
    const partial = files.filter((f) => /\.(tmp|part|partial|download)\b|\.tmp-/.test(f));
    // A second pass with a fresh cache object over the same folder downloads nothing.
    const again = new XnatDownloadCache(cacheDir);
    await Promise.all(uris.map((u) => limit(() => again.fetch(session, u))));
    const session2 = session.stats;
    await session.close();
    rows.push(
      ['subjects / scans listed', `${SUBJECTS} / ${uris.length}`],
      [
        `faults injected (rate ${FAULT_RATE} of requests)`,
        Object.entries(server)
          .filter(([k]) => k.startsWith('fault '))
          .map(([k, v]) => `${k.slice(6)} ${v}`)
          .join(', '),
      ],
      ['requests served by the stand-in', String(server['requests'])],
      ['scan downloads completed (cache)', String(cache.stats.downloads)],
      ['zip responses started (server)', String(server['zipDownloads'])],
      ['client retries / logins', `${session2.retries} / ${session2.logins}`],
      ['scans failed after retries', String(failed.length)],
      ['second pass: downloads / hits', `${again.stats.downloads} / ${again.stats.hits}`],
      ['files in cache / partial files', `${files.length} / ${partial.length}`],
      ['download phase (s)', tDownload.toFixed(1)],
    );
    for (const f of failed.slice(0, 5)) console.log(`failed: ${f}`);

    // Epochs over a CacheDataset with worker threads.
    const items = dirs.filter((d): d is string[] => d !== undefined).map((image) => ({ image }));
    const transformModule = new URL('./soak-pipeline.ts', import.meta.url);
    const ds = await CacheDataset.create({
      data: items,
      transform: createSoakPipeline(),
      transformModule,
      numWorkers: WORKERS,
      progress: false,
    });
    const loader = new DataLoader(ds, {
      batchSize: 8,
      shuffle: true,
      seed: SEED,
      numWorkers: WORKERS,
      transformModule,
    });
    const tensors0 = tf.memory().numTensors;
    const rss: number[] = [];
    const t1 = performance.now();
    let batches = 0;
    for (let e = 1; e <= EPOCHS; e++) {
      for await (const batch of loader) {
        batches++;
        (batch as { dispose(): void }).dispose();
      }
      gc();
      rss.push(process.memoryUsage().rss);
      console.log(`epoch ${e}: RSS ${mb(rss[e - 1]!)} MB, tensors ${tf.memory().numTensors - tensors0}`);
    }
    await loader.close();
    const tEpochs = (performance.now() - t1) / 1000;
    const leaked = tf.memory().numTensors - tensors0;
    const r2 = rss[Math.min(1, rss.length - 1)]!;
    const rLast = rss[rss.length - 1]!;
    rows.push(
      ['epochs / batches', `${EPOCHS} / ${batches}`],
      ['epoch phase (s)', tEpochs.toFixed(1)],
      ['leaked tensors', String(leaked)],
      [`RSS after epoch 2 / ${EPOCHS} (MB)`, `${mb(r2)} / ${mb(rLast)}`],
      [`RSS change epoch 2 → ${EPOCHS}`, `${(((rLast - r2) / r2) * 100).toFixed(2)} %`],
    );
  } finally {
    await xnat.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
  console.log('\n| measure | value |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  console.log(`\nclient log lines (retries, re-logins): ${logLines.length}; first: ${logLines[0] ?? '-'}`);
}

if (values.serve) await serve();
else await main();
