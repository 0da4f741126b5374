import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import {
  numpyPercentileSorted,
  percentile,
  torchQuantileSorted,
} from '../../../transforms/intensity/percentile.js';

const f = Math.fround;

describe('percentile (MONAI: torch.quantile up to 1e6 values, np.percentile above)', () => {
  it('interpolates linearly between order statistics, in float32 on the torch path', () => {
    // [1..5], q=10: rank = 0.1f * 4 = 0.4f → 1 + 0.4f * (2 - 1)
    expect(percentile(new Float32Array([5, 3, 1, 4, 2]), 10)).toBe(f(1 + f(f(f(10) / 100) * 4)));
    expect(percentile(new Float32Array([5, 3, 1, 4, 2]), [0, 50, 100])).toEqual([1, 3, 5]);
    // weight >= 0.5 uses end - (end - start) * (1 - w), as torch's lerp
    const r = f(f(f(90) / 100) * 4); // 3.6
    expect(percentile(new Float32Array([10, 20, 30, 40, 50]), 90)).toBe(f(50 - f(10 * f(1 - f(r - 3)))));
  });

  it('uses the numpy recipe (float64 index and weight) when forced or above 1e6 values', () => {
    const data = new Float32Array([0.1, 0.7, 0.3, 0.9]);
    const sorted = Float32Array.from(data).sort();
    const v = (4 - 1) * (33 / 100);
    const lo = sorted[Math.floor(v)] as number;
    const hi = sorted[Math.floor(v) + 1] as number;
    const expected = f(lo + f(hi - lo) * (v - Math.floor(v)));
    expect(percentile(data, 33, { method: 'numpy' })).toBe(expected);
    expect(numpyPercentileSorted(sorted, 33)).toBe(expected);
    expect(torchQuantileSorted(sorted, 33)).toBeCloseTo(expected, 6);
  });

  it('switches to numpy above 1e6 values', () => {
    const n = 1_000_001;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (i * 7919) % n;
    // values are a permutation of 0..n-1: numpy's float64 index gives exactly 7000 at q = 0.7,
    // torch's float32 rank (0.007f * 1e6) would give 6999.9995
    expect(percentile(data, 0.7)).toBe(7000);
    expect(percentile(data, 0.7, { method: 'torch' })).toBe(
      f(6999 + f(1 * f(f(f(f(0.7) / 100) * 1_000_000) - 6999))),
    );
    expect(percentile(data, 0.7, { method: 'torch' })).not.toBe(7000);
  });

  it('returns NaN when the data holds a NaN (as torch and numpy)', () => {
    expect(percentile(new Float32Array([1, NaN, 3]), 50)).toBeNaN();
  });

  it('keeps float64 data in float64', () => {
    const d = new Float64Array([0, 0.1, 0.2]);
    expect(percentile(d, 25)).toBe(0 + 0.5 * (0.1 - 0));
  });

  it('rejects q outside [0, 100], NaN and empty data with a TransformError', () => {
    expect(() => percentile(new Float32Array([1]), 101)).toThrow(TransformError);
    expect(() => percentile(new Float32Array([1]), -1)).toThrow(/\[0, 100\]/);
    expect(() => percentile(new Float32Array([1]), NaN)).toThrow(TransformError);
    expect(() => percentile(new Float32Array([]), 5)).toThrow(/empty/);
  });
});
