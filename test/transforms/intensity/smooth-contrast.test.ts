import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import {
  AdjustContrast,
  AdjustContrastd,
  GaussianSmooth,
  GaussianSmoothd,
} from '../../../transforms/index.js';
import { applyBiasField, biasField, biasFieldCoeffCount } from '../../../transforms/intensity/bias-field.js';
import {
  gaussian1d,
  gaussianFilter,
  separableFilter,
} from '../../../transforms/intensity/gaussian-filter.js';
import { histogramShift } from '../../../transforms/intensity/histogram-shift.js';
import { image, values } from './helpers.js';
import { erf } from '../../../src/image/numerics.js';

describe('Gaussian kernels (MONAI gaussian_1d, truncated 4.0)', () => {
  it('erf matches reference values', () => {
    expect(erf(0)).toBe(0);
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(-1)).toBeCloseTo(-0.8427007929497149, 14);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 14);
    expect(erf(4.5)).toBeCloseTo(0.9999999998033839, 14);
  });

  it('builds the erf kernel: 2*tail+1 taps, telescoping sum erf((tail+0.5)/(sigma*sqrt2))', () => {
    const k = gaussian1d(1);
    expect(k.length).toBe(9);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(erf(4.5 / Math.SQRT2), 6);
    expect(k[4]).toBeCloseTo(erf(0.5 / Math.SQRT2), 6);
    expect(gaussian1d(0.1).length).toBe(3); // tail = int(max(0.4, 0.5) + 0.5) = 1
    expect(gaussian1d(2.6).length).toBe(21); // tail = int(10.4 + 0.5) = 10
  });

  it('builds the sampled kernel exp(-x²/2σ²)/(sqrt(2π)σ), unnormalised', () => {
    const k = gaussian1d(1.5, { approx: 'sampled' });
    expect(k.length).toBe(13);
    for (let i = 0; i < k.length; i++) {
      const x = i - 6;
      expect(k[i]).toBeCloseTo(Math.exp((-x * x) / (2 * 1.5 * 1.5)) / (Math.sqrt(2 * Math.PI) * 1.5), 6);
    }
    const n = gaussian1d(1.5, { approx: 'sampled', normalize: true });
    expect(n.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(() => gaussian1d(1, { approx: 'bessel' as never })).toThrow(TransformError);
  });

  it('separable filtering with zero padding gives the outer product of the kernels as impulse response', () => {
    const shape = [1, 9, 11];
    const data = new Float32Array(99);
    data[4 * 11 + 5] = 1;
    const kx = [0.25, 0.5, 0.25];
    const ky = [0.1, 0.8, 0.1];
    const out = separableFilter(data, shape, [kx, ky]);
    for (let x = 0; x < 9; x++)
      for (let y = 0; y < 11; y++) {
        const dx = x - 4;
        const dy = y - 5;
        const e = Math.abs(dx) <= 1 && Math.abs(dy) <= 1 ? kx[dx + 1]! * ky[dy + 1]! : 0;
        expect(out[x * 11 + y]).toBeCloseTo(e, 7);
      }
  });
});

describe('GaussianSmooth', () => {
  it('darkens the borders of a constant image (zero padding), keeps the interior', async () => {
    const img = image(new Array(15 * 15).fill(1), [1, 15, 15]);
    const out = values(await new GaussianSmooth({ sigma: 1 }).apply(img));
    const sum = gaussian1d(1).reduce((a, b) => a + b, 0);
    expect(out[7 * 15 + 7]).toBeCloseTo(sum * sum, 5);
    expect(out[0]).toBeLessThan(0.5);
    expect(out[0]).toBeCloseTo(
      gaussian1d(1)
        .slice(4)
        .reduce((a, b) => a + b, 0) ** 2,
      5,
    );
  });

  it('uses one sigma per axis, smooths each channel alone and outputs float32', async () => {
    const img = image([...new Array(25).fill(0), ...new Array(25).fill(2)], [2, 5, 5], 'int16');
    const out = await new GaussianSmoothd({ keys: 'x', sigma: [0.5, 2] }).apply({ x: img });
    const o = out.x as typeof img;
    expect(o.dtype).toBe('float32');
    expect(
      values(o)
        .slice(0, 25)
        .every((v) => v === 0),
    ).toBe(true);
    const direct = gaussianFilter(Float32Array.from(values(img)), img.shape, [0.5, 2]);
    expect(values(o)).toEqual(Array.from(direct));
  });

  it('rejects bad sigma', async () => {
    expect(() => new GaussianSmooth({ sigma: -1 })).toThrow(TransformError);
    expect(() => new GaussianSmooth({ sigma: [1, NaN] })).toThrow(TransformError);
    await expect(
      new GaussianSmooth({ sigma: [1, 1, 1] }).apply(image([1, 2, 3, 4], [1, 2, 2])),
    ).rejects.toThrow(/spatial/);
  });
});

describe('AdjustContrast', () => {
  it('applies ((x-min)/(range+1e-7))**gamma*range+min', async () => {
    const v = [0, 1, 2, 4];
    const out = values(await new AdjustContrast({ gamma: 2 }).apply(image(v, [1, 4])));
    v.forEach((x, i) => expect(out[i]).toBeCloseTo((x / (4 + 1e-7)) ** 2 * 4, 5));
    const id = values(await new AdjustContrast({ gamma: 1 }).apply(image(v, [1, 4])));
    id.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 5));
  });

  it('retains the mean and sample std, and inverts', async () => {
    const v = [1, 2, 3, 7, 11];
    const out = values(await new AdjustContrast({ gamma: 3, retainStats: true }).apply(image(v, [1, 5])));
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const sd = (a: number[]) => Math.sqrt(a.reduce((s, x) => s + (x - mean(a)) ** 2, 0) / (a.length - 1));
    expect(mean(out)).toBeCloseTo(mean(v), 4);
    expect(sd(out)).toBeCloseTo(sd(v), 4);
    const inv = values(
      await new AdjustContrastd({ keys: 'i', gamma: 2, invertImage: true })
        .apply({ i: image([0, 2], [1, 2]) })
        .then((d) => d.i as never),
    );
    expect(inv[0]).toBeCloseTo(0, 5); // -(((-0 - -2)/2)^2 * 2 + -2) = 0
    expect(inv[1]).toBeCloseTo(2, 5);
    expect(() => new AdjustContrast({ gamma: NaN })).toThrow(TransformError);
  });
});

describe('bias field and histogram shift kernels', () => {
  it('counts coefficients as MONAI (C(degree + rank, rank))', () => {
    expect(biasFieldCoeffCount(3, 2)).toBe(10);
    expect(biasFieldCoeffCount(3, 3)).toBe(20);
  });

  it('evaluates Legendre products on linspace(-1, 1) grids', () => {
    // 2D degree 1: tril order (0,0), (1,0), (1,1) → c0 + c1*P1(x) + c2*P1(x)P1(y)
    const f = biasField([3, 2], 1, [0.5, 0.25, 2]);
    const xs = [-1, 0, 1];
    const ys = [-1, 1];
    xs.forEach((x, i) =>
      ys.forEach((y, j) => expect(f[i * 2 + j]).toBeCloseTo(0.5 + 0.25 * x + 2 * x * y, 12)),
    );
    const img = applyBiasField(image([1, 1, 1, 1, 1, 1], [1, 3, 2]), 1, [0.5, 0.25, 2]);
    expect(values(img)[0]).toBeCloseTo(Math.exp(f[0]!), 5);
    expect(() => biasField([3, 2], 1, [1, 2])).toThrow(/coefficients/);
  });

  it('maps intensities through the control points', () => {
    const img = image([0, 2.5, 5, 10], [1, 4]);
    expect(values(histogramShift(img, [0, 1], [0, 1]))).toEqual([0, 2.5, 5, 10]);
    const out = values(histogramShift(img, [0, 0.5, 1], [0, 0.25, 1]));
    expect(out).toEqual([0, 1.25, 2.5, 10]);
  });
});
