import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { NormalizeIntensity, NormalizeIntensityd } from '../../../transforms/index.js';
import { image, values } from './helpers.js';

function stats(v: number[]): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
}

describe('NormalizeIntensity', () => {
  it('subtracts the mean and divides by the population std', async () => {
    const v = [1, 2, 3, 4, 10];
    const out = values(await new NormalizeIntensity().apply(image(v, [1, 5])));
    const { mean, std } = stats(v);
    out.forEach((x, i) => expect(x).toBeCloseTo((v[i]! - mean) / std, 6));
    const s = stats(out);
    expect(s.mean).toBeCloseTo(0, 6);
    expect(s.std).toBeCloseTo(1, 6);
  });

  it('normalises only non-zero voxels with nonzero (zeros stay, statistics from the rest)', async () => {
    const out = values(await new NormalizeIntensity({ nonzero: true }).apply(image([0, 2, 0, 4], [1, 4])));
    expect(out).toEqual([0, -1, 0, 1]);
    expect(values(await new NormalizeIntensity({ nonzero: true }).apply(image([0, 0], [1, 2])))).toEqual([
      0, 0,
    ]);
  });

  it('uses per-channel statistics and per-channel subtrahend/divisor with channelWise', async () => {
    const img = image([1, 3, 10, 30], [2, 2]);
    expect(values(await new NormalizeIntensity({ channelWise: true }).apply(img))).toEqual([-1, 1, -1, 1]);
    const out = await new NormalizeIntensity({
      channelWise: true,
      subtrahend: [1, 10],
      divisor: [2, 0],
    }).apply(img);
    expect(values(out)).toEqual([0, 1, 0, 20]); // a zero divisor becomes 1
  });

  it('applies a given subtrahend and divisor, replacing a zero std by 1', async () => {
    expect(
      values(await new NormalizeIntensity({ subtrahend: 500, divisor: 250 }).apply(image([0, 1000], [1, 2]))),
    ).toEqual([-2, 2]);
    expect(values(await new NormalizeIntensity().apply(image([7, 7, 7], [1, 3])))).toEqual([0, 0, 0]);
  });

  it('outputs float32 by default, the input dtype with dtype null', async () => {
    const img = image([0, 10], [1, 2], 'int16');
    expect((await new NormalizeIntensity().apply(img)).dtype).toBe('float32');
    const kept = await new NormalizeIntensity({ dtype: null, subtrahend: 0, divisor: 4 }).apply(img);
    expect(kept.dtype).toBe('int16');
    expect(values(kept)).toEqual([0, 2]);
  });

  it('rejects mismatched channel values, NaN options and NaN images', async () => {
    await expect(
      new NormalizeIntensity({ channelWise: true, subtrahend: [1, 2, 3] }).apply(image([1, 2], [2, 1])),
    ).rejects.toThrow(/2 channels/);
    expect(() => new NormalizeIntensity({ divisor: NaN })).toThrow(TransformError);
    await expect(
      new NormalizeIntensityd({ keys: 'img' }).apply({ img: image([1, NaN], [1, 2]) }),
    ).rejects.toMatchObject({
      transform: 'NormalizeIntensityd',
      key: 'img',
    });
  });
});
