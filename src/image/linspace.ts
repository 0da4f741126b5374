/**
 * The `linspace`s the golden numbers depend on: numpy's (`start + i * step`, the last value set to
 * `end`), torch's scalar one (from `start` below halfway, from `end` above it; round with
 * `Math.fround` for float32), torch's vectorised AVX2 `linspace(-1, 1, n)` that `affine_grid` builds
 * its base coordinates with, and MONAI `create_grid`'s centred coordinates.
 */
import { type ComputeDType, type Rounder, fmaIn, rounder } from './numerics.js';

const identity = rounder('float64');

/**
 * `np.linspace(start, end, n)`. In float64, or with `f = Math.fround` as numpy computes it for float32
 * bounds (the step, every product and sum rounded; `np.histogram`'s bin edges).
 */
export function numpyLinspace(start: number, end: number, n: number, f: Rounder = identity): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) out[0] = start;
  else if (n > 1) {
    const step = f(f(end - start) / (n - 1));
    for (let i = 0; i < n; i++) out[i] = f(f(i * step) + start);
    out[n - 1] = end;
  }
  return out;
}

/**
 * `torch.linspace(start, end, n)`: from `start` below halfway, from `end` above. In float64, or with
 * `f = Math.fround` as torch's float32 kernel computes it (start, end, step and every product rounded).
 */
export function torchLinspace(start: number, end: number, n: number, f: Rounder = identity): Float64Array {
  const out = new Float64Array(Math.max(n, 0));
  const s = f(start);
  const e = f(end);
  if (n === 1) out[0] = s;
  else if (n > 1) {
    const step = f(f(e - s) / (n - 1));
    const half = Math.floor(n / 2);
    for (let i = 0; i < n; i++) out[i] = i < half ? f(s + f(step * i)) : f(e - f(step * (n - 1 - i)));
  }
  return out;
}

/** Vector width of torch's AVX2 CPU kernels per dtype (elements per `Vectorized`). */
const VEC_WIDTH: Record<ComputeDType, number> = { float32: 8, float64: 4 };

/**
 * torch `linspace(-1, 1, n)` (then `· (n−1) / n` unless `alignCorners`): affine_grid's base
 * coordinates, as torch 1.13's AVX2 CPU kernel computes them — `start + step·i` below the halfway
 * point, `end − step·(n−1−i)` above (one fused multiply-add each), in blocks of two vectors whose
 * lanes are `base + k·step` (product and sum rounded separately), the tail element-wise — so that
 * grids match torch to the last bit (found against the golden rotate/spacing outputs, where one ulp
 * decides a value next to a zero-padded edge or a nearest-neighbour tie).
 */
export function linspaceFromNegOne(n: number, alignCorners: boolean, dtype: ComputeDType): Float64Array {
  const out = new Float64Array(Math.max(n, 1));
  if (n <= 1) return out;
  const R = rounder(dtype);
  const step = R(2 / (n - 1));
  const half = Math.floor(n / 2);
  const at = (i: number): number =>
    i < half ? fmaIn(step, i, -1, dtype) : fmaIn(-step, n - i - 1, 1, dtype);
  const w = VEC_WIDTH[dtype];
  let idx = 0;
  for (let i = 0; i <= n - 2 * w; i += 2 * w)
    for (let v = 0; v < 2; v++) {
      const base = at(idx);
      for (let k = 0; k < w; k++) out[idx + k] = k === 0 ? base : R(base + R(k * step));
      idx += w;
    }
  for (; idx < n; idx++) out[idx] = at(idx);
  if (!alignCorners) for (let i = 0; i < n; i++) out[i] = R(R((out[i] as number) * (n - 1)) / n);
  return out;
}

/**
 * MONAI `create_grid`'s coordinates along one axis of `d` voxels at `spacing`: torch
 * `linspace(-(d-1)/2·spacing, (d-1)/2·spacing, d)` in float64 (exact half-integers at spacing 1).
 */
export function centeredCoords(d: number, spacing = 1): Float64Array {
  const h = ((d - 1) / 2) * spacing;
  return torchLinspace(-h, h, d);
}
