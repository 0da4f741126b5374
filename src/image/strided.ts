import type { NumericArray } from './dtype.js';

/**
 * Copies a strided view of `src` into `dst` in C order: `dst[k]` (k running over `shape` in C order)
 * = `src[offset + Σ idx_j * strides_j]`. Strides may be negative (flips) or permuted (transposes);
 * this one loop serves crop, flip, rot90, transpose and reorientation. Axes contiguous in `src`
 * are merged first; the innermost axis runs as a tight loop, or as one block copy when it is
 * contiguous and both arrays have the same type (a crop copies rows).
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
  if (n > 1) {
    // (the shorter walk is never merged further, so this recurses once)
    const merged = mergeContiguousAxes(shape, strides);
    if (merged.shape.length < n) {
      stridedCopy(src, dst, merged.shape, merged.strides, offset, dstOffset);
      return;
    }
  }
  const inner = shape[n - 1] as number;
  const innerStride = strides[n - 1] as number;
  const block = innerStride === 1 && inner >= 16 && src.constructor === dst.constructor;
  const idx = new Array<number>(n - 1).fill(0);
  let base = offset;
  let k = dstOffset;
  const outer = shape.slice(0, n - 1).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    if (block) {
      // same type: a block copy is exact, and much faster than elementwise for long rows
      dst.set(src.subarray(base, base + inner), k);
      k += inner;
    } else if (innerStride === 1) {
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

/**
 * The same walk over fewer axes: axes of size 1 dropped, neighbouring axes that are contiguous in
 * the source merged (same elements in the same order, longer rows).
 */
function mergeContiguousAxes(
  shape: readonly number[],
  strides: readonly number[],
): { shape: number[]; strides: number[] } {
  const sh: number[] = [];
  const st: number[] = [];
  shape.forEach((s, i) => {
    if (s !== 1) {
      sh.push(s);
      st.push(strides[i] as number);
    }
  });
  if (sh.length === 0) return { shape: [1], strides: [1] };
  for (let ax = sh.length - 2; ax >= 0; ax--)
    if (st[ax] === (st[ax + 1] as number) * (sh[ax + 1] as number)) {
      sh[ax] = (sh[ax] as number) * (sh[ax + 1] as number);
      st[ax] = st[ax + 1] as number;
      sh.splice(ax + 1, 1);
      st.splice(ax + 1, 1);
    }
  return { shape: sh, strides: st };
}
