import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImageReadError, UnsupportedFormatError } from '../../src/errors.js';
import { affineFromRows } from '../../src/image/affine.js';
import { NibabelReader, readNifti } from '../../src/io/nifti/nifti-reader.js';
import { encodeNifti1, writeNifti } from '../../src/io/nifti/nifti-writer.js';
import { parseNiftiHeader } from '../../src/io/nifti/nifti-header.js';
import { findReader } from '../../src/io/reader-registry.js';
import { GOLDEN_DIR } from '../support/golden.js';

const anat = join(GOLDEN_DIR, 'inputs/nibabel/anatomical.nii');
const nifti2 = join(GOLDEN_DIR, 'inputs/nibabel/example_nifti2.nii.gz');

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'csc-nifti-'));
}

describe('NIfTI reader', () => {
  it('reads a big-endian NIfTI-1 file into C order with nibabel geometry', async () => {
    const img = await readNifti(anat, { dtype: null });
    expect(img.shape).toEqual([33, 41, 25]);
    expect(img.dtype).toBe('int16');
    expect(img.meta.original_channel_dim).toBe('no_channel');
    // C order: the last axis runs fastest. Compare one voxel read through the header offsets.
    const raw = await readFile(anat);
    const h = parseNiftiHeader(raw);
    expect(h.littleEndian).toBe(false);
    const [x, y, z] = [5, 7, 3];
    const diskIndex = x + 33 * (y + 41 * z);
    const expected = raw.readInt16BE(Math.floor(h.vox_offset) + 2 * diskIndex);
    expect(img.data[(x * 41 + y) * 25 + z]).toBe(expected);
  });

  it('reads NIfTI-2 and keeps the 4th axis as channels (original_channel_dim -1)', async () => {
    const img = await readNifti(nifti2);
    expect(img.shape).toEqual([32, 20, 12, 2]);
    expect(img.meta.original_channel_dim).toBe(-1);
    expect(img.meta.spatial_shape).toEqual([32, 20, 12]);
    expect(img.dtype).toBe('float32');
  });

  it('round-trips through the writer (.nii and .nii.gz) with the affine', async () => {
    const dir = await tmp();
    const affine = affineFromRows([
      [0, -2, 0, 10],
      [1.5, 0, 0, -20],
      [0, 0, 3, 5],
    ]);
    const data = Float32Array.from({ length: 4 * 5 * 6 }, (_, i) => i * 0.5 - 7);
    for (const name of ['a.nii', 'b.nii.gz']) {
      const file = join(dir, name);
      await writeNifti(file, data, [4, 5, 6], 'float32', affine);
      const back = await readNifti(file);
      expect(back.shape).toEqual([4, 5, 6]);
      expect(Array.from(back.data)).toEqual(Array.from(data));
      expect(Array.from(back.affine)).toEqual(Array.from(affine));
    }
  });

  it("puts every voxel where C order says, for sizes off the copy loop's blocks (odd x, z over 64, 2D, 4D)", async () => {
    const dir = await tmp();
    for (const shape of [
      [7, 3, 70],
      [9, 4],
      [5, 2, 3, 2],
      [6, 5, 4],
    ]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => i * 0.25 - 3);
      const file = join(dir, `v${shape.join('x')}.nii`);
      await writeNifti(
        file,
        data,
        shape,
        'float32',
        affineFromRows([
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
        ]),
      );
      const back = await readNifti(file);
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('applies scl_slope/scl_inter like nibabel', async () => {
    const dir = await tmp();
    const bytes = encodeNifti1(
      Int16Array.from([0, 1, 2, 3, 4, 5, 6, 7]),
      [2, 2, 2],
      'int16',
      affineFromRows([
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
      ]),
    );
    const dv = new DataView(bytes.buffer);
    dv.setFloat32(112, 0.5, true);
    dv.setFloat32(116, 10, true);
    await writeFile(join(dir, 's.nii'), bytes);
    const img = await readNifti(join(dir, 's.nii'), { dtype: null });
    expect(img.dtype).toBe('float64');
    expect(Array.from(img.data).sort((a, b) => a - b)).toEqual([10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5]);
  });

  describe('bad input gives a typed error naming the file', () => {
    it('missing file', async () => {
      const f = join(await tmp(), 'nope.nii.gz');
      await expect(readNifti(f)).rejects.toThrow(ImageReadError);
      await expect(readNifti(f)).rejects.toThrow(/nope\.nii\.gz.*does not exist/);
    });
    it('truncated voxel data', async () => {
      const dir = await tmp();
      const raw = await readFile(anat);
      const f = join(dir, 'cut.nii');
      await writeFile(f, raw.subarray(0, raw.length - 100));
      await expect(readNifti(f)).rejects.toThrow(/cut\.nii.*truncated/);
    });
    it('truncated gzip stream', async () => {
      const dir = await tmp();
      const raw = await readFile(nifti2);
      const f = join(dir, 'cut.nii.gz');
      await writeFile(f, raw.subarray(0, raw.length / 2));
      await expect(readNifti(f)).rejects.toThrow(ImageReadError);
    });
    it('wrong magic', async () => {
      const dir = await tmp();
      const raw = Buffer.from(await readFile(anat));
      raw.write('xx1\0', 344, 'latin1');
      const f = join(dir, 'magic.nii');
      await writeFile(f, raw);
      await expect(readNifti(f)).rejects.toThrow(/bad NIfTI-1 magic/);
    });
    it('not a NIfTI file at all', async () => {
      const f = join(await tmp(), 'text.nii');
      await writeFile(f, 'hello, this is not an image');
      await expect(readNifti(f)).rejects.toThrow(/not a NIfTI file/);
    });
    it('unsupported datatype (complex64)', async () => {
      const dir = await tmp();
      const bytes = encodeNifti1(
        new Float32Array(8),
        [2, 2, 2],
        'float32',
        affineFromRows([
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
        ]),
      );
      new DataView(bytes.buffer).setInt16(70, 32, true);
      const f = join(dir, 'c.nii.gz');
      await writeFile(f, gzipSync(bytes));
      await expect(readNifti(f)).rejects.toThrow(UnsupportedFormatError);
      await expect(readNifti(f)).rejects.toThrow(/complex64/);
    });
    it('a folder with no readable image', async () => {
      const dir = await tmp();
      await mkdir(join(dir, 'empty'));
      await expect(findReader(join(dir, 'missing'))).rejects.toThrow(ImageReadError);
      await writeFile(join(dir, 'notes.txt'), 'x');
      await expect(findReader(join(dir, 'notes.txt'))).rejects.toThrow(UnsupportedFormatError);
    });
  });

  it('stacks a list of files as channels', async () => {
    const a = join(GOLDEN_DIR, 'inputs/synthetic/syn_phantom.nii.gz');
    const b = join(GOLDEN_DIR, 'inputs/synthetic/syn_label.nii.gz');
    const img = await NibabelReader.read([a, b]);
    expect(img.shape).toEqual([2, 36, 32, 24]);
    expect(img.meta.original_channel_dim).toBe(0);
  });
});
