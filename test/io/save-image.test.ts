import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { affineFromRows } from '../../src/image/affine.js';
import { readNifti } from '../../src/io/nifti/nifti-reader.js';
import { encodeNifti1 } from '../../src/io/nifti/nifti-writer.js';
import { readNpy } from '../../src/io/numpy.js';
import { Compose, EnsureChannelFirstd, LoadImage, LoadImaged, SaveImaged } from '../../transforms/index.js';
import { GOLDEN_DIR } from '../support/golden.js';
import type { MetaImage } from '../../src/image/meta-image.js';

describe('SaveImage(d)', () => {
  it('writes {name}/{name}_{postfix}.nii.gz that reads back with the same data and affine', async () => {
    const out = await mkdtemp(join(tmpdir(), 'csc-save-'));
    const src = join(GOLDEN_DIR, 'inputs/synthetic/syn_oblique.nii.gz');
    const t = new Compose([
      new LoadImaged({ keys: 'image' }),
      new EnsureChannelFirstd({ keys: 'image' }),
      new SaveImaged({ keys: 'image', outputDir: out, outputPostfix: 'seg', printLog: false }),
    ]);
    const item = (await t.apply({ image: src })) as { image: MetaImage };
    const file = join(out, 'syn_oblique', 'syn_oblique_seg.nii.gz');
    const back = await new LoadImage({ ensureChannelFirst: true }).apply(file);
    expect(back.shape).toEqual(item.image.shape);
    expect(Array.from(back.data)).toEqual(Array.from(item.image.data));
    back.affine.forEach((v, i) => expect(v).toBeCloseTo(item.image.affine[i]!, 4));
    expect(await readdir(join(out, 'syn_oblique'))).toEqual(['syn_oblique_seg.nii.gz']);
  });

  it('writes .npy channel-last', async () => {
    const out = await mkdtemp(join(tmpdir(), 'csc-save-'));
    const src = join(GOLDEN_DIR, 'inputs/nibabel/example_nifti2.nii.gz');
    const t = new Compose([
      new LoadImaged({ keys: 'image' }),
      new EnsureChannelFirstd({ keys: 'image' }),
      new SaveImaged({
        keys: 'image',
        outputDir: out,
        outputExt: '.npy',
        separateFolder: false,
        printLog: false,
      }),
    ]);
    await t.apply({ image: src });
    const arr = await readNpy(join(out, 'example_nifti2_trans.npy'));
    expect(arr.shape).toEqual([32, 20, 12, 2]);
  });
});

describe('NIfTI datatypes', () => {
  const eye = affineFromRows([
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
  ]);
  it('reads RGB24 as a last axis of 3 channels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'csc-rgb-'));
    const bytes = encodeNifti1(new Uint8Array(2 * 2 * 1), [2, 2, 1], 'uint8', eye);
    const rgb = new Uint8Array(352 + 12);
    rgb.set(bytes.subarray(0, 352));
    const dv = new DataView(rgb.buffer);
    dv.setInt16(70, 128, true);
    dv.setInt16(72, 24, true);
    // disk order x fastest: voxels (0,0),(1,0),(0,1),(1,1) with RGB triplets
    rgb.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 352);
    await writeFile(join(dir, 'rgb.nii'), rgb);
    const img = await readNifti(join(dir, 'rgb.nii'), { dtype: null });
    expect(img.shape).toEqual([2, 2, 1, 3]);
    expect(img.meta.original_channel_dim).toBe(-1);
    // C order (x, y, z, c): voxel (1,0) is the second triplet
    expect(Array.from(img.data.subarray(6, 9))).toEqual([4, 5, 6]);
  });

  it('reads int64 as float64 values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'csc-i64-'));
    const base = encodeNifti1(new Float64Array(4), [4, 1, 1], 'float64', eye);
    const dv = new DataView(base.buffer);
    dv.setInt16(70, 1024, true);
    for (let i = 0; i < 4; i++) dv.setBigInt64(352 + 8 * i, BigInt(i * 1000000007 - 3), true);
    await writeFile(join(dir, 'i64.nii'), base);
    const img = await readNifti(join(dir, 'i64.nii'), { dtype: null });
    expect(img.dtype).toBe('float64');
    expect(Array.from(img.data)).toEqual([-3, 1000000004, 2000000011, 3000000018]);
  });
});
