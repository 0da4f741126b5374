import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import {
  ClipIntensityPercentiles,
  ClipIntensityPercentilesd,
  MaskIntensity,
  MaskIntensityd,
  ShiftIntensity,
  ShiftIntensityd,
  ThresholdIntensity,
  ThresholdIntensityd,
} from '../../../transforms/index.js';
import { image, values } from './helpers.js';

describe('ThresholdIntensity', () => {
  it('keeps x > threshold (above) or x < threshold and fills the rest with cval', async () => {
    const img = image([-5, 0, 5, 60, 100], [1, 5]);
    expect(values(await new ThresholdIntensity({ threshold: 0, cval: -1000 }).apply(img))).toEqual([
      -1000, -1000, 5, 60, 100,
    ]);
    expect(
      values(await new ThresholdIntensity({ threshold: 60, above: false, cval: 60 }).apply(img)),
    ).toEqual([-5, 0, 5, 60, 60]);
  });

  it('keeps the dtype (cval cast to it) and chains in a dictionary', async () => {
    const img = image([1, 2, 3], [1, 3], 'int16');
    const out = await new ThresholdIntensity({ threshold: 2, cval: 7.9 }).apply(img);
    expect(out.dtype).toBe('int16');
    expect(values(out)).toEqual([7, 7, 3]);
    await expect(new ThresholdIntensityd({ keys: 'x', threshold: 1 }).apply({})).rejects.toThrow(/missing/);
    expect(() => new ThresholdIntensity({ threshold: NaN })).toThrow(TransformError);
  });
});

describe('ShiftIntensity', () => {
  it('adds the offset in the input dtype', async () => {
    expect(values(await new ShiftIntensity({ offset: 100.5 }).apply(image([0, -1.5], [1, 2])))).toEqual([
      100.5, 99,
    ]);
    const ints = await new ShiftIntensity({ offset: 0.7 }).apply(image([1, -1], [1, 2], 'int16'));
    expect(ints.dtype).toBe('int16');
    expect(values(ints)).toEqual([1, 0]);
  });

  it('wraps integer overflow like torch, clamps with safe', async () => {
    const img = image([250, 10], [1, 2], 'uint8');
    expect(values(await new ShiftIntensity({ offset: 10 }).apply(img))).toEqual([4, 20]);
    expect(values(await new ShiftIntensity({ offset: 10, safe: true }).apply(img))).toEqual([255, 20]);
  });

  it('multiplies the offset by the meta dictionary factor (factorKey)', async () => {
    const t = new ShiftIntensityd({ keys: 'img', offset: 2, factorKey: 'scale' });
    const out = await t.apply({ img: image([1], [1, 1]), img_meta_dict: { scale: 10 } });
    expect(values(out.img as MetaImage)).toEqual([21]);
    expect(values((await t.apply({ img: image([1], [1, 1]) })).img as MetaImage)).toEqual([3]);
  });
});

describe('ClipIntensityPercentiles', () => {
  // MONAI's docstring example: rows [1, 2, 3, 4, 5]
  const rows = image(Array.from({ length: 6 }, () => [1, 2, 3, 4, 5]).flat(), [1, 6, 5]);

  it('clips hard to the percentiles (MONAI docstring: 30/70 → [2, 2, 3, 4, 4])', async () => {
    const out = await new ClipIntensityPercentiles({ lower: 30, upper: 70 }).apply(rows);
    expect(values(out).slice(0, 5)).toEqual([2, 2, 3, 4, 4]);
  });

  it('clips softly with sharpnessFactor (MONAI docstring: [2.0000, 2.0693, 3.0000, 3.9307, 4.0000])', async () => {
    const out = await new ClipIntensityPercentiles({ lower: 30, upper: 70, sharpnessFactor: 10 }).apply(rows);
    expect(
      values(out)
        .slice(0, 5)
        .map((v) => Math.round(v * 1e4) / 1e4),
    ).toEqual([2, 2.0693, 3, 3.9307, 4]);
  });

  it('leaves a null side unclipped, works per channel and returns the clipping values', async () => {
    const img = image([0, 1, 2, 3, 4, 10, 20, 30, 40, 50], [2, 5]);
    const upper = await new ClipIntensityPercentiles({ lower: null, upper: 50 }).apply(img);
    expect(values(upper)).toEqual([0, 1, 2, 3, 4, 7, 7, 7, 7, 7]); // median of all 10 values: 4 + 0.5 * (10 - 4)
    const cw = await new ClipIntensityPercentiles({
      lower: 25,
      upper: 75,
      channelWise: true,
      returnClippingValues: true,
    }).apply(img);
    expect(values(cw)).toEqual([1, 1, 2, 3, 3, 20, 20, 30, 40, 40]);
    expect(cw.meta.clipping_values).toEqual([
      [1, 3],
      [20, 40],
    ]);
  });

  it('rejects bad percentiles', () => {
    expect(() => new ClipIntensityPercentiles({ lower: null, upper: null })).toThrow(TransformError);
    expect(() => new ClipIntensityPercentiles({ lower: 80, upper: 20 })).toThrow(/greater/);
    expect(() => new ClipIntensityPercentilesd({ keys: 'x', lower: 5, upper: 150 })).toThrow(/\[0, 100\]/);
    expect(() => new ClipIntensityPercentiles({ lower: NaN, upper: 50 })).toThrow(TransformError);
    expect(() => new ClipIntensityPercentiles({ lower: 5, upper: 50, sharpnessFactor: 0 })).toThrow(
      /sharpness/,
    );
  });
});

describe('MaskIntensity', () => {
  it('zeroes voxels outside a single-channel mask, for every channel', async () => {
    const mask = image([1, 0, 2], [1, 3]);
    const out = await new MaskIntensity({ maskData: mask }).apply(image([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(values(out)).toEqual([1, 0, 3, 4, 0, 6]);
  });

  it('takes the mask from another key and a custom selectFn', async () => {
    const t = new MaskIntensityd({ keys: 'img', maskKey: 'seg', selectFn: (v) => v === 2 });
    const out = await t.apply({ img: image([1, 2, 3], [1, 3]), seg: image([1, 0, 2], [1, 3]) });
    expect(values(out.img as MetaImage)).toEqual([0, 0, 3]);
  });

  it('rejects masks of another size or channel count, and a missing mask key', async () => {
    await expect(
      new MaskIntensity({ maskData: image([1, 1], [1, 2]) }).apply(image([1, 2, 3], [1, 3])),
    ).rejects.toThrow(/shape/);
    await expect(
      new MaskIntensity({ maskData: image([1, 1, 1, 1], [2, 2]) }).apply(image([1, 2, 3, 4, 5, 6], [3, 2])),
    ).rejects.toThrow(/channels/);
    await expect(
      new MaskIntensityd({ keys: 'img', maskKey: 'seg' }).apply({ img: image([1], [1, 1]) }),
    ).rejects.toMatchObject({
      transform: 'MaskIntensityd',
      key: 'img',
    });
    expect(() => new MaskIntensityd({ keys: 'img' })).toThrow(TransformError);
  });
});
