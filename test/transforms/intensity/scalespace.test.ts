/**
 * MONAI's GaussianFilter `approx='scalespace'`: the discrete Gaussian kernel T(k, σ) = e^(-σ²)·I_k(σ²)
 * (modified Bessel functions of the first kind, Numerical Recipes' approximations in float32 as
 * MONAI's convutils). Reference values: scipy.special.ive(k, σ²) (the exponentially scaled I_k), to 9
 * significant digits.
 */
import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { gaussian1d } from '../../../transforms/intensity/gaussian-filter.js';
import { GaussianSmooth, RandGaussianSharpen, RandGaussianSmooth } from '../../../transforms/index.js';
import { image, values } from './helpers.js';

// scipy.special.ive(k, 1.0), k = 0..4 (σ = 1: σ² < 3.75, the small-argument polynomials)
const IVE_1 = [0.465759608, 0.207910415, 0.0499387769, 0.00815530777, 0.00100693026];
// scipy.special.ive(k, 6.25), k = 0..10 (σ = 2.5: σ² ≥ 3.75, the asymptotic branch)
const IVE_625 = [
  0.163122551, 0.149432821, 0.115304048, 0.0756382306, 0.0426913469, 0.0209933066, 0.0091020563,
  0.00351735852, 0.00122317322, 0.000386035081, 0.000111392184,
];

describe("approx 'scalespace' (discrete Gaussian kernel)", () => {
  it('gaussian1d gives e^(-σ²)·I_|k|(σ²) over 2·tail+1 taps, symmetric, unnormalised', () => {
    for (const [sigma, ref] of [
      [1, IVE_1],
      [2.5, IVE_625],
    ] as const) {
      const k = gaussian1d(sigma, { approx: 'scalespace' });
      const tail = ref.length - 1; // int(max(4σ, 0.5) + 0.5)
      expect(k.length).toBe(2 * tail + 1);
      for (let i = -tail; i <= tail; i++) {
        const want = ref[Math.abs(i)] as number;
        expect(Math.abs((k[tail + i] as number) - want)).toBeLessThan(2e-7 + 2e-6 * want);
      }
    }
  });

  it('GaussianSmooth filters with it (impulse response = outer product of the kernels)', async () => {
    const data = new Array<number>(9 * 9).fill(0);
    data[4 * 9 + 4] = 1;
    const out = values(
      await new GaussianSmooth({ sigma: 1, approx: 'scalespace' }).apply(image(data, [1, 9, 9])),
    );
    const k = gaussian1d(1, { approx: 'scalespace' });
    for (let y = 0; y < 9; y++)
      for (let x = 0; x < 9; x++) expect(out[y * 9 + x]).toBeCloseTo((k[y] as number) * (k[x] as number), 7);
  });

  it('the random smoothing and sharpening transforms take it; other values are refused', () => {
    expect(() => new RandGaussianSmooth({ approx: 'scalespace' })).not.toThrow();
    expect(() => new RandGaussianSharpen({ approx: 'scalespace' })).not.toThrow();
    expect(() => new GaussianSmooth({ approx: 'bessel' as never })).toThrow(TransformError);
  });
});
