/**
 * The torch/numpy-compatible scalar numerics the golden results depend on, in one place: the compute
 * dtypes and their rounding (`Math.fround` for float32), numpy/torch rounding of halves, a fused
 * multiply-add in either precision, and `erf`. Pure code: runs in Node and browsers.
 */

/** Floating-point precision of a computation (MONAI's `dtype` argument of resampling transforms). */
export type ComputeDType = 'float32' | 'float64';

/** Rounds a JavaScript number to the precision of a compute dtype (float32: `Math.fround`). */
export type Rounder = (x: number) => number;

const identity: Rounder = (x) => x;

/** The rounding function of a dtype: `Math.fround` for float32, identity for float64. */
export function rounder(dtype: ComputeDType): Rounder {
  return dtype === 'float32' ? Math.fround : identity;
}

/** Rounds half to even (numpy `round`, `torch.round`, C `nearbyint`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Rounds half away from zero (C `std::round`, Python 2 `round`). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Veltkamp's splitter `2^27 + 1`: `t = SPLITTER·a; hi = t − (t − a)` splits a double into two 26-bit halves. */
export const SPLITTER = 134217729;

/**
 * Dekker's two-product: `out[0] + out[1] = a·b` exactly, `out[0]` the rounded product (a, b finite,
 * no overflow). An out-parameter, so hot loops allocate nothing.
 */
export function twoProduct(a: number, b: number, out: Float64Array): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  out[0] = p;
  out[1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

const scratch = new Float64Array(2);

/**
 * `a·b + c` with one rounding (a fused multiply-add) in `dtype`. float32 inputs multiply exactly in
 * float64; for float64 the product's error term is recovered with {@link twoProduct}.
 */
export function fmaIn(a: number, b: number, c: number, dtype: ComputeDType): number {
  if (dtype === 'float32') return Math.fround(a * b + c);
  const p = a * b;
  if (!Number.isFinite(p)) return p + c;
  twoProduct(a, b, scratch);
  const e = scratch[1] as number;
  // two-sum of p and c
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  return s + (err + e);
}

/**
 * The error function, accurate to about 1e-15 (series below 2.5, continued fraction for erfc
 * above). JavaScript has no `Math.erf`.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...))))) (modified Lentz)
  const tiny = 1e-300;
  let fval = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = ax + a * d;
    d = d === 0 ? tiny : d;
    c = ax + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    fval *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fval;
  return Math.sign(x) * (1 - erfc);
}
