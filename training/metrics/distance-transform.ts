/**
 * Exact distance transforms on typed arrays (C order, any rank): for every voxel, the distance to the
 * nearest feature voxel (`features[i] !== 0`); `Infinity` everywhere when there is none.
 *
 * Written here rather than taken from npm: the one package found (`distance-transform`, 2013, ndarray
 * based) is unmaintained and has no anisotropic spacing. Euclidean: Felzenszwalb & Huttenlocher's
 * separable lower-envelope algorithm (exact squared distances, O(n) per axis, any spacing) — what
 * scipy's `distance_transform_edt(~mask, sampling)` gives. Chessboard and taxicab: the two-pass chamfer
 * with unit steps over the full (chessboard) or face (taxicab) neighbourhood, which is exact for these
 * metrics — scipy's `distance_transform_cdt`.
 */

/** The distance metrics MONAI's surface-distance metrics offer. */
export type DistanceMetric = 'euclidean' | 'chessboard' | 'taxicab';

/** Euclidean distance to the nearest feature voxel, with per-axis `spacing` (default 1). */
export function euclideanDistanceTransform(
  features: Uint8Array,
  shape: readonly number[],
  spacing?: readonly number[],
): Float64Array {
  const n = features.length;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = features[i] ? 0 : Infinity;
  const maxLen = Math.max(1, ...shape);
  const f = new Float64Array(maxLen);
  const out = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);
  for (let axis = 0; axis < shape.length; axis++) {
    const len = shape[axis] as number;
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const s = spacing?.[axis] ?? 1;
    const outer = n / (len * stride);
    for (let o = 0; o < outer; o++)
      for (let inner = 0; inner < stride; inner++) {
        const base = o * len * stride + inner;
        for (let q = 0; q < len; q++) f[q] = d[base + q * stride] as number;
        envelope1d(f, len, s, out, v, z);
        for (let q = 0; q < len; q++) d[base + q * stride] = out[q] as number;
      }
  }
  for (let i = 0; i < n; i++) d[i] = Math.sqrt(d[i] as number);
  return d;
}

/** 1-D squared distance transform of sampled function `f` at positions q·s (FH 2012, infinite samples skipped). */
function envelope1d(
  f: Float64Array,
  n: number,
  s: number,
  out: Float64Array,
  v: Int32Array,
  z: Float64Array,
): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q] as number;
    if (fq === Infinity) continue;
    const xq = q * s;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    for (;;) {
      const r = v[k] as number;
      const xr = r * s;
      const sx = (fq + xq * xq - ((f[r] as number) + xr * xr)) / (2 * (xq - xr));
      if (sx <= (z[k] as number)) {
        k--;
        continue;
      }
      k++;
      v[k] = q;
      z[k] = sx;
      z[k + 1] = Infinity;
      break;
    }
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  k = 0;
  for (let p = 0; p < n; p++) {
    const x = p * s;
    while ((z[k + 1] as number) < x) k++;
    const r = v[k] as number;
    const dx = x - r * s;
    out[p] = dx * dx + (f[r] as number);
  }
}

/** Chessboard (L∞) or taxicab (L1) distance, in voxels, to the nearest feature voxel. */
export function chamferDistanceTransform(
  features: Uint8Array,
  shape: readonly number[],
  metric: 'chessboard' | 'taxicab',
): Float64Array {
  const rank = shape.length;
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  // neighbour offsets that precede a voxel in raster order (the mirrored ones follow it)
  const back: number[][] = [];
  const count = 3 ** rank;
  for (let code = 0; code < count; code++) {
    const off = Array.from({ length: rank }, (_, a) => (Math.floor(code / 3 ** (rank - 1 - a)) % 3) - 1);
    const nonzero = off.filter((x) => x !== 0).length;
    if (nonzero === 0 || (metric === 'taxicab' && nonzero > 1)) continue;
    if ((off.find((x) => x !== 0) as number) < 0) back.push(off);
  }
  const n = features.length;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = features[i] ? 0 : Infinity;
  const idx = new Array<number>(rank).fill(0);
  const pass = (sign: 1 | -1) => {
    for (let step = 0; step < n; step++) {
      const i = sign === 1 ? step : n - 1 - step;
      let rem = i;
      for (let a = 0; a < rank; a++) {
        idx[a] = Math.floor(rem / (strides[a] as number));
        rem -= (idx[a] as number) * (strides[a] as number);
      }
      let best = d[i] as number;
      if (best === 0) continue;
      for (const off of back) {
        let j = i;
        let inside = true;
        for (let a = 0; a < rank; a++) {
          const o = sign * (off[a] as number);
          const c = (idx[a] as number) + o;
          if (c < 0 || c >= (shape[a] as number)) {
            inside = false;
            break;
          }
          j += o * (strides[a] as number);
        }
        if (inside) best = Math.min(best, (d[j] as number) + 1);
      }
      d[i] = best;
    }
  };
  pass(1);
  pass(-1);
  return d;
}
