/**
 * The window grid of MONAI's sliding-window inference: scan intervals, window start positions
 * (`dense_patch_slices`) and the importance map (`compute_importance_map`), as MONAI 1.4 computes them.
 */
import { TrainingError } from '../training-error.js';

/** How overlapping window outputs are blended: equal weights or a Gaussian centred on the window. */
export type BlendMode = 'constant' | 'gaussian';

/** MONAI's `_get_scan_interval`: `int(roi·(1-overlap))` per axis (at least 1), `roi` where roi = image. */
export function scanInterval(
  imageSize: readonly number[],
  roiSize: readonly number[],
  overlap: readonly number[],
): number[] {
  return imageSize.map((n, i) => {
    const r = roiSize[i] as number;
    if (r === n) return r;
    const interval = Math.trunc(r * (1 - (overlap[i] as number)));
    return interval > 0 ? interval : 1;
  });
}

/**
 * Window start positions per axis (MONAI's `dense_patch_slices`): multiples of the interval, the last
 * one moved back to end flush with the image.
 */
export function windowStarts(
  imageSize: readonly number[],
  roiSize: readonly number[],
  interval: readonly number[],
): number[][] {
  return imageSize.map((n, i) => {
    const r = roiSize[i] as number;
    const step = interval[i] as number;
    let count = 1;
    if (step !== 0) {
      const num = Math.ceil(n / step);
      for (let d = 0; d < num; d++) {
        if (d * step + r >= n) {
          count = d + 1;
          break;
        }
      }
    }
    const starts: number[] = [];
    for (let k = 0; k < count; k++) {
      const s = k * step;
      starts.push(s - Math.max(s + r - n, 0));
    }
    return starts;
  });
}

/** All window start tuples, first axis slowest (numpy `meshgrid(..., indexing="ij")` order). */
export function windowPositions(starts: readonly number[][]): number[][] {
  let out: number[][] = [[]];
  for (const axis of starts) out = out.flatMap((prefix) => axis.map((s) => [...prefix, s]));
  return out;
}

/**
 * The importance map of one window (C order over `roiSize`), float32 as MONAI computes it: ones
 * (`constant`) or the separable Gaussian exp(-x²/2σ²), σ = sigmaScale·roi per axis, clamped below at 1e-3.
 */
export function importanceMap(
  roiSize: readonly number[],
  mode: BlendMode,
  sigmaScale: readonly number[],
): Float32Array {
  const total = roiSize.reduce((a, b) => a * b, 1);
  const map = new Float32Array(total).fill(1);
  if (mode === 'constant') return map;
  if (mode !== 'gaussian')
    throw new TrainingError(
      'slidingWindowInference',
      `mode must be 'constant' or 'gaussian', got '${String(mode)}'`,
    );
  const axes = roiSize.map((r, i) => {
    const sigma = r * (sigmaScale[i] as number);
    const denominator = Math.fround(-2 * sigma * sigma);
    const g = new Float32Array(r);
    for (let k = 0; k < r; k++) {
      const x = Math.fround(-(r - 1) / 2 + k);
      g[k] = Math.exp(Math.fround(Math.fround(x * x) / denominator));
    }
    return g;
  });
  let stride = total;
  for (const g of axes) {
    const len = g.length;
    stride /= len;
    for (let i = 0; i < total; i++)
      map[i] = Math.fround((map[i] as number) * (g[Math.floor(i / stride) % len] as number));
  }
  let min = Infinity;
  for (const v of map) if (v < min) min = v;
  const floor = Math.max(min, 1e-3);
  for (let i = 0; i < total; i++) if ((map[i] as number) < floor) map[i] = floor;
  return map;
}

/**
 * Resizes a C-order map from `from` to `to` with torch's "nearest-exact" rule:
 * source index = min(floor((d + 0.5)·from/to), from - 1) per axis.
 */
export function resizeNearestExact(
  map: Float32Array,
  from: readonly number[],
  to: readonly number[],
): Float32Array {
  const idx = to.map((t, a) => {
    const f = from[a] as number;
    const scale = f / t;
    return Array.from({ length: t }, (_, d) => Math.min(Math.floor((d + 0.5) * scale), f - 1));
  });
  const total = to.reduce((a, b) => a * b, 1);
  const out = new Float32Array(total);
  const nd = to.length;
  const coord = new Array<number>(nd).fill(0);
  for (let i = 0; i < total; i++) {
    let src = 0;
    for (let a = 0; a < nd; a++) src = src * (from[a] as number) + (idx[a] as number[])[coord[a] as number]!;
    out[i] = map[src] as number;
    for (let a = nd - 1; a >= 0; a--) {
      if (++coord[a]! < (to[a] as number)) break;
      coord[a] = 0;
    }
  }
  return out;
}
