/**
 * DICOM without geometry (secondary captures, CR, cine without ImagePositionPatient /
 * ImageOrientationPatient): the affine and meta of MONAI 1.4's PydicomReader. `_get_affine`
 * returns `np.eye(4)` unless both IOP and IPP are present (PixelSpacing unused, no LPS → RAS
 * flip), `get_data` applies `swap_ij` (`affine @ P`) and sets `spacing` to the column norms;
 * `_combine_dicom_series` orders by InstanceNumber, skips slices without one and refuses a
 * series with none ("the input does not have valid slices").
 */
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImageReadError } from '../../../src/errors.js';
import { PydicomReader } from '../../../src/io/dicom/index.js';
import { type SyntheticDicom, syntheticDicom } from '../../support/synthetic-dicom.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIX = join(ROOT, 'test/fixtures/dicom/pydicom');
const reader = new PydicomReader();

/** MONAI's affine without geometry: `np.eye(4) @ P` (P swaps axes 0 and 1). */
const SWAPPED = [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

/** A 2-row × 3-column 16-bit image (or `frames` of them) whose pixel (f, r, c) is base + 100f + 10r + c. */
function image(base: number, o: SyntheticDicom & { nFrames?: number } = {}): Uint8Array {
  const n = o.nFrames ?? 1;
  const px = new Uint16Array(n * 6);
  for (let f = 0; f < n; f++)
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 3; c++) px[f * 6 + r * 3 + c] = base + 100 * f + 10 * r + c;
  return syntheticDicom({
    rows: 2,
    columns: 3,
    pixels: new Uint8Array(px.buffer),
    ...(n > 1 ? { frames: String(n) } : {}),
    ...o,
  });
}

function read(files: Record<string, Uint8Array>, options: Record<string, unknown> = {}) {
  return reader.readBuffers(new Map(Object.entries(files)), options);
}

describe('DICOM without ImagePositionPatient / ImageOrientationPatient (MONAI PydicomReader)', () => {
  it.each([
    [
      'a real secondary capture with PixelSpacing 33.3 (pydicom SC_rgb_small_odd.dcm)',
      'SC_rgb_small_odd.dcm',
      [3, 3, 3],
      [33.333333, 33.333333],
    ],
    [
      'a real MONOCHROME1 CR with only ImagerPixelSpacing 0.1 (pydicom CR1_6154)',
      'CR1_6154',
      [16, 16],
      undefined,
    ],
    [
      'a real JPEG secondary capture without PixelSpacing',
      'SC_jpeg_no_color_transform.dcm',
      [256, 256, 3],
      undefined,
    ],
  ])(
    '%s: swapped identity affine, spacing 1, PixelSpacing kept in meta but not used',
    async (_, file, shape, ps) => {
      const img = await reader.read(join(FIX, file));
      expect(img.shape).toEqual(shape);
      expect(Array.from(img.affine)).toEqual(SWAPPED);
      expect(img.meta.original_affine).toEqual(img.affine);
      expect(img.meta['spacing']).toEqual([1, 1]);
      expect(img.meta['PixelSpacing']).toEqual(ps);
      expect(img.meta.space).toBe('RAS');
      expect(img.meta['ImagePositionPatient']).toBeUndefined();
      expect(String(img.meta['dicom_warnings'])).toMatch(
        /no ImageOrientationPatient or ImagePositionPatient: identity affine/,
      );
    },
  );

  it('swapIj false gives the identity; affineLpsToRas false changes only space (no flip either way)', async () => {
    const files = { 'sc.dcm': image(0, { attributes: { PixelSpacing: '0.5\\0.25' } }) };
    const noswap = await read(files, { swapIj: false });
    expect(noswap.shape).toEqual([2, 3]);
    expect(Array.from(noswap.affine)).toEqual(IDENTITY);
    expect(Array.from(noswap.data)).toEqual([0, 1, 2, 10, 11, 12]);
    const lps = await read(files, { affineLpsToRas: false });
    expect(Array.from(lps.affine)).toEqual(SWAPPED);
    expect(lps.meta.space).toBe('LPS');
    const ras = await read(files);
    expect(ras.shape).toEqual([3, 2]);
    expect(Array.from(ras.data)).toEqual([0, 10, 1, 11, 2, 12]);
    expect(ras.meta.spatial_shape).toEqual([3, 2]);
    expect(ras.meta['spacing']).toEqual([1, 1]);
  });

  it.each([
    [
      'only ImageOrientationPatient',
      { ImageOrientationPatient: '1\\0\\0\\0\\1\\0', PixelSpacing: '2\\2' },
      /no ImagePositionPatient:/,
    ],
    [
      'only ImagePositionPatient',
      { ImagePositionPatient: '10\\20\\30', PixelSpacing: '2\\2' },
      /no ImageOrientationPatient:/,
    ],
    [
      'ImagerPixelSpacing only',
      { ImagerPixelSpacing: '0.2\\0.2' },
      /no ImageOrientationPatient or ImagePositionPatient:/,
    ],
  ])('%s: still the identity (MONAI needs both IOP and IPP)', async (_, attributes, warning) => {
    const img = await read({ 'x.dcm': image(0, { attributes }) });
    expect(Array.from(img.affine)).toEqual(SWAPPED);
    expect(img.meta['spacing']).toEqual([1, 1]);
    expect(String(img.meta['dicom_warnings'])).toMatch(warning);
  });

  it('with both IOP and IPP the affine is built from them (PixelSpacing used, RAS flip), and 1 mm without PixelSpacing', async () => {
    const geo = { ImageOrientationPatient: '1\\0\\0\\0\\1\\0', ImagePositionPatient: '10\\20\\30' };
    const img = await read({ 'x.dcm': image(0, { attributes: { ...geo, PixelSpacing: '2\\3' } }) });
    expect(Array.from(img.affine, (v) => v + 0)).toEqual([
      -3, 0, 0, -10, 0, -2, 0, -20, 0, 0, 1, 30, 0, 0, 0, 1,
    ]);
    expect(img.meta['spacing']).toEqual([3, 2]);
    expect(img.meta['dicom_warnings']).toBeUndefined();
    // ImagerPixelSpacing is not a fallback (MONAI reads only PixelSpacing).
    const unit = await read({
      'x.dcm': image(0, { attributes: { ...geo, ImagerPixelSpacing: '0.2\\0.2' } }),
    });
    expect(unit.meta['spacing']).toEqual([1, 1]);
  });

  it('a multi-frame file without geometry: frames in file order on the last axis, spacing 1, no 1 mm warning', async () => {
    const img = await read({
      'cine.dcm': image(0, { nFrames: 3, attributes: { PixelSpacing: '0.7\\0.7' } }),
    });
    expect(img.shape).toEqual([3, 2, 3]);
    expect(Array.from(img.affine)).toEqual(SWAPPED);
    expect(img.meta['spacing']).toEqual([1, 1, 1]);
    expect(img.meta.spatial_shape).toEqual([3, 2, 3]);
    // voxel (column 2, row 1, frame f) = 100 f + 12
    for (let f = 0; f < 3; f++) expect(img.data[(2 * 2 + 1) * 3 + f]).toBe(100 * f + 12);
    expect(String(img.meta['dicom_warnings'])).not.toMatch(/1 mm assumed/);
    // With IOP and IPP but no per-frame position nor spacing, frames are 1 mm apart, as said.
    const geo = { ImageOrientationPatient: '1\\0\\0\\0\\1\\0', ImagePositionPatient: '0\\0\\5' };
    const located = await read({ 'cine.dcm': image(0, { nFrames: 3, attributes: geo }) });
    expect(located.affine[10]).toBe(1);
    expect(located.affine[11]).toBe(5);
    expect(String(located.meta['dicom_warnings'])).toMatch(/1 mm assumed/);
  });

  it('a series of files without geometry is stacked by InstanceNumber (not by name), spacing 1', async () => {
    const files = {
      'a.dcm': image(3000, { sopInstanceUID: '1.2.3.1', attributes: { InstanceNumber: '3' } }),
      'b.dcm': image(1000, { sopInstanceUID: '1.2.3.2', attributes: { InstanceNumber: '1' } }),
      'c.dcm': image(2000, { sopInstanceUID: '1.2.3.3', attributes: { InstanceNumber: '2' } }),
    };
    const img = await read(files);
    expect(img.shape).toEqual([3, 2, 3]);
    expect(Array.from(img.affine)).toEqual(SWAPPED);
    expect(img.meta['spacing']).toEqual([1, 1, 1]);
    expect(img.meta['lastImagePositionPatient']).toBeUndefined();
    expect([img.data[0], img.data[1], img.data[2]]).toEqual([1000, 2000, 3000]);
    expect(img.meta['dicom_files']).toEqual(['b.dcm', 'c.dcm', 'a.dcm']);
  });

  it('skips the slices without InstanceNumber and says so; none with one is an ImageReadError', async () => {
    const img = await read({
      'a.dcm': image(1000, { sopInstanceUID: '1.2.3.1', attributes: { InstanceNumber: '1' } }),
      'b.dcm': image(2000, { sopInstanceUID: '1.2.3.2', attributes: { InstanceNumber: '2' } }),
      'c.dcm': image(9000, { sopInstanceUID: '1.2.3.3' }),
    });
    expect(img.shape).toEqual([3, 2, 2]);
    expect([img.data[0], img.data[1]]).toEqual([1000, 2000]);
    expect(String(img.meta['dicom_warnings'])).toMatch(/c\.dcm has no InstanceNumber: skipped/);
    const none = read({
      'a.dcm': image(1000, { sopInstanceUID: '1.2.3.1' }),
      'b.dcm': image(2000, { sopInstanceUID: '1.2.3.2' }),
    });
    await expect(none).rejects.toBeInstanceOf(ImageReadError);
    await expect(none).rejects.toThrow(
      /none of its 2 images has an ImagePositionPatient or an InstanceNumber/,
    );
  });
});
