import type { NumericArray } from './dtype.js';

/**
 * Copies a strided view of `src` into `dst` in C order: `dst[k]` (k running over `shape` in C order)
 * = `src[offset + Σ idx_j * strides_j]`. Strides may be negative (flips) or permuted (transposes);
 * this one loop serves crop, flip, rot90, transpose and reorientation. The innermost axis runs as a
 * tight loop.
 */
export function stridedCopy(
  src: NumericArray,
  dst: NumericArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  dstOffset = 0,
): void {
  const n = shape.length;
  if (n === 0) {
    dst[dstOffset] = src[offset] as number;
    return;
  }
  for (const s of shape) if (s === 0) return;
  const inner = shape[n - 1] as number;
  const innerStride = strides[n - 1] as number;
  const idx = new Array<number>(n - 1).fill(0);
  let base = offset;
  let k = dstOffset;
  const outer = shape.slice(0, n - 1).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    if (innerStride === 1) {
      for (let i = 0; i < inner; i++) dst[k++] = src[base + i] as number;
    } else {
      let p = base;
      for (let i = 0; i < inner; i++, p += innerStride) dst[k++] = src[p] as number;
    }
    // advance the outer multi-index (C order)
    for (let ax = n - 2; ax >= 0; ax--) {
      base += strides[ax] as number;
      const next = (idx[ax] as number) + 1;
      if (next < (shape[ax] as number)) {
        idx[ax] = next;
        break;
      }
      base -= (strides[ax] as number) * (shape[ax] as number);
      idx[ax] = 0;
    }
  }
}
