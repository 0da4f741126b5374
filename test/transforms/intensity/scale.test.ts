import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import {
  ScaleIntensity,
  ScaleIntensityRange,
  ScaleIntensityRangePercentiles,
  ScaleIntensityRangePercentilesd,
  ScaleIntensityRanged,
  ScaleIntensityd,
} from '../../../transforms/index.js';
import { rescaleArray } from '../../../transforms/intensity/scale-intensity.js';
import { image, values } from './helpers.js';

const f = Math.fround;

describe('ScaleIntensity', () => {
  it('rescales to [minv, maxv] in float32', async () => {
    const out = await new ScaleIntensity({ minv: -1, maxv: 1 }).apply(image([2, 4, 6, 10], [1, 4]));
    expect(out.dtype).toBe('float32');
    expect(values(out)).toEqual([-1, f(f(f(2 / 8) * 2) - 1), f(f(f(4 / 8) * 2) - 1), 1]);
  });

  it('rescales each channel separately with channelWise', async () => {
    const img = image([0, 5, 10, 100, 150, 200], [2, 3]);
    const out = await new ScaleIntensity({ channelWise: true }).apply(img);
    expect(values(out)).toEqual([0, 0.5, 1, 0, 0.5, 1]);
    const whole = await new ScaleIntensity({}).apply(img);
    expect(values(whole)[2]).toBeCloseTo(10 / 200, 6);
  });

  it('multiplies by 1 + factor when minv and maxv are null (and ignores factor otherwise, as MONAI)', async () => {
    const img = image([1, -2, 3.5], [1, 3]);
    expect(values(await new ScaleIntensity({ minv: null, maxv: null, factor: 0.5 }).apply(img))).toEqual([
      1.5, -3, 5.25,
    ]);
    expect(values(await new ScaleIntensity({ factor: 0.5 }).apply(img))).toEqual(
      values(await new ScaleIntensity().apply(img)),
    );
    expect(values(await new ScaleIntensity({ minv: null, maxv: null }).apply(img))).toEqual([1, -2, 3.5]);
  });

  it('gives (x - min)/(max - min) when only one bound is null, and x * minv for a constant image', () => {
    expect(Array.from(rescaleArray([2, 3, 4], null, 5))).toEqual([0, 0.5, 1]);
    expect(Array.from(rescaleArray([3, 3], 2, 5))).toEqual([6, 6]);
    expect(Array.from(rescaleArray([3, 3], null, 5))).toEqual([3, 3]);
  });

  it('casts to dtype; null keeps the input dtype (integers truncate)', async () => {
    const img = image([0, 1, 2, 3], [1, 4], 'int16');
    const out = await new ScaleIntensity({ minv: 0, maxv: 10, dtype: null }).apply(img);
    expect(out.dtype).toBe('int16');
    expect(values(out)).toEqual([0, 3, 6, 10]);
    const f64 = await new ScaleIntensity({ dtype: 'float64' }).apply(img);
    expect(f64.dtype).toBe('float64');
    expect(values(f64)[1]).toBe(1 / 3);
  });

  it('does not modify the input and keeps meta', async () => {
    const img = image([1, 2], [1, 2]);
    const out = await new ScaleIntensityd({ keys: 'image' }).apply({ image: img, other: 5 });
    expect(values(img)).toEqual([1, 2]);
    expect((out.image as typeof img).meta.spatial_shape).toEqual([2]);
    expect(out.other).toBe(5);
  });

  it('rejects NaN images and NaN options with a TransformError', async () => {
    await expect(new ScaleIntensity().apply(image([1, NaN], [1, 2]))).rejects.toThrow(/NaN/);
    await expect(new ScaleIntensity().apply(image([1, Infinity], [1, 2]))).rejects.toThrow(/infinite/);
    expect(() => new ScaleIntensity({ minv: NaN })).toThrow(TransformError);
    expect(() => new ScaleIntensityd(undefined as never)).toThrow(TransformError);
    expect(() => new ScaleIntensityRanged(null as never)).toThrow(TransformError);
    await expect(
      new ScaleIntensityd({ keys: 'image' }).apply({ image: image([NaN], [1, 1]) }),
    ).rejects.toMatchObject({
      transform: 'ScaleIntensityd',
      key: 'image',
    });
  });
});

describe('ScaleIntensityRange', () => {
  it('maps [aMin, aMax] to [bMin, bMax] and clips', async () => {
    const img = image([-1200, -1000, -300, 400, 900], [1, 5]);
    const out = await new ScaleIntensityRange({ aMin: -1000, aMax: 400, bMin: 0, bMax: 1, clip: true }).apply(
      img,
    );
    expect(values(out)).toEqual([0, 0, f(700 / 1400), 1, 1]);
    const noclip = await new ScaleIntensityRange({ aMin: -1000, aMax: 400, bMin: 0, bMax: 1 }).apply(img);
    expect(values(noclip)[0]).toBeCloseTo(-200 / 1400, 6);
    expect(values(noclip)[4]).toBeCloseTo(1900 / 1400, 6);
  });

  it('only normalises when bMin/bMax are missing, and clips one side when one is null', async () => {
    const img = image([0, 50, 200], [1, 3]);
    expect(values(await new ScaleIntensityRange({ aMin: 0, aMax: 100 }).apply(img))).toEqual([0, 0.5, 2]);
    expect(
      values(
        await new ScaleIntensityRange({ aMin: 0, aMax: 100, bMin: null, bMax: 1, clip: true }).apply(img),
      ),
    ).toEqual([0, 0.5, 1]);
  });

  it('shifts only when aMin == aMax (MONAI warns about the division by zero)', async () => {
    expect(
      values(
        await new ScaleIntensityRange({ aMin: 5, aMax: 5, bMin: 1, bMax: 2 }).apply(image([5, 6], [1, 2])),
      ),
    ).toEqual([1, 2]);
  });

  it('works per key and names the key when it fails', async () => {
    const t = new ScaleIntensityRanged({ keys: ['a', 'b'], aMin: 0, aMax: 10, bMin: 0, bMax: 1 });
    const out = await t.apply({ a: image([5], [1, 1]), b: image([10], [1, 1]) });
    expect(values(out.a as never)).toEqual([0.5]);
    await expect(t.apply({ a: image([5], [1, 1]) })).rejects.toMatchObject({
      transform: 'ScaleIntensityRanged',
      key: 'b',
    });
    await expect(t.apply({ a: image([5], [1, 1]), b: 'path.nii' })).rejects.toThrow(/LoadImaged/);
    const lenient = new ScaleIntensityRanged({ keys: ['a', 'b'], aMin: 0, aMax: 10, allowMissingKeys: true });
    expect(Object.keys(await lenient.apply({ a: image([5], [1, 1]) }))).toEqual(['a']);
  });

  it('rejects bad options', () => {
    expect(() => new ScaleIntensityRange({ aMin: NaN, aMax: 1 })).toThrow(TransformError);
    expect(() => new ScaleIntensityRange({ aMin: 0, aMax: 1, clip: true })).toThrow(/clip/);
  });
});

describe('ScaleIntensityRangePercentiles', () => {
  // MONAI's docstring example: each row [1, 2, 3, 4, 5], 6 rows
  const rows = image(Array.from({ length: 6 }, () => [1, 2, 3, 4, 5]).flat(), [1, 6, 5]);

  it('scales from the percentiles to [bMin, bMax] (MONAI docstring)', async () => {
    const out = await new ScaleIntensityRangePercentiles({ lower: 10, upper: 90, bMin: 0, bMax: 200 }).apply(
      rows,
    );
    expect(
      values(out)
        .slice(0, 5)
        .map((v) => Math.round(v * 1e4) / 1e4),
    ).toEqual([0, 50, 100, 150, 200]);
  });

  it('scales to the same percentiles of the output range with relative (MONAI docstring)', async () => {
    const out = await new ScaleIntensityRangePercentiles({
      lower: 10,
      upper: 90,
      bMin: 0,
      bMax: 200,
      relative: true,
    }).apply(rows);
    expect(
      values(out)
        .slice(0, 5)
        .map((v) => Math.round(v * 1e4) / 1e4),
    ).toEqual([20, 60, 100, 140, 180]);
  });

  it('clips, works per channel, and returns dtype (float32 by default; null keeps the input dtype)', async () => {
    const img = image([0, 1, 2, 3, 4, 10, 20, 30, 40, 50], [2, 5], 'float64');
    const opts = { lower: 25, upper: 75, bMin: 0, bMax: 1, clip: true, channelWise: true };
    expect((await new ScaleIntensityRangePercentiles(opts).apply(img)).dtype).toBe('float32');
    const out = await new ScaleIntensityRangePercentiles({ ...opts, dtype: null }).apply(img);
    expect(out.dtype).toBe('float64');
    expect(values(out)).toEqual([0, 0, 0.5, 1, 1, 0, 0, 0.5, 1, 1]);
  });

  it('rejects percentiles outside [0, 100] and NaN images', async () => {
    expect(() => new ScaleIntensityRangePercentiles({ lower: -1, upper: 90, bMin: 0, bMax: 1 })).toThrow(
      /\[0, 100\]/,
    );
    expect(
      () => new ScaleIntensityRangePercentilesd({ keys: 'x', lower: 1, upper: 101, bMin: 0, bMax: 1 }),
    ).toThrow(TransformError);
    expect(
      () => new ScaleIntensityRangePercentiles({ lower: 1, upper: 9, bMin: null, bMax: 1, relative: true }),
    ).toThrow(/relative/);
    await expect(
      new ScaleIntensityRangePercentilesd({ keys: 'x', lower: 1, upper: 99, bMin: 0, bMax: 1 }).apply({
        x: image([1, NaN], [1, 2]),
      }),
    ).rejects.toMatchObject({ key: 'x', transform: 'ScaleIntensityRangePercentilesd' });
  });
});
