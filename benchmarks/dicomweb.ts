/**
 * DICOMweb series per second: a real Orthanc (Debian `orthanc` + `orthanc-dicomweb`) on 127.0.0.1
 * against reading the same files locally. Seeds Orthanc by STOW-RS with K copies of the bundled
 * 20-slice brain MR series (distinct UIDs), then times, per series:
 *   local         PydicomReader on the local files
 *   wado memory   WADO-RS retrieval of the series into memory (multipart parsed part by part)
 *   + read        the same, then read from memory (LoadImageDICOMWebd with cacheDir: false)
 *   cold cache    QIDO + WADO-RS into an empty download cache, then read (what epoch 1 costs)
 *   warm cache    QIDO + cache hit, then read (a new run over a filled cache)
 *   cold ×K, c=4  K different series at once through one client (concurrency 4)
 * Run: `npx tsx benchmarks/dicomweb.ts [--copies 8] [--reps 5]`.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DicomwebClient, DicomwebDownloadCache, loadPatients } from '../src/dicomweb/index.js';
import { PydicomReader } from '../src/io/dicom/pydicom-reader.js';
import { LoadImage } from '../transforms/io/load-image.js';
import { BRAIN, Orthanc, replaceAscii } from '../test/dicomweb/orthanc.js';

const { values } = parseArgs({ options: { copies: { type: 'string' }, reps: { type: 'string' } } });
const copies = Number(values.copies ?? 8);
const reps = Number(values.reps ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>, n: number): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const orthanc = await Orthanc.start();
const work = await mkdtemp(join(tmpdir(), 'csc-bench-dicomweb-'));
try {
  const cfg = { url: orthanc.url, user: orthanc.user, password: orthanc.password, env: {} };
  const client = new DicomwebClient(cfg);
  const names = (await readdir(BRAIN)).sort();
  const files = names.map((f) => join(BRAIN, f));
  const originals = await Promise.all(files.map((f) => readFile(f)));
  const suffix = '20010413115754.12432';
  const seed: Buffer[] = [];
  for (let k = 0; k < copies; k++)
    for (const b of originals) seed.push(replaceAscii(b, suffix, `${suffix.slice(0, -5)}${10000 + k}`));
  await client.storeInstances(seed);
  const series = [...(await loadPatients(client))[0]!.allSeries()].map((s) => s.uri);
  const bytes = originals.reduce((a, b) => a + b.length, 0);

  const reader = new LoadImage({ reader: 'PydicomReader' });
  let fresh = 0;
  const rows: [string, number, number][] = [];
  const add = (name: string, ms: number, n = 1) => rows.push([name, ms, (1000 * n) / ms]);
  add('local read (20 files)', await time(() => reader.apply(files), reps));
  add(
    'WADO-RS into memory',
    await time(() => client.streamInstances(series[0]!, async () => undefined), reps),
  );
  const dicom = new PydicomReader();
  add(
    'WADO-RS into memory + read from memory',
    await time(async () => {
      const m = new Map<string, Uint8Array>();
      await client.streamInstances(series[0]!, async (b, i) => void m.set(`${i}.dcm`, b));
      await dicom.readBuffers(m);
    }, reps),
  );
  add(
    'cold cache: QIDO + WADO + write + read',
    await time(async () => {
      const got = await new DicomwebDownloadCache({ dir: join(work, `cold-${fresh++}`) }).fetch(
        client,
        series[0]!,
      );
      await reader.apply(got.files);
    }, reps),
  );
  add(
    'warm cache: QIDO + hit + read',
    await time(async () => {
      const got = await new DicomwebDownloadCache({ dir: join(work, 'cold-0') }).fetch(client, series[0]!);
      await reader.apply(got.files);
    }, reps),
  );
  add(
    `cold ×${series.length}, concurrency 4`,
    await time(
      async () => {
        const cache = new DicomwebDownloadCache({ dir: join(work, `many-${fresh++}`) });
        await Promise.all(series.map(async (s) => reader.apply((await cache.fetch(client, s)).files)));
      },
      Math.max(1, Math.floor(reps / 2)),
    ),
    series.length,
  );
  console.log(
    `\nDICOMweb vs local: 20-slice MR series (${(bytes / 1e6).toFixed(1)} MB), Orthanc ${orthanc.url}, median of ${reps}\n`,
  );
  console.log(`${'path'.padEnd(44)}${'ms'.padStart(10)}${'series/s'.padStart(12)}`);
  for (const [name, ms, rate] of rows)
    console.log(`${name.padEnd(44)}${ms.toFixed(1).padStart(10)}${rate.toFixed(2).padStart(12)}`);
} finally {
  await orthanc.stop();
  await rm(work, { recursive: true, force: true });
}
