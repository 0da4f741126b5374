/**
 * numpy's `np.histogram(a, bins)` with equal bins over [min, max], as numpy computes it for float32 or
 * float64 input (edges from `linspace` in the input's precision, then the bin index corrected against the
 * edges), and `np.interp`. Shared by HistogramNormalize and ForegroundMask's Otsu threshold.
 */
import { numpyLinspace } from '../../src/image/linspace.js';
import { rounder } from '../../src/image/numerics.js';

/** Counts and edges of an equal-bin histogram; `centres` are `(edges[i] + edges[i + 1]) / 2`. */
export interface Histogram {
  counts: Float64Array;
  edges: Float64Array;
  centres: Float64Array;
}

/** `np.histogram(values, bins)` (range = the values' min..max); `float32` computes as numpy does for float32 arrays. */
export function histogram(values: ArrayLike<number>, bins: number, float32: boolean): Histogram {
  const f = rounder(float32 ? 'float32' : 'float64');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) {
    lo = 0;
    hi = 1;
  }
  if (lo === hi) {
    lo = f(lo - 0.5);
    hi = f(hi + 0.5);
  }
  const edges = numpyLinspace(lo, hi, bins + 1, f);
  const counts = new Float64Array(bins);
  const denom = f(hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= lo && v <= hi)) continue;
    let k = Math.trunc(f(f(f(v - lo) / denom) * bins));
    if (k === bins) k--;
    if (v < (edges[k] as number)) k--;
    else if (k !== bins - 1 && v >= (edges[k + 1] as number)) k++;
    counts[k] = (counts[k] as number) + 1;
  }
  const centres = new Float64Array(bins);
  for (let i = 0; i < bins; i++) centres[i] = f(f((edges[i] as number) + (edges[i + 1] as number)) / 2);
  return { counts, edges, centres };
}

/** `np.interp(x, xp, fp)` (float64; `xp` increasing): clamped to the end values outside `xp`. */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const n = xp.length;
  if (x <= (xp[0] as number)) return x === xp[0] || n === 1 ? (fp[0] as number) : (fp[0] as number);
  if (x >= (xp[n - 1] as number)) return fp[n - 1] as number;
  let a = 0;
  let b = n - 1;
  while (b - a > 1) {
    const m = (a + b) >> 1;
    if ((xp[m] as number) <= x) a = m;
    else b = m;
  }
  const x0 = xp[a] as number;
  if (x === x0) return fp[a] as number;
  const slope = ((fp[a + 1] as number) - (fp[a] as number)) / ((xp[a + 1] as number) - x0);
  return slope * (x - x0) + (fp[a] as number);
}
