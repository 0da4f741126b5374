import { TransformError } from '../errors.js';
import type { RandomState } from './random-state.js';

/**
 * numpy's `np.sum` of a float64 vector (`add.reduce`): the first element plus the pairwise sum of the
 * rest (8-way unrolled blocks of up to 128), so weight normalisation rounds as in MONAI.
 */
export function numpySum(a: readonly number[]): number {
  if (a.length === 0) return 0;
  return (a[0] as number) + pairwiseSum(a, 1, a.length - 1);
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i] as number;
    return res;
  }
  if (n <= 128) {
    const r = new Array<number>(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8)
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (a[start + i + j] as number);
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** Checks and normalises weights as MONAI (`weights / weights.sum()`); throws TransformError when invalid. */
export function normaliseWeights(weights: readonly number[], name: string): number[] {
  if (weights.some((w) => typeof w !== 'number' || !Number.isFinite(w)))
    throw new TransformError(name, undefined, `weights must be finite numbers, got [${weights.join(', ')}]`);
  if (weights.some((w) => w < 0))
    throw new TransformError(name, undefined, `weights must not be negative, got [${weights.join(', ')}]`);
  if (weights.every((w) => w === 0))
    throw new TransformError(name, undefined, 'at least one weight must be positive');
  const sum = numpySum(weights);
  return weights.map((w) => w / sum);
}

/**
 * numpy's legacy `random_binomial` by inversion (used for `n * min(p, 1 - p) <= 30`, always the case
 * for the single trial of {@link multinomial}).
 */
function binomialInversion(R: RandomState, n: number, p: number): number {
  const q = 1 - p;
  const qn = Math.exp(n * Math.log(q));
  const np = n * p;
  const bound = Math.trunc(Math.min(n, np + 10 * Math.sqrt(np * q + 1)));
  let x = 0;
  let px = qn;
  let u = R.rand();
  while (u > px) {
    x++;
    if (x > bound) {
      x = 0;
      px = qn;
      u = R.rand();
    } else {
      u -= px;
      px = ((n - x + 1) * p * px) / (x * q);
    }
  }
  return x;
}

function binomial(R: RandomState, p: number, n: number): number {
  if (n === 0 || p === 0) return 0;
  if (p <= 0.5) {
    if (p * n > 30) throw new RangeError('binomial: only n * p <= 30 is implemented');
    return binomialInversion(R, n, p);
  }
  const q = 1 - p;
  if (q * n > 30) throw new RangeError('binomial: only n * (1 - p) <= 30 is implemented');
  return n - binomialInversion(R, n, q);
}

/**
 * numpy's legacy `RandomState.multinomial(n, pvals)` for small `n` (one sample): the count of each
 * outcome, drawn with one binomial per outcome as numpy does. MONAI's OneOf calls it with n = 1.
 */
export function multinomial(R: RandomState, n: number, pvals: readonly number[]): number[] {
  const d = pvals.length;
  const out = new Array<number>(d).fill(0);
  if (d === 0) return out;
  let kahan = 0;
  let c = 0;
  for (let j = 0; j < d - 1; j++) {
    const y = (pvals[j] as number) - c;
    const t = kahan + y;
    c = t - kahan - y;
    kahan = t;
  }
  if (kahan > 1 + 1e-12) throw new RangeError('multinomial: sum(pvals[:-1]) > 1.0');
  let remaining = 1;
  let dn = n;
  for (let j = 0; j < d - 1; j++) {
    const k = binomial(R, (pvals[j] as number) / remaining, dn);
    out[j] = k;
    dn -= k;
    if (dn <= 0) break;
    remaining -= pvals[j] as number;
  }
  if (dn > 0) out[d - 1] = dn;
  return out;
}
