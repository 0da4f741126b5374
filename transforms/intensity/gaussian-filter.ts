/**
 * Gaussian kernels and separable filtering as MONAI's `GaussianFilter` (monai.networks.layers):
 * `gaussian_1d` with `truncated=4.0` and no normalisation, kernels built in float32, then one
 * zero-padded 1-D correlation per spatial axis (first spatial axis first), each pass rounded to
 * float32 — so borders get darker, as in MONAI.
 */
import { TransformError } from '../../src/errors.js';
import { erf } from '../../src/image/numerics.js';

/** Discrete Gaussian kernel types of MONAI's GaussianFilter. */
export type GaussianApprox = 'erf' | 'sampled' | 'scalespace';

const APPROXES: readonly string[] = ['erf', 'sampled', 'scalespace'];

/** Throws a TransformError naming `transform` unless `approx` is undefined or a {@link GaussianApprox}. */
export function checkGaussianApprox(transform: string, approx: unknown): void {
  if (approx !== undefined && !(typeof approx === 'string' && APPROXES.includes(approx)))
    throw new TransformError(
      transform,
      undefined,
      `approx must be 'erf', 'sampled' or 'scalespace', got ${JSON.stringify(approx)}`,
    );
}

/** Options of {@link gaussian1d}. */
export interface Gaussian1dOptions {
  /** Kernel half-width in sigmas: `tail = int(max(sigma*truncated, 0.5) + 0.5)`. Default 4.0. */
  truncated?: number;
  /**
   * `'erf'` (integral of the Gaussian over each unit interval, default), `'sampled'`, or `'scalespace'`
   * (the discrete Gaussian kernel `e^(-σ²)·I_k(σ²)` of scale-space theory, via modified Bessel functions).
   */
  approx?: GaussianApprox;
  /** Divide by the sum (MONAI default false: the erf kernel sums to slightly under 1). */
  normalize?: boolean;
}

/** MONAI's `polyval` on float32 0-d tensors: Horner's rule, every product and sum rounded to float32. */
function polyval32(coef: readonly number[], x: number): number {
  const f = Math.fround;
  let ans = f(coef[0] as number);
  for (let i = 1; i < coef.length; i++) ans = f(f(ans * x) + f(coef[i] as number));
  return ans;
}

/** `p · exp(ax) / sqrt(ax)` in float32, left to right (MONAI's large-argument branches). */
function expOverSqrt32(p: number, ax: number): number {
  const f = Math.fround;
  return f(f(p * f(Math.exp(ax))) / f(Math.sqrt(ax)));
}

/** MONAI `_modified_bessel_0` (Numerical Recipes' polynomial approximation of I₀) in float32. */
function besselI0(x: number): number {
  const f = Math.fround;
  const ax = Math.abs(x);
  if (ax < 3.75) {
    const y = f(f(x * x) / 14.0625);
    return polyval32([0.45813e-2, 0.360768e-1, 0.2659732, 1.2067492, 3.0899424, 3.5156229, 1.0], y);
  }
  const y = f(3.75 / ax);
  const c = [
    0.392377e-2, -0.1647633e-1, 0.2635537e-1, -0.2057706e-1, 0.916281e-2, -0.157565e-2, 0.225319e-2,
    0.1328592e-1, 0.39894228,
  ];
  return expOverSqrt32(polyval32(c, y), ax);
}

/** MONAI `_modified_bessel_1` (I₁) in float32. */
function besselI1(x: number): number {
  const f = Math.fround;
  const ax = Math.abs(x);
  if (ax < 3.75) {
    const y = f(f(x * x) / 14.0625);
    return f(
      ax * polyval32([0.32411e-3, 0.301532e-2, 0.2658733e-1, 0.15084934, 0.51498869, 0.87890594, 0.5], y),
    );
  }
  const y = f(3.75 / ax);
  const c = [
    -0.420059e-2, 0.1787654e-1, -0.2895312e-1, 0.2282967e-1, -0.1031555e-1, 0.163801e-2, -0.362018e-2,
    -0.3988024e-1, 0.39894228,
  ];
  const ans = expOverSqrt32(polyval32(c, y), ax);
  return x < 0 ? -ans : ans;
}

/** MONAI `_modified_bessel_i(n, x)` (Iₙ, n ≥ 2, Miller's downward recurrence) in float32. */
function besselIn(n: number, x: number): number {
  const f = Math.fround;
  if (x === 0) return x;
  const tox = f(2 / Math.abs(x));
  const big = 1.0e10;
  const small = f(1.0e-10);
  let ans = 0;
  let bip = 0;
  let bi = 1;
  const m = Math.trunc(2 * (n + Math.floor(Math.sqrt(40 * n))));
  for (let j = m; j > 0; j--) {
    const bim = f(bip + f(f(j * tox) * bi));
    bip = bi;
    bi = bim;
    if (Math.abs(bi) > big) {
      ans = f(ans * small);
      bi = f(bi * small);
      bip = f(bip * small);
    }
    if (j === n) ans = bip;
  }
  ans = f(f(ans * besselI0(x)) / bi);
  return x < 0 && n % 2 === 1 ? -ans : ans;
}

/**
 * MONAI's `gaussian_1d(sigma, truncated, approx, normalize)` computed in float32 like torch:
 * a kernel of `2*tail+1` taps, `tail = int(max(sigma*truncated, 0.5) + 0.5)`.
 *
 * @example
 * gaussian1d(1.0); // 9 taps, erf approximation, sum ≈ 0.99994
 */
export function gaussian1d(sigma: number, options: Gaussian1dOptions = {}): Float32Array {
  const truncated = options.truncated ?? 4.0;
  const approx = (options.approx ?? 'erf').toLowerCase();
  if (!(typeof sigma === 'number' && Number.isFinite(sigma)))
    throw new TransformError(
      'GaussianFilter',
      undefined,
      `sigma must be a finite number, got ${String(sigma)}`,
    );
  if (!(truncated > 0))
    throw new TransformError(
      'GaussianFilter',
      undefined,
      `truncated must be positive, got ${String(truncated)}`,
    );
  const f = Math.fround;
  const s = f(sigma);
  const tail = Math.trunc(Math.max(s * truncated, 0.5) + 0.5);
  const out = new Float32Array(2 * tail + 1);
  if (approx === 'erf') {
    const t = f(f(0.70710678) / Math.abs(s));
    for (let i = 0; i < out.length; i++) {
      const x = i - tail;
      const hi = f(erf(f(t * (x + 0.5))));
      const lo = f(erf(f(t * (x - 0.5))));
      out[i] = Math.max(f(0.5 * f(hi - lo)), 0);
    }
  } else if (approx === 'sampled') {
    const c = f(-0.5 / f(s * s));
    const norm = f(f(2.5066282) * s);
    for (let i = 0; i < out.length; i++) {
      const x = i - tail;
      out[i] = f(f(Math.exp(f(c * (x * x)))) / norm);
    }
  } else if (approx === 'scalespace') {
    // the discrete Gaussian kernel e^(-σ²)·I_k(σ²), k = -tail..tail (modified Bessel functions of σ²)
    const s2 = f(s * s);
    const e = f(Math.exp(-s2));
    for (let k = 0; k <= tail; k++) {
      const v = f((k === 0 ? besselI0(s2) : k === 1 ? besselI1(s2) : besselIn(k, s2)) * e);
      out[tail + k] = v;
      out[tail - k] = v;
    }
  } else {
    throw new TransformError(
      'GaussianFilter',
      undefined,
      `unsupported approx '${options.approx}': use 'erf', 'sampled' or 'scalespace'`,
    );
  }
  if (options.normalize) {
    let sum = 0;
    for (const v of out) sum = f(sum + v);
    for (let i = 0; i < out.length; i++) out[i] = f((out[i] as number) / sum);
  }
  return out;
}

/**
 * Correlates a channel-first float32 array `[C, ...spatial]` with one 1-D kernel per spatial axis
 * (centred, zero padding, output the same size), axis 0 first as MONAI's `separable_filtering`.
 * Each pass accumulates in float64 and stores float32. Returns a new array.
 */
export function separableFilter(
  data: Float32Array,
  shape: readonly number[],
  kernels: readonly ArrayLike<number>[],
): Float32Array {
  const spatial = shape.slice(1);
  if (kernels.length !== spatial.length)
    throw new TransformError(
      'GaussianFilter',
      undefined,
      `got ${kernels.length} kernels for ${spatial.length} spatial dimensions`,
    );
  let cur = Float32Array.from(data);
  let next = new Float32Array(data.length);
  const channels = shape[0] ?? 1;
  const perChannel = channels === 0 ? 0 : data.length / channels;
  for (let axis = 0; axis < spatial.length; axis++) {
    const k = kernels[axis] as ArrayLike<number>;
    if (k.length === 1 && k[0] === 1) continue;
    if (k.length % 2 !== 1)
      throw new TransformError(
        'GaussianFilter',
        undefined,
        `kernel for axis ${axis} must have an odd length`,
      );
    const half = (k.length - 1) / 2;
    const len = spatial[axis] as number;
    const inner = spatial.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outer = (perChannel / (len * inner)) * channels;
    for (let o = 0; o < outer; o++) {
      const base = o * len * inner;
      for (let i = 0; i < len; i++) {
        const jLo = Math.max(0, half - i);
        const jHi = Math.min(k.length - 1, len - 1 - i + half);
        const dst = base + i * inner;
        for (let r = 0; r < inner; r++) {
          let acc = 0;
          for (let j = jLo; j <= jHi; j++)
            acc += (k[j] as number) * (cur[base + (i + j - half) * inner + r] as number);
          next[dst + r] = acc;
        }
      }
    }
    [cur, next] = [next, cur];
  }
  return cur;
}

/**
 * MONAI's `GaussianFilter(spatial_dims, sigma, truncated=4.0, approx)` applied to a channel-first
 * array: one float32 kernel per spatial axis (`sigma` a number or one per axis), zero padding.
 *
 * @example
 * const out = gaussianFilter(img.data as Float32Array, img.shape, [0.5, 1.5, 2.0]);
 */
export function gaussianFilter(
  data: Float32Array,
  shape: readonly number[],
  sigma: number | readonly number[],
  options: Gaussian1dOptions = {},
): Float32Array {
  const nd = shape.length - 1;
  const sigmas = typeof sigma === 'number' ? new Array<number>(nd).fill(sigma) : [...sigma];
  if (sigmas.length === 1 && nd > 1) while (sigmas.length < nd) sigmas.push(sigmas[0] as number);
  if (sigmas.length !== nd)
    throw new TransformError(
      'GaussianFilter',
      undefined,
      `sigma has ${sigmas.length} values but the image has ${nd} spatial dimensions`,
    );
  return separableFilter(
    data,
    shape,
    sigmas.map((s) => gaussian1d(s, options)),
  );
}
